"""Unit tests of the staged rollout logic (plugin_utils/_rollout/): planning, gates, resume state, reports."""
import copy
import json

import pytest

from ansible_collections.iotfleet.firmware.plugins.plugin_utils import _rollout as r

TARGETS = {"huawei_file_id": "fw-wm100-2.0.0", "huawei_target_version": "2.0.0",
           "tencent_firmware_version": "2.0.0", "tencent_fw_type": "mcu"}
STAGES = [{"name": "canary", "count": 10}, {"name": "wave1", "percent": 10}, {"name": "rest", "percent": 100}]
NOW = "2026-11-02T08:00:00Z"


def fleet(huawei=300, tencent=300, products=("TCPROD0001",), version="1.0.0"):
    raws = [{"platform": "huawei", "id": "hw-meter-%04d" % i, "version": version} for i in range(1, huawei + 1)]
    for product in products:
        raws += [{"platform": "tencent", "id": "tc-sensor-%04d" % i, "product_id": product, "version": version}
                 for i in range(1, tencent + 1)]
    devices, errors, duplicates = r.normalize_devices(raws)
    assert not errors and not duplicates
    return devices


def membership(plan):
    result = {}
    for wave in plan["waves"]:
        for chunk in wave["chunks"]:
            for device in chunk["devices"]:
                result[r.device_uid(chunk["platform"], device, chunk["product_id"])] = wave["name"]
    return result


# --------------------------------------------------------------------------- devices

def test_rank_key_is_sha256_of_rollout_and_uid():
    import hashlib

    assert r.rank_key("r1", "hw-1") == hashlib.sha256(b"r1:hw-1").hexdigest()
    assert r.rank_key("r1", "hw-1") != r.rank_key("r2", "hw-1")


def test_normalize_device_rules():
    device, error = r.normalize_device({"platform": "Tencent", "id": " tc-1 ", "product_id": "P"})
    assert error is None
    assert device["uid"] == "P/tc-1" and device["platform"] == "tencent" and device["id"] == "tc-1"
    assert r.normalize_device({"platform": "aws", "id": "x"})[1].startswith("device: platform must be")
    assert "no device id" in r.normalize_device({"platform": "huawei"})[1]
    assert "product_id" in r.normalize_device({"platform": "tencent", "id": "tc"})[1]
    assert "expected a dict" in r.normalize_device("hw-1")[1]


def test_device_from_hostvars_defaults_the_id_to_the_host_name():
    raw = r.device_from_hostvars("hw-meter-0001", {"iot_platform": "huawei", "iot_firmware_version": "1.0.0"})
    device, error = r.normalize_device(raw)
    assert error is None
    assert device["id"] == "hw-meter-0001" and device["version"] == "1.0.0" and device["host"] == "hw-meter-0001"


def test_normalize_devices_reports_errors_and_deduplicates():
    devices, errors, duplicates = r.normalize_devices([
        {"platform": "huawei", "id": "a"}, {"platform": "huawei", "id": "a"},
        {"platform": "tencent", "id": "a", "product_id": "P"}, {"platform": "tencent", "id": "a", "product_id": "Q"},
        {"platform": "x", "id": "b", "host": "bad-host"}])
    assert [d["uid"] for d in devices] == ["a", "P/a", "Q/a"]
    assert duplicates == ["a"]
    assert errors == ["device bad-host: platform must be one of huawei/tencent/huawei_iotda, got 'x'"]


def test_a_device_reads_and_writes_like_the_dict_it_replaces():
    device, dummy = r.normalize_device({"platform": "tencent", "id": "tc-1", "product_id": "P", "version": "1.0.0"})
    assert isinstance(device, r.Device) and device.uid == device["uid"] == "P/tc-1"
    assert dict(device) == {"uid": "P/tc-1", "platform": "tencent", "id": "tc-1", "product_id": "P", "version": "1.0.0",
                            "host": "tc-1", "window": None}
    assert device == dict(device) and list(device) == list(r.DEVICE_KEYS) and len(device) == 7
    # version_read_at and groups are keys only when set, as they were
    assert "groups" not in device and device.get("groups", ()) == () and device.get("version_read_at") is None
    with pytest.raises(KeyError):
        device["groups"]
    device["groups"] = ("site_a",)
    device["version"] = "2.0.0"
    assert device["groups"] == ("site_a",) and "groups" in device and device.version == "2.0.0"
    with pytest.raises(KeyError, match="a device has no key 'colour'"):
        device["colour"] = "red"
    with pytest.raises(KeyError):
        device["colour"]
    assert device.get("colour", "none") == "none" and "colour" not in device
    assert copy.deepcopy(device) == device and copy.deepcopy(device) is not device
    assert r.Device.of(dict(device)) == device and r.Device.of(device) is device
    assert device != dict(device, version="3.0.0") and device != "P/tc-1"


def test_devices_share_the_strings_that_repeat():
    raws = [{"platform": "Tencent ", "id": "tc-%d" % n, "product_id": "P%d" % (n // 10), "version": "1.0.%d" % (n // 10)}
            for n in range(3)]  # equal texts, each a string object of its own
    assert len(set(id(raw["version"]) for raw in raws)) == 3
    devices, dummy, dummy2 = r.normalize_devices(raws)
    assert len(set(id(d.product_id) for d in devices)) == 1 and len(set(id(d.version) for d in devices)) == 1
    assert all(d.platform == "tencent" for d in devices)


def test_ranked_is_the_order_of_rank_key():
    devices = fleet(50, 50)
    assert [d.uid for d in r.ranked("r1", devices)] == sorted((d.uid for d in devices), key=lambda uid: r.rank_key("r1", uid))


def test_the_collector_is_paused_while_devices_are_made_and_restored_after():
    import gc

    assert gc.isenabled()
    with r.gc_paused():
        assert not gc.isenabled()
        with r.gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer pause holds
    assert gc.isenabled()
    with pytest.raises(ValueError):
        with r.gc_paused():
            raise ValueError("restored on errors too")
    assert gc.isenabled()


def test_the_plan_takes_devices_as_dicts_too():
    devices = fleet(20, 20)
    assert r.plan_rollout("r1", [dict(d) for d in devices], STAGES, TARGETS) == r.plan_rollout("r1", devices, STAGES, TARGETS)


# --------------------------------------------------------------------------- stages

@pytest.mark.parametrize("stages, message", [
    ([], "non-empty list"),
    ({"name": "canary", "count": 1}, "non-empty list"),
    ([{"count": 1}], "needs a name"),
    ([{"name": "a", "count": 1}, {"name": "a", "percent": 50}], "unique"),
    ([{"name": "a"}], "exactly one of count or percent"),
    ([{"name": "a", "count": 1, "percent": 5}], "exactly one of count or percent"),
    ([{"name": "a", "percent": 0}], "greater than 0"),
    ([{"name": "a", "percent": 101}], "at most 100"),
    ([{"name": "a", "count": -1}], "at least 0"),
    ([{"name": "a", "count": 1.5}], "whole number"),
    ([{"name": "a", "count": 1, "colour": "red"}], "unknown keys colour"),
    ([{"name": "a", "count": 1, "error_percent": 150}], "error_percent must be at most 100"),
    ([{"name": "a", "count": 1, "timeout": 0}], "timeout must be at least 1"),
    ([{"name": "a", "count": 1, "approval": "maybe"}], "approval must be a boolean"),
    ([42], "expected a dict"),
])
def test_invalid_stages(stages, message):
    with pytest.raises(r.RolloutError, match=message):
        r.normalize_stages(stages)


def test_stage_gates_inherit_and_override():
    stages = r.normalize_stages([{"name": "canary", "count": 5, "success_percent": 100, "approval": "yes"},
                                 {"name": "rest", "percent": 100}],
                                {"error_percent": 20, "min_finished": None, "timeout": 60})
    assert stages[0]["gate"] == dict(r.GATE_DEFAULTS, success_percent=100.0, error_percent=20.0, timeout=60,
                                     approval=True)
    assert stages[1]["gate"] == dict(r.GATE_DEFAULTS, error_percent=20.0, timeout=60)


@pytest.mark.parametrize("stages, size, ends", [
    ([{"count": 10, "percent": None}, {"count": None, "percent": 10}, {"count": None, "percent": 100}], 600, [10, 60, 600]),
    ([{"count": 10, "percent": None}, {"count": None, "percent": 1}, {"count": None, "percent": 100}], 600, [10, 10, 600]),
    ([{"count": 50, "percent": None}, {"count": 50, "percent": None}], 70, [50, 70]),
    ([{"count": None, "percent": 33.3}, {"count": None, "percent": 50}], 7, [3, 4]),
    ([{"count": None, "percent": 10}], 1, [1]),
    ([{"count": None, "percent": 50}], 0, [0]),
    ([{"count": 0, "percent": None}, {"count": None, "percent": 100}], 5, [0, 5]),
])
def test_stage_boundaries(stages, size, ends):
    assert r.stage_boundaries(stages, size) == ends


# --------------------------------------------------------------------------- plan

def test_plan_splits_the_fleet_by_stage_and_platform():
    plan = r.plan_rollout("r1", fleet(), STAGES, TARGETS)
    assert [w["assigned"] for w in plan["waves"]] == [10, 50, 540]
    assert [w["devices"] for w in plan["waves"]] == [10, 50, 540]
    assert plan["totals"]["to_upgrade"] == 600 and plan["totals"]["huawei"] == 300 and plan["totals"]["tencent"] == 300
    assert plan["totals"]["uncovered"] == 0
    assert all(w["action"] == "run" and w["status"] == "pending" for w in plan["waves"])
    for wave in plan["waves"]:
        assert wave["huawei"] + wave["tencent"] == wave["devices"]
        assert sum(c["size"] for c in wave["chunks"]) == wave["devices"]
        for chunk in wave["chunks"]:
            assert chunk["size"] == len(chunk["devices"])
            assert chunk["devices"] == sorted(chunk["devices"])
    assert len(set(membership(plan))) == 600


def test_plan_is_deterministic_and_depends_on_the_rollout_id():
    devices = fleet()
    first = r.plan_rollout("r1", devices, STAGES, TARGETS)
    again = r.plan_rollout("r1", list(reversed(devices)), STAGES, TARGETS)
    other = r.plan_rollout("r2", devices, STAGES, TARGETS)
    assert membership(first) == membership(again)
    assert membership(first) != membership(other)


def test_devices_on_the_target_version_are_skipped_without_moving_the_others():
    devices = fleet()
    baseline = membership(r.plan_rollout("r1", devices, STAGES, TARGETS))
    current = copy.deepcopy(devices)
    for device in current[::3]:
        device["version"] = "2.0.0"
    plan = r.plan_rollout("r1", current, STAGES, TARGETS)
    assert plan["totals"]["skipped"] == 200
    assert sum(w["skipped"] for w in plan["waves"]) == 200
    after = membership(plan)
    assert len(after) == 400
    assert all(baseline[uid] == wave for uid, wave in after.items())


def test_huawei_version_is_compared_with_huawei_target_only():
    devices, dummy, dummy2 = r.normalize_devices([
        {"platform": "huawei", "id": "h1", "version": "2.0.0"},
        {"platform": "tencent", "id": "t1", "product_id": "P", "version": "2.0.0"}])
    targets = dict(TARGETS, huawei_target_version="3.0.0")
    plan = r.plan_rollout("r", devices, [{"name": "all", "percent": 100}], targets)
    assert plan["waves"][0]["huawei"] == 1 and plan["waves"][0]["tencent"] == 0


def test_no_target_version_means_nothing_is_skipped():
    devices = fleet(huawei=5, tencent=0, version="2.0.0")
    plan = r.plan_rollout("r", devices, [{"name": "all", "percent": 100}], dict(TARGETS, huawei_target_version=None))
    assert plan["waves"][0]["huawei"] == 5


def test_chunks_respect_the_platform_limits():
    devices = fleet(huawei=700, tencent=1200, products=("P1", "P2"))
    plan = r.plan_rollout("r", devices, [{"name": "all", "percent": 100}], TARGETS)
    chunks = plan["waves"][0]["chunks"]
    huawei = [c for c in chunks if c["platform"] == "huawei"]
    tencent = [c for c in chunks if c["platform"] == "tencent"]
    assert [c["size"] for c in huawei] == [256, 256, 188]
    assert [(c["product_id"], c["size"]) for c in tencent] == [("P1", 500), ("P1", 500), ("P1", 200),
                                                               ("P2", 500), ("P2", 500), ("P2", 200)]
    assert [c["key"] for c in chunks][:4] == ["all/huawei/1", "all/huawei/2", "all/huawei/3", "all/tencent/P1/1"]
    small = r.plan_rollout("r", devices, [{"name": "all", "percent": 100}], TARGETS,
                           chunk_sizes={"huawei": 1000, "tencent": 100})
    sizes = [c["size"] for c in small["waves"][0]["chunks"]]
    assert max(sizes[:3]) == 256 and len(sizes) == 3 + 24


def test_plan_requires_the_target_of_each_platform_present():
    with pytest.raises(r.RolloutError, match="staged_rollout_huawei_file_id is required"):
        r.plan_rollout("r", fleet(tencent=0), STAGES, dict(TARGETS, huawei_file_id=None))
    with pytest.raises(r.RolloutError, match="staged_rollout_tencent_firmware_version is required"):
        r.plan_rollout("r", fleet(huawei=0), STAGES, dict(TARGETS, tencent_firmware_version=""))
    r.plan_rollout("r", fleet(huawei=0), STAGES, dict(TARGETS, huawei_file_id=None))


@pytest.mark.parametrize("rollout_id", ["", None, "a b", "../etc", "-x", "x" * 129])
def test_rollout_id_must_be_file_name_safe(rollout_id):
    with pytest.raises(r.RolloutError, match="staged_rollout_id"):
        r.plan_rollout(rollout_id, fleet(5, 5), STAGES, TARGETS)


def test_uncovered_devices_are_reported_when_allowed():
    plan = r.plan_rollout("r", fleet(50, 50), [{"name": "canary", "count": 10}, {"name": "half", "percent": 50}],
                          TARGETS, allow_uncovered=True)
    assert plan["totals"]["uncovered"] == 50
    assert plan["coverage"]["covered"] == 50 and plan["coverage"]["uncovered"] == 50
    assert any(line.startswith("NOTE: the stages cover 50 of 100 devices; 50 selected devices are in no stage")
               for line in r.plan_lines(plan))


def test_plan_lines_describe_the_calls():
    plan = r.plan_rollout("r1", fleet(30, 30), STAGES, TARGETS, poll_seconds=15)
    text = "\n".join(r.plan_lines(plan))
    assert "Rollout r1: 60 devices in the fleet, 60 to upgrade (30 Huawei, 30 Tencent) in 3 waves" in text
    assert ("call: Huawei POST /iodm/northbound/v1.5.0/operations/firmwareUpgrade fileId=fw-wm100-2.0.0 devices=["
            in text)
    assert ("call: Tencent BatchUpdateFirmware ProductId=TCPROD0001 FirmwareVersion=2.0.0 FwType=mcu DeviceNames=["
            in text)
    assert "poll: Huawei GET /iodm/northbound/v1.5.0/operations pages (staResult" in text
    assert "Tencent DescribeFirmwareTaskDevices pages (product TCPROD0001) every 15 s" in text
    assert "iotfleet.firmware." not in text  # no module runs per chunk


def test_poll_interval_keeps_the_huawei_task_list_pages_under_their_share():
    assert r.poll_interval(30, {}) == 30
    assert r.poll_interval(30, {"huawei": 400}) == 30       # 4 pages per round
    assert r.poll_interval(10, {"huawei": 20000}) == 150    # 200 pages: 80 per minute at most
    assert r.poll_interval(10, {"tencent": 20000}) == 10    # the device rows of the version: no bound per task
    assert r.poll_interval(0, {"huawei": 0}) == 1
    plan = r.plan_rollout("r", fleet(huawei=256 * 50, tencent=0), [{"name": "all", "percent": 100, "timeout": 600}],
                          TARGETS, poll_seconds=10)
    assert plan["waves"][0]["poll_seconds"] == 10  # 50 tasks: one page per round


# --------------------------------------------------------------------------- resume

def run_state(plan, upto, final_event="wave_passed"):
    """State after ``upto`` waves were recorded; the last one gets ``final_event`` (None = left started)."""
    state, dummy = r.apply_event(None, "start", {"rollout_id": plan["rollout_id"], "targets": plan["targets"]}, NOW)
    for number, wave in enumerate(plan["waves"][:upto], 1):
        state, dummy = r.apply_event(state, "wave_started", {"wave": {
            "name": wave["name"], "index": wave["index"], "gate": wave["gate"], "skipped": wave["skipped"],
            "chunks": wave["chunks"]}}, NOW)
        ids = dict((c["key"], "T-%s" % c["key"]) for c in wave["chunks"])
        state, dummy = r.apply_event(state, "tasks_created", {"wave": wave["name"], "task_ids": ids}, NOW)
        event = "wave_passed" if number < upto else final_event
        if event:
            result = {"decision": "pass" if event == "wave_passed" else "abort", "reason": "because",
                      "summary": r.make_summary(wave["devices"], wave["devices"], 0, 0)}
            state, dummy = r.apply_event(state, event, {"wave": wave["name"], "result": result}, NOW)
    return state


def test_resume_skips_passed_waves_and_reenters_a_started_one():
    devices = fleet(40, 40)
    plan = r.plan_rollout("r", devices, STAGES, TARGETS)
    state = run_state(plan, 2, final_event=None)
    # meanwhile the inventory learned that some devices of the started wave are upgraded already
    changed = copy.deepcopy(devices)
    for device in changed:
        device["version"] = "2.0.0" if device["uid"] in membership(plan) and membership(plan)[device["uid"]] == "wave1" else "1.0.0"
    again = r.plan_rollout("r", changed, STAGES, TARGETS, state=state)
    actions = [(w["name"], w["action"], w["status"]) for w in again["waves"]]
    assert actions == [("canary", "skip", "passed"), ("wave1", "resume", "started"), ("rest", "run", "pending")]
    # the re-entered wave sends exactly the recorded requests, task ids included
    assert again["waves"][1]["chunks"] == state["waves"]["wave1"]["chunks"]
    assert all(c["task_id"] for c in again["waves"][1]["chunks"])
    assert again["resume"] == {"mode": "resume", "previous_status": "running"}
    assert again["pending_waves"] == ["wave1", "rest"]


def test_devices_of_recorded_waves_are_never_planned_again():
    devices = fleet(40, 40)
    plan = r.plan_rollout("r", devices, STAGES, TARGETS)
    state = run_state(plan, 1)
    bigger = r.plan_rollout("r", devices, [{"name": "canary", "count": 10}, {"name": "wave1", "count": 30},
                                           {"name": "rest", "percent": 100}], TARGETS, state=state)
    canary = set(membership(plan)) & set(u for u, w in membership(plan).items() if w == "canary")
    later = set(u for u, w in membership(bigger).items() if w != "canary")
    assert not canary & later
    assert len(membership(bigger)) == 80


def test_aborted_rollout_is_refused_unless_resume_aborted():
    plan = r.plan_rollout("r", fleet(40, 40), STAGES, TARGETS)
    state = run_state(plan, 2, final_event="wave_aborted")
    assert state["status"] == "aborted" and state["abort"]["wave"] == "wave1"
    with pytest.raises(r.RolloutError, match="was aborted in wave 'wave1'.*staged_rollout_resume_aborted=true"):
        r.plan_rollout("r", fleet(40, 40), STAGES, TARGETS, state=state)
    again = r.plan_rollout("r", fleet(40, 40), STAGES, TARGETS, state=state, resume_aborted=True)
    assert [(w["name"], w["action"]) for w in again["waves"]] == [("canary", "skip"), ("wave1", "skip"), ("rest", "run")]
    assert again["waves"][1]["accepted"] is True
    resumed, changed = r.apply_event(state, "start", {"resume_mode": "resume_aborted"}, NOW)
    assert changed and resumed["status"] == "running" and resumed["abort"] is None
    assert resumed["waves"]["wave1"]["accepted"] is True
    assert resumed["accepted_aborts"][0]["wave"] == "wave1"


def test_state_of_other_targets_or_rollout_is_refused():
    plan = r.plan_rollout("r", fleet(10, 10), STAGES, TARGETS)
    state = run_state(plan, 1)
    with pytest.raises(r.RolloutError, match="other firmware targets"):
        r.plan_rollout("r", fleet(10, 10), STAGES, dict(TARGETS, huawei_file_id="fw-3"), state=state)
    with pytest.raises(r.RolloutError, match="belongs to rollout 'r'"):
        r.plan_rollout("other", fleet(10, 10), STAGES, TARGETS, state=state)
    with pytest.raises(r.RolloutError, match="waves canary that are not in staged_rollout_stages"):
        r.plan_rollout("r", fleet(10, 10), [{"name": "all", "percent": 100}], TARGETS, state=state)
    with pytest.raises(r.RolloutError, match="format"):
        r.plan_rollout("r", fleet(10, 10), STAGES, TARGETS, state=dict(state, format=99))


def test_completed_rollout_plans_nothing():
    plan = r.plan_rollout("r", fleet(10, 10), STAGES, TARGETS)
    state = run_state(plan, 3)
    state, changed = r.apply_event(state, "completed", {}, NOW)
    assert changed and state["status"] == "completed"
    again = r.plan_rollout("r", fleet(10, 10), STAGES, TARGETS, state=state)
    assert again["pending_waves"] == [] and again["resume"]["mode"] == "completed"


# --------------------------------------------------------------------------- state events

def test_events_are_idempotent_and_keep_updated_at():
    plan = r.plan_rollout("r", fleet(10, 10), STAGES, TARGETS)
    state = run_state(plan, 3)
    state, dummy = r.apply_event(state, "completed", {}, NOW)
    for event, data in (("start", {"resume_mode": "completed"}), ("completed", {}),
                        ("wave_passed", {"wave": "canary", "result": {"reason": "other"}})):
        again, changed = r.apply_event(state, event, data, "2030-01-01T00:00:00Z")
        assert not changed, event
        assert json.dumps(again, sort_keys=True) == json.dumps(state, sort_keys=True)


def test_reentering_a_started_wave_keeps_its_chunks():
    plan = r.plan_rollout("r", fleet(10, 10), STAGES, TARGETS)
    state = run_state(plan, 1, final_event=None)
    wave = dict(name="canary", index=1, gate={}, chunks=[{"key": "x", "platform": "huawei", "devices": ["other"]}])
    again, changed = r.apply_event(state, "wave_started", {"wave": wave}, "2026-11-02T09:00:00Z")
    assert changed
    record = again["waves"]["canary"]
    assert record["chunks"] == state["waves"]["canary"]["chunks"]
    assert record["entries"] == 2 and record["entered_at"] == "2026-11-02T09:00:00Z"
    assert record["started_at"] == NOW


def test_event_errors():
    with pytest.raises(r.RolloutError, match="first event"):
        r.apply_event(None, "wave_started", {}, NOW)
    with pytest.raises(r.RolloutError, match="unknown rollout event"):
        r.apply_event(None, "explode", {}, NOW)
    plan = r.plan_rollout("r", fleet(10, 10), STAGES, TARGETS)
    state = run_state(plan, 1, final_event=None)
    with pytest.raises(r.RolloutError, match="still started"):
        r.apply_event(state, "completed", {}, NOW)
    with pytest.raises(r.RolloutError, match="has not been started"):
        r.apply_event(state, "wave_passed", {"wave": "rest"}, NOW)
    state, dummy = r.apply_event(state, "wave_started", {"wave": {"name": "wave1", "chunks": [
        {"key": "wave1/huawei/1", "platform": "huawei", "devices": ["a"]}]}}, NOW)
    with pytest.raises(r.RolloutError, match="no task id for wave1/huawei/1"):
        r.apply_event(state, "tasks_created", {"wave": "wave1", "task_ids": {}}, NOW)


def test_failed_and_awaiting_approval_resume_on_the_next_start():
    plan = r.plan_rollout("r", fleet(10, 10), STAGES, TARGETS)
    state = run_state(plan, 1, final_event=None)
    failed, dummy = r.apply_event(state, "failed", {"wave": "canary", "message": "HTTP 500"}, NOW)
    assert failed["status"] == "failed" and failed["error"]["message"] == "HTTP 500"
    again = r.plan_rollout("r", fleet(10, 10), STAGES, TARGETS, state=failed)
    assert again["waves"][0]["action"] == "resume"
    restarted, dummy = r.apply_event(failed, "start", {"resume_mode": "resume"}, NOW)
    assert restarted["status"] == "running" and restarted["error"] is None
    waiting, changed = r.apply_event(state, "awaiting_approval", {"wave": "wave1"}, NOW)
    assert changed and waiting["status"] == "awaiting_approval" and waiting["awaiting_approval"] == "wave1"
    assert not r.apply_event(waiting, "awaiting_approval", {"wave": "wave1"}, NOW)[1]
    started, dummy = r.apply_event(waiting, "wave_started", {"wave": {"name": "wave1", "chunks": []}}, NOW)
    assert started["status"] == "running" and started["awaiting_approval"] is None


# --------------------------------------------------------------------------- gates

GATE = {"success_percent": 90, "error_percent": 10, "min_finished": 5, "timeout": 600}


def gate(total, succeeded, failed, in_progress, elapsed=0, **overrides):
    return r.evaluate_gate(r.make_summary(total, succeeded, failed, in_progress), dict(GATE, **overrides), elapsed)


def test_gate_waits_while_devices_are_in_progress():
    result = gate(10, 3, 0, 7)
    assert result["decision"] == "wait" and result["reason"].startswith("3 of 10 devices finished")


def test_error_threshold_needs_min_finished():
    assert gate(100, 2, 2, 96)["decision"] == "wait"          # 50 % of finished, but only 4 finished
    result = gate(100, 3, 2, 95)                                 # 5 finished, 40 % failed
    assert result["decision"] == "abort" and result["trigger"] == "error_threshold"
    assert result["failure_percent_of_finished"] == 40.0
    assert "2 of 5 finished devices failed (40 % > 10 %)" in result["reason"]


def test_error_threshold_is_strictly_greater():
    assert gate(100, 9, 1, 90)["decision"] == "wait"             # exactly 10 %
    assert gate(100, 8, 1, 91, error_percent=0)["decision"] == "abort"
    assert gate(100, 0, 100, 0, error_percent=100)["decision"] == "abort"   # success condition instead
    assert gate(100, 0, 100, 0, error_percent=100)["trigger"] == "success_condition"


def test_success_condition_when_everything_finished():
    result = gate(10, 9, 1, 0)
    assert result["decision"] == "pass" and result["trigger"] == "success"
    result = gate(10, 8, 2, 0, min_finished=50)
    assert result["decision"] == "abort" and result["trigger"] == "success_condition"
    assert "8 of 10 devices succeeded (80 % < 90 %)" in result["reason"]
    assert gate(3, 3, 0, 0, success_percent=100)["decision"] == "pass"


def test_timeout_passes_only_when_the_success_condition_holds():
    result = gate(100, 95, 0, 5, elapsed=600)
    assert result["decision"] == "pass" and result["timed_out"] and result["trigger"] == "timeout"
    result = gate(100, 50, 0, 50, elapsed=601)
    assert result["decision"] == "abort" and result["timed_out"]
    assert "wave timeout after 600 s: 50 devices still in progress" in result["reason"]
    assert gate(100, 50, 0, 50, elapsed=599)["decision"] == "wait"


def test_empty_wave_passes():
    assert gate(0, 0, 0, 0)["decision"] == "pass"


def test_merge_summaries_counts_unreported_devices_as_in_progress():
    merged = r.merge_summaries([
        {"total": 4, "succeeded": 2, "failed": 1, "in_progress": 1},
        {"total": 6, "succeeded": 6, "failed": 0, "in_progress": 0}])
    assert merged == {"total": 10, "succeeded": 8, "failed": 1, "in_progress": 1, "finished": 9,
                      "success_percent": 80.0, "failure_percent": 10.0}
    early = r.merge_summaries([{"total": 0, "succeeded": 0, "failed": 0, "in_progress": 0}], expected_total=25)
    assert early["in_progress"] == 25 and early["total"] == 25
    assert r.evaluate_gate(early, GATE)["decision"] == "wait"
    assert r.merge_summaries([None, {}])["total"] == 0


def test_progress_line():
    line = r.progress_line("canary", gate(10, 3, 1, 6, elapsed=12.34))
    assert line == "wave canary: 4/10 finished, 3 succeeded, 1 failed (25 % of finished), 6 in progress, 12.3s - wait"


# --------------------------------------------------------------------------- reports

def test_report_and_markdown():
    plan = r.plan_rollout("r", fleet(100, 100), STAGES, TARGETS)
    state = run_state(plan, 2, final_event="wave_aborted")
    state["waves"]["wave1"]["cancelled"] = [1000002]
    report = r.build_report(state, r.plan_brief(plan))
    assert [w["status"] for w in report["waves"]] == ["passed", "aborted", "not started"]
    assert report["waves"][2]["devices"] == plan["waves"][2]["devices"]
    assert report["waves"][1]["not_cancellable"]
    assert report["status"] == "aborted"
    text = r.render_markdown(report)
    assert "# Firmware rollout `r`" in text and "**Status: ABORTED**" in text
    assert "| 3 | rest | not started |" in text
    assert "cancelled where the platform has a cancel operation (Huawei: no cancel API, Tencent: cancelled)" in text
    assert "cancelled tasks: 1000002" in text
    assert r.render_markdown(r.build_report(state, r.plan_brief(plan))) == text
    summary = r.result_summary(report)
    assert summary["status"] == "aborted" and summary["abort"]["wave"] == "wave1"
    assert [w["name"] for w in summary["waves"]] == ["canary", "wave1", "rest"]
    lines = r.report_lines(report, {"markdown": "/x.md", "json": "/x.json"})
    assert lines[0] == "Rollout r: ABORTED" and lines[-1] == "Report: /x.md (JSON: /x.json)"


def test_report_is_stable_between_first_run_and_rerun():
    """The report after the run equals the one a re-run writes from a plan where every wave is done."""
    devices = fleet(20, 20)
    plan = r.plan_rollout("r", devices, STAGES, TARGETS)
    state = run_state(plan, 3)
    state, dummy = r.apply_event(state, "completed", {}, NOW)
    again = r.plan_rollout("r", devices, STAGES, TARGETS, state=state)
    assert r.build_report(state, r.plan_brief(plan)) == r.build_report(state, r.plan_brief(again))


# --------------------------------------------------------------------------- stages as text (AWX surveys)

def test_survey_stages_string_means_the_same_as_the_list():
    assert r.normalize_stages("canary:10,wave1:10%,rest:100%") == r.normalize_stages(STAGES)
    assert r.normalize_stages(" canary : 10 , wave1:10% , rest:100% ") == r.normalize_stages(STAGES)
    assert r.normalize_stages("canary:10,wave1:10 %,rest:100.0%") == r.normalize_stages(STAGES)
    assert r.normalize_stages(json.dumps(["canary:10", "wave1:10%", "rest:100%"])) == r.normalize_stages(STAGES)
    assert r.normalize_stages(json.dumps(STAGES)) == r.normalize_stages(STAGES)
    assert r.normalize_stages(["canary:10", {"name": "wave1", "percent": 10}, "rest:100%"]) == r.normalize_stages(STAGES)


def test_survey_stages_string_carries_gate_overrides():
    stages = r.normalize_stages("canary:5:approval=true:pause_seconds=600,rest:100%:error_percent=2.5")
    assert [(s["name"], s["count"], s["percent"]) for s in stages] == [("canary", 5, None), ("rest", None, 100.0)]
    assert stages[0]["gate"]["approval"] is True and stages[0]["gate"]["pause_seconds"] == 600
    assert stages[1]["gate"]["error_percent"] == 2.5 and stages[1]["gate"]["approval"] is False


SIZE_RULE = "a stage is name:count (count a whole number >= 0) or name:percent% (percent 0 < p <= 100)"
GATE_RULE = ("gate overrides follow as :key=value with key one of approval, error_percent, min_finished, "
             "pause_seconds, success_percent, timeout")


@pytest.mark.parametrize("text, item, problem, rule", [
    ("canary:10,wave1:10%%,rest:100%", "stage #2 'wave1:10%%'", "percent '10%%' is not a number followed by one %",
     SIZE_RULE),
    ("canary:10,wave1:ten,rest:100%", "stage #2 'wave1:ten'", "size 'ten' is neither a count nor a percent", SIZE_RULE),
    ("canary:10,wave1:%,rest:100%", "stage #2 'wave1:%'", "percent '%' is not a number", SIZE_RULE),
    ("canary:10,wave1:10x,rest:100%", "stage #2 'wave1:10x'", "size '10x' is neither a count nor a percent",
     SIZE_RULE),
    ("canary:10,wave1:-5,rest:100%", "stage #2 'wave1:-5'", "size '-5' is negative", SIZE_RULE),
    ("canary:10,wave1:-5%,rest:100%", "stage #2 'wave1:-5%'", "size '-5%' is negative", SIZE_RULE),
    ("canary:10,:10,rest:100%", "stage #2 ':10'", "no stage name before the ':'", SIZE_RULE),
    ("canary:10,wave1:10%:approval,rest:100%", "stage #2 'wave1:10%:approval'",
     "gate override 'approval' has no '='", GATE_RULE),
    ("canary:10,wave1:10%:aproval=true,rest:100%", "stage #2 'wave1:10%:aproval=true'",
     "unknown gate key 'aproval' (did you mean approval?)", GATE_RULE),
    ("canary:10:colour=red,rest:100%", "stage #1 'canary:10:colour=red'", "unknown gate key 'colour'", GATE_RULE),
    ("canary:10:count=5,rest:100%", "stage #1 'canary:10:count=5'", "unknown gate key 'count'", GATE_RULE),
    ("canary:10:approval=,rest:100%", "stage #1 'canary:10:approval='", "gate override 'approval=' has no value",
     GATE_RULE),
    ("canary:10:approval=maybe,rest:100%", "stage #1 'canary:10:approval=maybe'", "approval must be a boolean",
     GATE_RULE),
    ("canary:10:approval=true:approval=false,rest:100%", "stage #1 'canary:10:approval=true:approval=false'",
     "gate key 'approval' given twice", GATE_RULE),
    ("canary:10:,rest:100%", "stage #1 'canary:10:'", "empty gate override after a ':'", GATE_RULE),
    ("canary:10,,rest:100%", "stage #2 ''", "empty item", SIZE_RULE),
    ("canary:10,rest:100%,", "stage #3 ''", "empty item", SIZE_RULE),
    ("canary:10,wave1:150%,rest:100%", "stage #2 'wave1:150%'", "percent 150% is not in 0 < p <= 100", SIZE_RULE),
    ("canary:10,wave1:0%,rest:100%", "stage #2 'wave1:0%'", "percent 0% is not in 0 < p <= 100", SIZE_RULE),
    ("canary:10.5,rest:100%", "stage #1 'canary:10.5'", "count '10.5' is not a whole number (or add % for a percent)",
     SIZE_RULE),
    ("canary:1e3,rest:100%", "stage #1 'canary:1e3'", "size '1e3' is neither a count nor a percent", SIZE_RULE),
    ("canary:nan%,rest:100%", "stage #1 'canary:nan%'", "percent 'nan%' is not a number", SIZE_RULE),
    ("canary", "stage #1 'canary'", "no ':' between the stage name and its size", SIZE_RULE),
    ("canary:,rest:100%", "stage #1 'canary:'", "no size after the ':'", SIZE_RULE),
    (json.dumps(["canary:10", "wave1:10%%"]), "stage #2 'wave1:10%%'", "is not a number followed by one %", SIZE_RULE),
])
def test_malformed_survey_stages_name_the_item_and_the_rule(text, item, problem, rule):
    with pytest.raises(r.RolloutError) as error:
        r.normalize_stages(text)
    message = str(error.value)
    assert message.startswith("staged_rollout_stages: %s: " % item), message
    assert problem in message and rule in message


def test_malformed_survey_stages_are_refused_before_anything_else():
    # no rollout id, no targets: the stage text is what is reported
    with pytest.raises(r.RolloutError, match=r"^staged_rollout_stages: stage #2 'wave1:10%%'"):
        r.plan_rollout("r", fleet(5, 5), "canary:10,wave1:10%%,rest:100%", {})


@pytest.mark.parametrize("text, message", [
    ("", "non-empty list of stages .or the text form name:count"),
    ("  ", "non-empty list of stages .or the text form name:count"),
    ("canary:10,canary:20%", "staged_rollout_stages: stage 'canary': stage names must be unique"),
    ("[{\"name\": \"a\", ", "staged_rollout_stages: not a valid JSON list"),
])
def test_invalid_survey_stages_strings(text, message):
    with pytest.raises(r.RolloutError, match=message):
        r.normalize_stages(text)


@pytest.mark.parametrize("stage, message", [
    ({"name": "a", "percent": float("nan")}, "percent must be a finite number"),
    ({"name": "a", "percent": "nan"}, "percent must be a finite number"),
    ({"name": "a", "count": float("inf")}, "count must be a finite number"),
])
def test_non_finite_stage_sizes_are_refused(stage, message):
    with pytest.raises(r.RolloutError, match="staged_rollout_stages: stage 'a': " + message):
        r.normalize_stages([stage])


# --------------------------------------------------------------------------- coverage of the fleet by the stages

SURVEY_TYPO = "canary:10,wave1:10%,rest:100"
SURVEY_TYPO_PROBLEM = (
    "staged_rollout_stages cover 160 of 600 selected devices: 440 are in no stage (the last stage 'rest' is a count "
    "of 100 devices, not a percent; write rest:100% to cover the rest of the fleet, or set "
    "staged_rollout_allow_uncovered=true to leave them out on purpose)")


def test_coverage_of_the_survey_typo():
    result = r.coverage(r.normalize_stages(SURVEY_TYPO), 600)
    assert result == {"fleet": 600, "covered": 160, "uncovered": 440, "problem": SURVEY_TYPO_PROBLEM,
                      "last_stage": {"name": "rest", "count": 100, "percent": None}}


def test_coverage_of_complete_stages_has_no_problem():
    assert r.coverage(r.normalize_stages(STAGES), 600) == {
        "fleet": 600, "covered": 600, "uncovered": 0, "problem": None,
        "last_stage": {"name": "rest", "count": None, "percent": 100.0}}
    # counts that reach the whole fleet cover it, and an empty fleet is covered by anything
    assert r.coverage(r.normalize_stages("canary:10,rest:50"), 60)["problem"] is None
    assert r.coverage(r.normalize_stages("canary:10"), 0)["problem"] is None


def test_coverage_hint_for_a_last_percent_stage_has_no_count_typo():
    problem = r.coverage(r.normalize_stages("canary:10,half:50%"), 100)["problem"]
    assert problem.startswith("staged_rollout_stages cover 50 of 100 selected devices: 50 are in no stage (")
    assert "the last stage 'half' ends at 50% of the fleet" in problem and "add rest:100%" in problem
    assert "not a percent" not in problem and "staged_rollout_allow_uncovered=true" in problem
    problem = r.coverage(r.normalize_stages("canary:10,rest:50%"), 100)["problem"]
    assert "add rest2:100%" in problem
    assert "1 is in no stage (the last stage 'one' is a count of 1 device," in r.coverage(
        r.normalize_stages("one:1"), 2)["problem"]


def test_the_survey_typo_is_refused_before_any_call():
    with pytest.raises(r.RolloutError) as error:
        r.plan_rollout("r1", fleet(300, 300), SURVEY_TYPO, TARGETS)
    assert str(error.value) == SURVEY_TYPO_PROBLEM
    with pytest.raises(r.RolloutError, match="440 are in no stage"):
        r.plan_rollout("r1", fleet(300, 300), SURVEY_TYPO, TARGETS, allow_uncovered=False)


def test_uncovered_devices_allowed_on_purpose():
    plan = r.plan_rollout("r1", fleet(300, 300), SURVEY_TYPO, TARGETS, allow_uncovered=True)
    assert plan["coverage"] == r.coverage(r.normalize_stages(SURVEY_TYPO), 600)
    assert plan["totals"]["uncovered"] == 440 and plan["totals"]["to_upgrade"] == 160
    assert [w["devices"] for w in plan["waves"]] == [10, 50, 100]
    assert len(membership(plan)) == 160
    lines = r.plan_lines(plan)
    note = [line for line in lines if line.startswith("NOTE:")]
    assert note == ["NOTE: the stages cover 160 of 600 devices; 440 selected devices are in no stage and will not be "
                    "upgraded (staged_rollout_allow_uncovered). The rollout ends with status incomplete."]


def test_a_complete_plan_carries_its_coverage_without_a_note():
    for allowed in (False, True):
        plan = r.plan_rollout("r1", fleet(30, 30), STAGES, TARGETS, allow_uncovered=allowed)
        assert plan["coverage"]["uncovered"] == 0 and plan["coverage"]["problem"] is None
        assert plan["coverage"]["covered"] == 60
        assert not [line for line in r.plan_lines(plan) if line.startswith("NOTE:")]


def test_reports_name_the_uncovered_devices():
    plan = r.plan_rollout("r", fleet(300, 300), SURVEY_TYPO, TARGETS, allow_uncovered=True)
    state = run_state(plan, 3)
    plain = r.build_report(state, r.plan_brief(plan))
    assert plain["uncovered"] == 0 and r.result_summary(plain)["uncovered"] == 0
    assert "in no stage" not in r.render_markdown(plain)
    assert not [line for line in r.report_lines(plain) if "in no stage" in line]
    state["coverage"] = {"uncovered": 440}
    report = r.build_report(state, r.plan_brief(plan))
    assert report["uncovered"] == 440
    assert r.result_summary(report)["uncovered"] == 440
    assert "440 selected devices are in no stage and were not upgraded" in r.render_markdown(report)
    assert any("440 selected devices are in no stage and were not upgraded" in line
               for line in r.report_lines(report, {"markdown": "/x.md", "json": "/x.json"}))
    state["coverage"] = None
    assert r.build_report(state)["uncovered"] == 0


def test_plan_from_a_survey_string_equals_the_plan_from_the_list():
    devices = fleet(50, 50)
    from_text = r.plan_rollout("r1", devices, "canary:10,wave1:10%,rest:100%", TARGETS)
    assert from_text == r.plan_rollout("r1", devices, STAGES, TARGETS)


# --------------------------------------------------------------------------- scope of a run (--limit, AWX slicing)

@pytest.mark.parametrize("limit", [None, "", "localhost", "127.0.0.1", "localhost,127.0.0.1"])
def test_whole_fleet_runs_have_no_scope_problem(limit):
    assert r.scope_problem(limit=limit) is None
    assert r.scope_problem(limit=limit, job_template_name="Rollout", workflow_job_name="Rollout with approvals") is None


@pytest.mark.parametrize("limit, suggestion", [
    ("hw-meter-000*", "staged_rollout_hosts='hw-meter-000*'"),
    ("localhost,tc-sensor-0001", "staged_rollout_hosts='tc-sensor-0001'"),
    ("huawei_meters:!meter-roof", "staged_rollout_hosts='huawei_meters,!meter-roof'"),
])
def test_a_limit_is_refused_with_the_way_out(limit, suggestion):
    problem = r.scope_problem(limit=limit)
    assert problem.startswith("--limit %r is not supported" % limit)
    assert "the job template's Limit" in problem and suggestion in problem


def test_an_awx_job_slice_is_refused():
    problem = r.scope_problem(job_template_name="Firmware rollout", workflow_job_name="Firmware rollout")
    assert "sliced AWX job" in problem and "job_slice_count: 1" in problem
    assert r.scope_problem(job_template_name="Firmware rollout") is None
