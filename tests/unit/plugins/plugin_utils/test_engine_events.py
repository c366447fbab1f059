"""The events file (one JSON line per transition) and the failed devices CSV."""
import json

from ansible_collections.iotfleet.firmware.plugins.plugin_utils import _rollout as rollout
from ansible_collections.iotfleet.firmware.plugins.plugin_utils._engine import events, report, state

TARGETS = {"huawei_file_id": "fw-2", "huawei_target_version": "2.0.0", "tencent_firmware_version": None,
           "tencent_fw_type": None}
WAVE = {"name": "canary", "index": 1, "gate": rollout.normalize_gate({}), "skipped": 0,
        "chunks": [{"key": "canary/huawei/1", "platform": "huawei", "product_id": None, "size": 1,
                    "devices": ["d1"], "task_id": None}]}


def step(current, event, data, now):
    return rollout.apply_event(current, event, data, now)[0]


def test_each_transition_is_one_line_appended_once(tmp_path):
    path = str(tmp_path / "reports" / "r1-events.jsonl")
    store = state.StateStore(str(tmp_path / "state" / "r1.json"), "r1", on_write=events.EventLog(path))
    store.update(lambda s: (step(s, "start", {"rollout_id": "r1", "targets": TARGETS}, "2026-12-05T10:00:00Z"), True),
                 take=True)
    store.update(lambda s: (step(s, "awaiting_approval", {"wave": "canary"}, "2026-12-05T10:00:01Z"), True))
    store.update(lambda s: (step(s, "wave_approved", {"wave": "canary", "by": "prompt"}, "2026-12-05T10:00:02Z"),
                            True))
    store.update(lambda s: (step(s, "wave_started", {"wave": WAVE}, "2026-12-05T10:00:03Z"), True))
    lines = [json.loads(line) for line in open(path).read().splitlines()]
    assert [(line["seq"], line["event"], line.get("wave")) for line in lines] == [
        (0, "start", None), (1, "awaiting_approval", "canary"), (2, "wave_approved", "canary"),
        (3, "wave_started", "canary")]
    assert all(line["rollout_id"] == "r1" and line["journal"] == "2026-12-05T10:00:00Z" for line in lines)
    assert lines[2]["by"] == "prompt" and lines[1]["at"] == "2026-12-05T10:00:01Z"

    # a later run (a new EventLog) appends only what is new
    store.on_write = events.EventLog(path)
    store.update(lambda s: (step(s, "failed", {"wave": "canary", "message": "boom"}, "2026-12-05T10:00:04Z"), True))
    lines = [json.loads(line) for line in open(path).read().splitlines()]
    assert [line["seq"] for line in lines] == [0, 1, 2, 3, 4] and lines[-1]["message"] == "boom"


def test_a_journal_started_anew_starts_a_new_sequence():
    first = step(None, "start", {"rollout_id": "r1", "targets": TARGETS}, "2026-12-05T10:00:00Z")
    assert events.event_lines(first, ("2026-12-05T10:00:00Z", 0)) == []
    again = step(None, "start", {"rollout_id": "r1", "targets": TARGETS}, "2026-12-05T11:00:00Z")
    lines = events.event_lines(again, ("2026-12-05T10:00:00Z", 7))
    assert [json.loads(line)["seq"] for line in lines] == [0]


def test_failed_devices_are_a_csv_beside_the_reports():
    built = {"waves": [{"name": "wave1", "failed_devices": [
        {"platform": "tencent", "product_id": "P1", "task_id": 7, "device": "s-1", "detail": "Retcode -5, \"timeout\""},
        {"platform": "huawei", "task_id": "op1", "device": "m-1", "detail": None}]}, {"name": "rest"}]}
    assert report.failed_csv(built).splitlines() == [
        "wave,platform,product_id,task_id,device,detail",
        'wave1,tencent,P1,7,s-1,"Retcode -5, ""timeout"""',
        "wave1,huawei,,op1,m-1,"]
    assert report.failed_csv({"waves": []}) == "wave,platform,product_id,task_id,device,detail\n"
