"""The wave driver against scripted providers: the exact provider calls, and what the state file records."""
import os

import pytest

from ansible_collections.iotfleet.firmware.plugins.plugin_utils import _rollout as rollout
from ansible_collections.iotfleet.firmware.plugins.plugin_utils._engine import driver, state, state_file

from kit.clock import Clock
from kit.providers import ScriptedProvider, lookup, platform_error, progress, task

TARGETS = {"huawei_file_id": "fw-2", "huawei_target_version": "2.0.0", "tencent_firmware_version": "2.0.0",
           "tencent_fw_type": "mcu"}
GATE = rollout.normalize_gate({"success_percent": 90, "error_percent": 10, "min_finished": 2, "timeout": 600})
OWNER = {"pid": os.getpid(), "started": None, "host": None}


def chunk(key, platform, devices, product_id=None, **extra):
    return dict({"key": key, "platform": platform, "product_id": product_id, "size": len(devices),
                 "devices": list(devices), "task_id": None}, **extra)


def wave(chunks, name="w1", assigned=None, **extra):
    return dict({"index": 1, "name": name, "gate": GATE, "skipped": 0, "assigned": len(chunks) if assigned is None
                 else assigned, "count": None, "percent": 50, "chunks": chunks, "poll_seconds": 10}, **extra)


@pytest.fixture
def store(tmp_path):
    path = str(tmp_path / "r1.json")
    start, dummy = rollout.apply_event(None, "start", {"rollout_id": "r1", "targets": TARGETS}, "2026-12-01T12:00:00Z")
    state_file.atomic_write(path, state_file.dump_state(start))
    return state.StateStore(path, "r1", owner=OWNER)


def saved(store):
    return state_file.load_state(store.path)  # the document with its appended lines


def run(store, the_wave, providers, clock=None, **options):
    clock = clock or Clock(start=rollout_files_epoch())
    lines = []
    result = driver.WaveDriver(store, "r1", the_wave, TARGETS, providers, options=options, display=lines.append,
                               sleep=clock.sleep, clock=clock.time, monotonic=clock.time).run()
    for provider in providers.values():
        provider.assert_done()
    return result, lines


def rollout_files_epoch():
    return rollout.parse_utc("2026-12-01T12:00:00Z")


def test_creates_each_missing_chunk_once_records_every_id_at_once_then_passes(store):
    h1, h2 = ["hw-1", "hw-2"], ["hw-3"]
    t1 = ["tc-1", "tc-2"]

    def first_create(devices):
        # the chunk is marked "on its way" before its create is sent
        chunks = saved(store)["waves"]["w1"]["chunks"]
        assert chunks[0]["task_id"] is None and chunks[0]["posting_at"] and not chunks[1].get("posting_at")
        return "op-1"

    def second_create(devices):
        # the first task id is in the state file before the second create is sent (same write as the next mark)
        chunks = saved(store)["waves"]["w1"]["chunks"]
        assert [c["task_id"] for c in chunks if c["platform"] == "huawei"] == ["op-1", None]
        assert chunks[0]["posting_at"] is None and chunks[1]["posting_at"]
        return "op-2"

    huawei = ScriptedProvider("huawei", [
        ("prepare", [tuple(h1)], None),                       # the package is read once for the scope
        ("find", [tuple(h1), ()], lookup(remaining=h1)),
        ("find", [tuple(h2), ()], lookup(remaining=h2)),
        ("create", [tuple(h1)], first_create),
        ("create", [tuple(h2)], second_create),
        ("progress", [("op-1", "op-2"), False],
         {"op-1": progress("op-1", 1, in_progress=1), "op-2": progress("op-2", 0, in_progress=1)}),
        ("progress", [("op-1", "op-2"), False], {"op-1": progress("op-1", 2), "op-2": progress("op-2", 1)}),
    ])
    tencent = ScriptedProvider("tencent", [
        ("prepare", [tuple(t1)], None),
        ("find", [tuple(t1), ()], lookup(remaining=t1)),
        ("create", [tuple(t1)], 501),
        ("progress", [(501,), False], {501: progress(501, 2)}),  # finished: not read again in the next round
    ])
    the_wave = wave([chunk("w1/huawei/1", "huawei", h1), chunk("w1/huawei/2", "huawei", h2),
                     chunk("w1/tencent/P/1", "tencent", t1, "P")])
    clock = Clock(start=rollout_files_epoch())
    result, lines = run(store, the_wave, {"huawei": huawei, "tencent": tencent}, clock)
    assert result["status"] == "passed" and result["decision"] == "pass"
    assert result["devices_created"] == 5 and result["summary"]["succeeded"] == 5
    assert clock.sleeps == [10]                                    # one poll interval between the two rounds
    assert len(lines) == 2 and lines[0].startswith("    [rollout] wave w1: 3/5 finished")
    assert "| huawei 1/3 finished" in lines[0] and "| tencent 2/2 finished" in lines[0]
    record = saved(store)["waves"]["w1"]
    assert record["status"] == "passed"
    assert [(c["task_id"], c["created"]) for c in record["chunks"]] == [("op-1", 2), ("op-2", 1), (501, 2)]
    assert record["failures"] == [] and record["in_flight"] == []
    # the whole journal is written when the wave starts and ends; each create's record is one appended line (the
    # marks before the first create of each platform, then per create its id with the next mark)
    journal = result["journal_writes"]
    assert (journal["writes"], journal["appends"]) == (2, 5)
    assert record["engine"]["journal"]["appends"] == 5 and record["engine"]["journal"]["writes"] == 1


def test_a_re_entered_wave_creates_nothing_and_polls_its_recorded_tasks(store):
    recorded = [chunk("w1/huawei/1", "huawei", ["hw-1"], task_id="op-9", created=1)]
    huawei = ScriptedProvider("huawei", [("prepare", [("hw-1",)], None),  # the package still exists; sets the scope
                                         ("progress", [("op-9",), False], {"op-9": progress("op-9", 1)})])
    result, dummy = run(store, wave(recorded), {"huawei": huawei})
    assert result["status"] == "passed" and [c[0] for c in huawei.calls] == ["prepare", "progress"]


def test_a_huawei_task_that_ended_failed_counts_as_failed_and_is_not_created_again(store):
    """Re-run after a kill: the recorded task failed meanwhile; its devices are failed in the gate."""
    devices = ["hw-%d" % n for n in range(4)]
    recorded = [chunk("w1/huawei/1", "huawei", devices, task_id="op-7", created=4)]
    failures = [{"device": d, "detail": "download failed"} for d in devices]
    huawei = ScriptedProvider("huawei", [
        ("prepare", [tuple(devices)], None),
        ("progress", [("op-7",), False], {"op-7": progress("op-7", 0, failed=4, status="failed")}),
        ("progress", [("op-7",), True], {"op-7": progress("op-7", 0, failed=4, failures=failures)}),
    ])
    result, dummy = run(store, wave(recorded), {"huawei": huawei})
    assert result["status"] == "aborted" and result["summary"]["failed"] == 4
    assert "error threshold tripped" in result["reason"]
    assert [c[0] for c in huawei.calls] == ["prepare", "progress", "progress"]  # no find, create, cancel (no API)
    record = saved(store)["waves"]["w1"]
    assert record["failures"][0] == {"platform": "huawei", "task_id": "op-7", "device": "hw-0",
                                     "detail": "download failed"}
    assert saved(store)["status"] == "aborted"


def test_a_lost_create_is_reconciled_by_lookup_and_never_posted_again(store):
    devices = ["tc-1", "tc-2"]
    lost = platform_error("read timeout", "ReadTimeout", call="Tencent Cloud BatchUpdateFirmware",
                          maybe_committed=True)
    tencent = ScriptedProvider("tencent", [
        ("prepare", [tuple(devices)], None),
        ("find", [tuple(devices), ()], lookup(remaining=devices, seen=[100])),
        ("create", [tuple(devices)], lost),
        ("find", [tuple(devices), (100,)], lookup()),         # not there yet: looked up again after a while
        ("find", [tuple(devices), (100,)], lookup(same=[task(101, devices)])),
        ("progress", [(101,), False], {101: progress(101, 2)}),
    ])
    result, dummy = run(store, wave([chunk("w1/tencent/P/1", "tencent", devices, "P")]), {"tencent": tencent})
    assert result["status"] == "passed"
    assert [c[0] for c in tencent.calls].count("create") == 1
    assert saved(store)["waves"]["w1"]["chunks"][0]["task_id"] == 101
    assert saved(store)["waves"]["w1"]["chunks"][0]["matched_by"] == "reconciled"


def test_the_scope_holds_the_work_lock_from_the_lookup_through_the_last_create(store):
    h1, h2 = ["hw-1"], ["hw-2"]
    huawei = ScriptedProvider("huawei", [
        ("prepare", [tuple(h1)], None),
        ("find", [tuple(h1), ()], lookup(remaining=h1)),
        ("find", [tuple(h2), ()], lookup(remaining=h2)),
        ("create", [tuple(h1)], "op-1"),
        ("create", [tuple(h2)], "op-2"),
        ("progress", [("op-1", "op-2"), False], {"op-1": progress("op-1", 1), "op-2": progress("op-2", 1)}),
    ])
    result, dummy = run(store, wave([chunk("w1/huawei/1", "huawei", h1), chunk("w1/huawei/2", "huawei", h2)]),
                        {"huawei": huawei})
    assert result["status"] == "passed"
    # one lock per scope, taken after the package read, released after the second create (before any poll)
    assert huawei.locks == [("held", tuple(h1), 1, 5)]


def test_a_lost_create_whose_task_never_appears_fails_naming_the_call_and_is_not_posted_again(store):
    devices = ["hw-1"]
    lost = platform_error("read timeout", "ReadTimeout", maybe_committed=True)
    clock = Clock(start=rollout_files_epoch())
    # the lookup loop of the generic module body: waits of 1, 2, 4, 8 s, then what is left of the 20 s
    finds = [("find", [tuple(devices), ("op-0",)], lookup(remaining=devices))] * 6
    huawei = ScriptedProvider("huawei", [
        ("prepare", [tuple(devices)], None),
        ("find", [tuple(devices), ()], lookup(remaining=devices, seen=["op-0"])),
        ("create", [tuple(devices)], lost),
    ] + finds)
    result, dummy = run(store, wave([chunk("w1/huawei/1", "huawei", devices)]), {"huawei": huawei}, clock,
                        reconcile_seconds=20)
    assert result["failed"] and [c[0] for c in huawei.calls].count("create") == 1
    assert clock.sleeps == [1.0, 2.0, 4.0, 8.0, 5.0]
    assert result["msg"] == (
        "Huawei IoT POST /iodm/northbound/v1.5.0/operations/firmwareUpgrade may have been executed (ReadTimeout: "
        "read timeout); no task was found within 20 s; it may still appear \u2014 a re-run will reconcile it. "
        "Nothing more was sent. (error code ReadTimeout, HTTP 400, request id req-1)")
    chunk_state = saved(store)["waves"]["w1"]["chunks"][0]
    assert chunk_state["task_id"] is None and chunk_state["posting_at"]  # the next run looks for it again


def test_an_existing_task_found_by_the_lookup_is_adopted_and_counted_as_the_platform_reports_it(store):
    first, second = ["hw-1"], ["hw-2"]
    bigger = task("op-3", ["hw-0", "hw-1", "hw-2"])  # an earlier task that covers both chunks and one more device
    huawei = ScriptedProvider("huawei", [
        ("prepare", [tuple(first)], None),
        ("find", [tuple(first), ()], lookup(same=[bigger])),
        ("find", [tuple(second), ()], lookup(same=[bigger])),
        ("progress", [("op-3",), False], {"op-3": progress("op-3", 3)}),
    ])
    result, dummy = run(store, wave([chunk("w1/huawei/1", "huawei", first), chunk("w1/huawei/2", "huawei", second)]),
                        {"huawei": huawei})
    assert result["status"] == "passed" and result["summary"]["total"] == 3  # the task once, all its devices
    assert [c["task_id"] for c in saved(store)["waves"]["w1"]["chunks"]] == ["op-3", "op-3"]


def test_busy_and_current_devices_are_left_out_of_the_create(store):
    devices = ["hw-1", "hw-2", "hw-3"]
    huawei = ScriptedProvider("huawei", [
        ("prepare", [tuple(devices)], None),
        ("find", [tuple(devices), ()], lookup(remaining=["hw-2", "hw-3"], busy={"hw-2": "op-other"},
                                              up_to_date=["hw-1"])),
        ("create", [("hw-3",)], "op-4"),
        ("progress", [("op-4",), False], {"op-4": progress("op-4", 1)}),
    ])
    result, dummy = run(store, wave([chunk("w1/huawei/1", "huawei", devices)]), {"huawei": huawei})
    assert result["devices_created"] == 1 and result["summary"]["total"] == 1
    record = saved(store)["waves"]["w1"]
    assert record["busy"] == {"hw-2": "op-other"} and record["up_to_date"] == ["hw-1"]


def test_abort_cancels_the_running_tencent_tasks_and_lists_failures_and_what_is_in_flight(store):
    t_devices = ["tc-%d" % n for n in range(10)]
    h_devices = ["hw-1", "hw-2"]
    failures = [{"device": "tc-%d" % n, "detail": "md5 mismatch (Retcode -5)"} for n in range(3)]
    huawei = ScriptedProvider("huawei", [
        ("prepare", [tuple(h_devices)], None),
        ("find", [tuple(h_devices), ()], lookup(remaining=h_devices)),
        ("create", [tuple(h_devices)], "op-1"),
        ("progress", [("op-1",), False], {"op-1": progress("op-1", 0, in_progress=2, status="processing")}),
    ])
    tencent = ScriptedProvider("tencent", [
        ("prepare", [tuple(t_devices)], None),
        ("find", [tuple(t_devices), ()], lookup(remaining=t_devices)),
        ("create", [tuple(t_devices)], 7),
        ("progress", [(7,), False], {7: progress(7, 0, failed=3, in_progress=7)}),
        ("progress", [(7,), True], {7: progress(7, 0, failed=3, in_progress=7, failures=failures)}),
        ("cancel", [7], True),
    ])
    result, dummy = run(store, wave([chunk("w1/huawei/1", "huawei", h_devices),
                                     chunk("w1/tencent/P/1", "tencent", t_devices, "P")]),
                        {"huawei": huawei, "tencent": tencent})
    assert result["status"] == "aborted" and result["cancelled"] == [7]
    record = saved(store)["waves"]["w1"]
    assert record["cancelled"] == [7] and len(record["failures"]) == 3
    assert record["failures"][0]["product_id"] == "P" and record["failures"][0]["detail"].startswith("md5")
    assert {(f["platform"], f["task_id"], f["in_progress"]) for f in record["in_flight"]} == {
        ("huawei", "op-1", 2), ("tencent", 7, 7)}
    assert saved(store)["abort"]["wave"] == "w1"


def test_a_platform_error_names_platform_code_request_id_and_call_and_keeps_the_ids_created(store):
    first, second = ["hw-1"], ["hw-2"]
    huawei = ScriptedProvider("huawei", [
        ("prepare", [tuple(first)], None),
        ("find", [tuple(first), ()], lookup(remaining=first)),
        ("find", [tuple(second), ()], lookup(remaining=second)),
        ("create", [tuple(first)], "op-1"),
        ("create", [tuple(second)], platform_error("package not found", "123002", request_id="rq-77")),
    ])
    result, dummy = run(store, wave([chunk("w1/huawei/1", "huawei", first), chunk("w1/huawei/2", "huawei", second)]),
                        {"huawei": huawei})
    assert result["failed"] is True and result["status"] == "failed"
    assert result["error"]["platform"] == "huawei" and result["error"]["code"] == "123002"
    assert result["error"]["request_id"] == "rq-77" and "firmwareUpgrade" in result["error"]["call"]
    assert "package not found" in result["msg"] and "request id rq-77" in result["msg"]
    recorded = saved(store)
    assert recorded["status"] == "failed" and "123002" in recorded["error"]["message"]
    assert [c["task_id"] for c in recorded["waves"]["w1"]["chunks"]] == ["op-1", None]


def test_an_empty_wave_from_rounding_says_so_and_calls_nothing(store):
    result, dummy = run(store, wave([], assigned=0, percent=0.1), {})
    assert result["status"] == "passed"
    assert "stage boundaries" in result["reason"] and "already on the target version" not in result["reason"]
    assert saved(store)["waves"]["w1"]["empty"] == result["reason"]


def test_an_empty_wave_of_current_devices_says_that(store):
    result, dummy = run(store, wave([], assigned=5, skipped=5), {})
    assert result["reason"] == "no device of this wave needs the upgrade (5 already on the target version)"


def test_the_gate_timeout_ends_the_poll_loop(store):
    devices = ["hw-1"]
    rounds = [("progress", [("op-1",), False], {"op-1": progress("op-1", 0, in_progress=1)})] * 61
    huawei = ScriptedProvider("huawei", [("prepare", [tuple(devices)], None),
                                         ("find", [tuple(devices), ()], lookup(remaining=devices)),
                                         ("create", [tuple(devices)], "op-1")] + rounds)
    result, lines = run(store, wave([chunk("w1/huawei/1", "huawei", devices)]), {"huawei": huawei})
    assert result["status"] == "aborted" and "timeout" in result["reason"] and len(lines) == 61


def test_the_poll_interval_is_the_configured_one_unless_huawei_pages_would_exceed_their_share():
    huawei = {("huawei", ""): [task("op-%d" % n, ["hw-%d" % n]) for n in range(250)]}
    assert driver.poll_interval(10, huawei) == 10                      # 3 pages per round: 18 calls per minute
    many = {("huawei", ""): [task("op-%d" % n, ["hw-%d" % n]) for n in range(20000)]}
    assert driver.poll_interval(10, many) == 150                       # 200 pages: 80 per minute at most
    assert driver.poll_interval(0, {("tencent", "P"): [task(1, ["tc"])]}) == 1


def test_a_create_on_its_way_when_the_last_run_stopped_is_waited_for_not_posted_again(store):
    """Killed while a create was in flight: the task appears a little later and is adopted."""
    devices = ["hw-1"]
    clock = Clock(start=rollout_files_epoch() + 30)
    huawei = ScriptedProvider("huawei", [
        ("prepare", [tuple(devices)], None),
        ("find", [tuple(devices), ()], lookup(remaining=devices)),     # not visible yet
        ("find", [tuple(devices), ()], lookup(remaining=devices)),
        ("find", [tuple(devices), ()], lookup(same=[task("op-5", devices)])),
        ("progress", [("op-5",), False], {"op-5": progress("op-5", 1)}),
    ])
    on_its_way = chunk("w1/huawei/1", "huawei", devices, posting_at=rollout_files_epoch() + 25)
    result, dummy = run(store, wave([on_its_way]), {"huawei": huawei}, clock, reconcile_seconds=60)
    assert result["status"] == "passed" and [c[0] for c in huawei.calls].count("create") == 0
    assert clock.sleeps[:2] == [1.0, 2.0]  # the generic body's lookup loop (_reconcile.await_task)
    assert saved(store)["waves"]["w1"]["chunks"][0]["task_id"] == "op-5"


def test_a_mark_older_than_the_reconcile_window_without_a_task_is_created(store):
    devices = ["hw-1"]
    clock = Clock(start=rollout_files_epoch() + 600)
    huawei = ScriptedProvider("huawei", [
        ("prepare", [tuple(devices)], None),
        ("find", [tuple(devices), ()], lookup(remaining=devices)),
        ("create", [tuple(devices)], "op-6"),
        ("progress", [("op-6",), False], {"op-6": progress("op-6", 1)}),
    ])
    old_mark = chunk("w1/huawei/1", "huawei", devices, posting_at=rollout_files_epoch())
    result, dummy = run(store, wave([old_mark]), {"huawei": huawei}, clock, reconcile_seconds=60)
    assert result["status"] == "passed" and saved(store)["waves"]["w1"]["chunks"][0]["task_id"] == "op-6"
