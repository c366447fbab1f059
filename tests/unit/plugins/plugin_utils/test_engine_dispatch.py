"""Dispatch over time: maintenance windows, stage schedules, the ramp and the pace, in the wave driver against
scripted providers (the exact provider calls, the clock advanced only by the driver's own waits)."""
import os

import pytest

from ansible_collections.iotfleet.firmware.plugins.plugin_utils import _rollout as rollout
from ansible_collections.iotfleet.firmware.plugins.plugin_utils._engine import driver, state, state_file
from ansible_collections.iotfleet.firmware.plugins.plugin_utils._rollout import dispatch

from kit.clock import Clock
from kit.providers import ScriptedProvider, lookup, progress

TARGETS = {"tencent_firmware_version": "2.0.0", "tencent_fw_type": "mcu"}
GATE = rollout.normalize_gate({"success_percent": 90, "error_percent": 10, "min_finished": 2, "timeout": 600})
OWNER = {"pid": os.getpid(), "started": None, "host": None}
START = rollout.parse_utc("2026-12-01T12:00:00Z")  # a Tuesday
HALF_PAST = [{"start": "30 12 * * *", "duration": 3600, "timezone": "UTC"}]   # opens 30 min after START
NIGHT = [{"start": "0 2 * * *", "duration": 14400, "timezone": "UTC"}]        # opens 14 h after START


def chunk(key, devices, **extra):
    return dict({"key": key, "platform": "tencent", "product_id": "P", "size": len(devices),
                 "devices": list(devices), "task_id": None}, **extra)


def wave(chunks, **extra):
    return dict({"index": 1, "name": "w1", "gate": GATE, "skipped": 0, "assigned": 9, "count": None, "percent": 50,
                 "chunks": chunks, "poll_seconds": 10}, **extra)


@pytest.fixture
def store(tmp_path):
    path = str(tmp_path / "r1.json")
    start, dummy = rollout.apply_event(None, "start", {"rollout_id": "r1", "targets": TARGETS}, "2026-12-01T12:00:00Z")
    state_file.atomic_write(path, state_file.dump_state(start))
    return state.StateStore(path, "r1", owner=OWNER)


def run(store, the_wave, tencent, clock, **options):
    lines = []
    result = driver.WaveDriver(store, "r1", the_wave, TARGETS, {"tencent": tencent}, options=options,
                               display=lines.append, sleep=clock.sleep, clock=clock.time, monotonic=clock.time).run()
    tencent.assert_done()
    return result, lines


def saved(store):
    return state_file.load_state(store.path)  # the document with its appended lines


def created(devices, task_id):
    return [("prepare", [tuple(devices)], None), ("find", [tuple(devices), ()], lookup(remaining=devices)),
            ("create", [tuple(devices)], task_id)]


def test_a_closed_window_is_waited_for_then_its_chunk_goes(store):
    a, b = ["tc-1", "tc-2"], ["tc-3", "tc-4"]
    tencent = ScriptedProvider("tencent", created(a, 1) + [
        ("progress", [(1,), False], {1: progress(1, 2)}),
    ] + created(b, 2) + [
        ("progress", [(1, 2), False], {1: progress(1, 2), 2: progress(2, 2)}),
    ])
    clock = Clock(start=START)
    result, lines = run(store, wave([chunk("w1/tencent/P/1", a), chunk("w1/tencent/P/2", b, window=HALF_PAST)]),
                        tencent, clock)
    assert result["status"] == "passed" and result["summary"]["succeeded"] == 4
    assert clock.sleeps == [1800]  # until 12:30, then the window's chunk is created at once
    assert any("maintenance window closed (30 12 * * *" in line and "waiting 1800 s" in line for line in lines)


def test_an_opening_beyond_window_max_wait_ends_the_run_awaiting_window_and_the_wave_stays_started(store):
    a, b = ["tc-1", "tc-2"], ["tc-3", "tc-4"]
    tencent = ScriptedProvider("tencent", created(a, 1) + [("progress", [(1,), False], {1: progress(1, 2)})])
    clock = Clock(start=START)
    result, dummy = run(store, wave([chunk("w1/tencent/P/1", a), chunk("w1/tencent/P/2", b, window=NIGHT)]),
                        tencent, clock, window_max_wait=3600)
    assert result["status"] == rollout.ROLLOUT_AWAITING_WINDOW
    assert result["awaiting_window"]["next_at"] == "2026-12-02T02:00:00Z"
    assert result["awaiting_window"]["not_dispatched"] == 2 and clock.sleeps == []
    record = saved(store)["waves"]["w1"]
    assert record["status"] == "started"
    assert [c["task_id"] for c in record["chunks"]] == [1, None]

    # the next run (at 02:05) resumes the wave: the recorded task is not created again, the rest goes now
    clock = Clock(start=rollout.parse_utc("2026-12-02T02:05:00Z"))
    tencent = ScriptedProvider("tencent", [("prepare", [tuple(b)], None), ("find", [tuple(b), ()], lookup(remaining=b)),
                                           ("create", [tuple(b)], 2),
                                           ("progress", [(1, 2), False], {1: progress(1, 2), 2: progress(2, 2)})])
    resumed = wave(saved(store)["waves"]["w1"]["chunks"], action="resume")
    result, dummy = run(store, resumed, tencent, clock, window_max_wait=3600)
    assert result["status"] == "passed" and result["summary"]["total"] == 4


def test_a_ramp_step_goes_only_after_the_one_before_finished(store):
    steps = [["tc-1"], ["tc-2", "tc-3"], ["tc-4", "tc-5", "tc-6", "tc-7"]]
    ramp = {"start": 1, "factor": 2, "max_failure_rate": 10}
    tencent = ScriptedProvider("tencent", created(steps[0], 1) + [
        ("progress", [(1,), False], {1: progress(1, 0, in_progress=1)}),
        ("progress", [(1,), False], {1: progress(1, 1)}),
    ] + created(steps[1], 2) + [
        ("progress", [(1, 2), False], {1: progress(1, 1), 2: progress(2, 2)}),
    ] + created(steps[2], 3) + [
        ("progress", [(1, 2, 3), False], {1: progress(1, 1), 2: progress(2, 2), 3: progress(3, 4)}),
    ])
    chunks = [chunk("w1/tencent/P/%d" % (n + 1), devices, ramp_step=n) for n, devices in enumerate(steps)]
    clock = Clock(start=START)
    result, dummy = run(store, wave(chunks, ramp=ramp), tencent, clock)
    assert result["status"] == "passed" and result["summary"]["succeeded"] == 7
    assert clock.sleeps == [10]  # one poll while step 0 ran; each later step goes as soon as the one before ended


def test_a_ramp_step_above_max_failure_rate_aborts_the_wave_before_the_larger_step(store):
    steps = [["tc-1", "tc-2"], ["tc-3", "tc-4", "tc-5", "tc-6"]]
    ramp = {"start": 2, "factor": 2, "max_failure_rate": 10}
    tencent = ScriptedProvider("tencent", created(steps[0], 1) + [
        ("progress", [(1,), False], {1: progress(1, 1, failed=1, in_progress=0)}),
        ("progress", [(1,), True], {1: progress(1, 1, failed=1, failures=[{"device": "tc-2", "detail": "bad"}])}),
    ])
    gate = rollout.normalize_gate({"success_percent": 10, "error_percent": 60, "min_finished": 5, "timeout": 600})
    chunks = [chunk("w1/tencent/P/%d" % (n + 1), devices, ramp_step=n) for n, devices in enumerate(steps)]
    result, dummy = run(store, wave(chunks, ramp=ramp, gate=gate), tencent, Clock(start=START), cancel_on_abort=False)
    assert result["status"] == "aborted" and "ramp: 1 of 2 finished devices failed (50 % > max_failure_rate 10 %)" \
        in result["reason"]
    assert [c["task_id"] for c in saved(store)["waves"]["w1"]["chunks"]] == [1, None]


def test_the_pace_cap_holds_a_chunk_until_the_devices_before_it_finished(store):
    a, b = ["tc-1", "tc-2"], ["tc-3", "tc-4"]
    tencent = ScriptedProvider("tencent", created(a, 1) + [
        ("progress", [(1,), False], {1: progress(1, 1, in_progress=1)}),
        ("progress", [(1,), False], {1: progress(1, 2)}),
    ] + created(b, 2) + [
        ("progress", [(1, 2), False], {1: progress(1, 2), 2: progress(2, 2)}),
    ])
    clock = Clock(start=START)
    result, dummy = run(store, wave([chunk("w1/tencent/P/1", a), chunk("w1/tencent/P/2", b)]), tencent, clock,
                        max_in_progress={"tencent": 2})
    assert result["status"] == "passed" and clock.sleeps == [10]


def test_a_stage_that_starts_later_waits_and_one_past_its_end_dispatches_nothing(store):
    a = ["tc-1", "tc-2"]
    schedule = {"start_at": START + 600, "end_at": None, "at_end": "stop"}
    tencent = ScriptedProvider("tencent", created(a, 1) + [("progress", [(1,), False], {1: progress(1, 2)})])
    clock = Clock(start=START)
    result, dummy = run(store, wave([chunk("w1/tencent/P/1", a)], schedule=schedule), tencent, clock)
    assert result["status"] == "passed" and clock.sleeps == [600]


def test_past_end_at_nothing_is_dispatched_and_the_run_says_so(store):
    a = ["tc-1", "tc-2"]
    schedule = {"start_at": None, "end_at": START - 1, "at_end": "stop"}
    tencent = ScriptedProvider("tencent", [])
    result, dummy = run(store, wave([chunk("w1/tencent/P/1", a)], schedule=schedule), tencent, Clock(start=START))
    assert result["status"] == rollout.ROLLOUT_AWAITING_WINDOW
    assert result["awaiting_window"]["next_at"] is None and "end_at has passed" in result["reason"]


def test_at_end_cancel_cancels_the_tasks_still_running(store):
    a = ["tc-1", "tc-2"]
    schedule = {"start_at": None, "end_at": START + 5, "at_end": "cancel"}
    failures = [{"device": "tc-2", "detail": "cancelled"}]
    tencent = ScriptedProvider("tencent", created(a, 1) + [
        ("progress", [(1,), False], {1: progress(1, 1, in_progress=1)}),
        ("cancel", [1], True),
        ("progress", [(1,), False], {1: progress(1, 1, failed=1, status="cancelled")}),
        ("progress", [(1,), True], {1: progress(1, 1, failed=1, failures=failures)}),
    ])
    gate = rollout.normalize_gate({"success_percent": 50, "error_percent": 60, "min_finished": 5, "timeout": 600})
    clock = Clock(start=START)
    result, lines = run(store, wave([chunk("w1/tencent/P/1", a)], schedule=schedule, gate=gate), tencent, clock)
    assert result["status"] == "passed" and result["summary"] == dict(result["summary"], succeeded=1, failed=1)
    assert any("end_at reached, 1 tasks cancelled" in line for line in lines)


def test_choose_pure_rules():
    now = START
    chunks = [chunk("k1", ["a"], task_id=5), chunk("k2", ["b", "c"]), chunk("k3", ["d"], window=NIGHT)]
    out = dispatch.choose(chunks, now, {"caps": {"tencent": 2}}, {"k1": 1}, {})
    assert out["dispatch"] == [] and out["waiting"]["k2"].startswith("pace: tencent has 1 devices upgrading")
    assert out["waiting"]["k3"].startswith("maintenance window closed") and out["next_at"] == START + 14 * 3600
    out = dispatch.choose(chunks, now, {"caps": {"tencent": 2}}, {"k1": 0}, {})
    assert out["dispatch"] == ["k2"]


def device(number, window=None, groups=()):
    found = {"uid": "P/tc-%d" % number, "platform": "tencent", "id": "tc-%d" % number, "product_id": "P",
             "version": "1.0.0", "host": "tc-%d" % number}
    if window:
        found["window"] = window
    if groups:
        found["groups"] = tuple(groups)
    return found


def test_chunks_follow_windows_ramp_and_caps_and_the_plan_says_so():
    devices = [device(n, NIGHT if n % 2 else None, ["site_a"] if n < 4 else []) for n in range(10)]
    ramp = {"start": 1, "factor": 2, "max_failure_rate": 10}
    chunks = rollout.build_chunks("w1", devices, {"tencent": 500}, ramp, {"tencent": 3, "group:site_a": 2})
    plain = [c for c in chunks if not c.get("window")]
    night = [c for c in chunks if c.get("window")]
    assert [len(c["devices"]) for c in plain] == [1, 2, 2] and [c["ramp_step"] for c in plain] == [0, 1, 2]
    assert [len(c["devices"]) for c in night] == [1, 2, 2]  # ramp per window set, capped at the platform cap 3
    assert all(c["window"] == NIGHT for c in night)
    assert sum(c.get("groups", {}).get("site_a", 0) for c in chunks) == 4
    assert len(set(c["key"] for c in chunks)) == len(chunks)
    wave = {"chunks": chunks, "ramp": ramp, "schedule": {"start_at": START, "end_at": START + 3600, "at_end": "cancel"}}
    lines = dispatch.plan_lines(wave, {"tencent": 3, "group:site_a": 2})
    assert lines == ["  schedule: starts at 2026-12-01T12:00:00Z",
                     "  schedule: stops dispatching at 2026-12-01T13:00:00Z, then cancels the tasks still running",
                     "  window: 5 devices only inside 0 2 * * * for 4h (UTC)",
                     "  ramp: steps of 1, 2 devices (start 1, factor 2); each after the one before finished with <= 10 % "
                     "failed",
                     "  pace: at most 2 devices of group:site_a upgrading at once",
                     "  pace: at most 3 devices of tencent upgrading at once"]


def test_device_windows_come_from_the_host_or_the_rollout_default_and_bad_ones_name_the_host():
    raws = [{"platform": "tencent", "id": "a", "product_id": "P", "host": "a",
             "maintenance_window": {"start": "0 2 * * *", "duration": "4h"}, "timezone": "Asia/Shanghai"},
            {"platform": "tencent", "id": "b", "product_id": "P", "host": "b"},
            {"platform": "tencent", "id": "c", "product_id": "P", "host": "c",
             "maintenance_window": {"start": "0 2 * *"}}]
    devices, errors, dummy = rollout.normalize_devices(raws, "host", {"start": "0 1 * * 6", "duration": 3600})
    assert devices[0]["window"] == [{"start": "0 2 * * *", "duration": 14400, "timezone": "Asia/Shanghai"}]
    assert devices[1]["window"] == [{"start": "0 1 * * 6", "duration": 3600, "timezone": "UTC"}]
    assert len(errors) == 1 and errors[0].startswith("host c: maintenance_window")


@pytest.mark.parametrize("stage, message", [
    ({"name": "w", "percent": 100, "end_at": "2026-12-01T10:00:00"}, "end_at: .* needs a timezone"),
    ({"name": "w", "percent": 100, "at_end": "cancel"}, "at_end needs an end_at"),
    ({"name": "w", "percent": 100, "ramp": {"start": 5, "factor": 0.5}}, "a ramp factor below 1"),
    ({"name": "w", "percent": 100, "start_at": "2026-12-02T00:00:00Z", "end_at": "2026-12-01T00:00:00Z"},
     "end_at must be after start_at"),
])
def test_bad_dispatch_keys_of_a_stage_fail_before_any_call_naming_the_stage(stage, message):
    with pytest.raises(rollout.RolloutError, match="stage 'w'.*" + message):
        rollout.normalize_stages([stage])
