"""Dispatch over time: maintenance windows, stage schedules, the ramp and the pace, in the wave driver against
scripted providers (the exact provider calls, the clock advanced only by the driver's own waits)."""
import json
import os

import pytest

from ansible_collections.iotfleet.firmware.plugins.plugin_utils import _rollout as rollout
from ansible_collections.iotfleet.firmware.plugins.plugin_utils._engine import driver, state
from ansible_collections.iotfleet.firmware.plugins.plugin_utils._rollout import dispatch

from engine_fakes import Clock, ScriptedProvider, lookup, progress

TARGETS = {"tencent_firmware_version": "2.0.0", "tencent_fw_type": "mcu"}
GATE = rollout.normalize_gate({"success_percent": 90, "error_percent": 10, "min_finished": 2, "timeout": 600})
OWNER = {"pid": os.getpid(), "started": None, "host": None}
START = driver.parse_utc("2026-12-01T12:00:00Z")  # a Tuesday
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
    state.atomic_write(path, state.dump_state(start))
    return state.StateStore(path, "r1", owner=OWNER)


def run(store, the_wave, tencent, clock, **options):
    lines = []
    result = driver.WaveDriver(store, "r1", the_wave, TARGETS, {"tencent": tencent}, options=options,
                               display=lines.append, sleep=clock.sleep, clock=clock.time, monotonic=clock.time).run()
    tencent.done()
    return result, lines


def saved(store):
    with open(store.path) as handle:
        return json.load(handle)


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
    clock = Clock(start=driver.parse_utc("2026-12-02T02:05:00Z"))
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
