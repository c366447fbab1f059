"""Derived rollouts (plugin_utils/_engine/derive.py, journal_devices.py): the retry of a wave's failed devices and
the rollback of a rollout, decided from the parent's journal alone."""
import copy
import json

import pytest

from ansible_collections.iotfleet.firmware.plugins.plugin_utils import _rollout as rollout
from ansible_collections.iotfleet.firmware.plugins.plugin_utils._engine import derive, journal_devices

from kit.providers import ScriptedProvider

TARGETS = {"huawei_file_id": "fw-wm100-2.0.0", "huawei_target_version": "2.0.0", "tencent_firmware_version": "2.0.0",
           "tencent_fw_type": "mcu", "huawei_iotda_package_id": None, "huawei_iotda_target_version": None,
           "huawei_iotda_task_type": "firmwareUpgrade"}
OLD = {"huawei_file_id": "fw-wm100-1.0.0", "huawei_target_version": "1.0.0", "tencent_firmware_version": "1.0.0"}
GATE = rollout.normalize_gate({"success_percent": 90, "error_percent": 20, "min_finished": 3, "timeout": 600})
STAGES = [{"name": "canary", "count": 4}, {"name": "wave1", "percent": 50}, {"name": "rest", "percent": 100}]


def chunk(key, platform, devices, task_id, product_id=None, **extra):
    return dict({"key": key, "platform": platform, "product_id": product_id, "size": len(devices),
                 "devices": list(devices), "task_id": task_id, "created": len(devices)}, **extra)


def journal(rollout_id="r1", targets=None):
    """A journal like the engine writes it: canary passed, wave1 aborted with failures and a task in flight."""
    at = "2026-12-01T12:00:%02dZ"
    state, dummy = rollout.apply_event(None, "start", {"rollout_id": rollout_id, "targets": targets or TARGETS}, at % 0)
    canary = [chunk("canary/huawei/1", "huawei", ["hw-1", "hw-2"], "op-1"),
              chunk("canary/tencent/P/1", "tencent", ["tc-1", "tc-2"], 11, "P")]
    wave1 = [chunk("wave1/huawei/1", "huawei", ["hw-3", "hw-4", "hw-5", "hw-6"], "op-2",
                   busy={"hw-6": "op-9"}, up_to_date=["hw-5"]),
             chunk("wave1/tencent/P/1", "tencent", ["tc-3", "tc-4", "tc-7"], 12, "P"),
             chunk("wave1/tencent/Q/1", "tencent", ["tc-3", "tc-8"], 13, "Q")]
    state, dummy = rollout.apply_event(state, "wave_started", {"wave": {"name": "canary", "index": 1, "gate": GATE,
                                                                        "chunks": canary}}, at % 1)
    state, dummy = rollout.apply_event(state, "wave_passed", {"wave": "canary", "result": {"reason": "ok"}}, at % 2)
    state["waves"]["canary"].update(failures=[], in_flight=[])
    state, dummy = rollout.apply_event(state, "wave_started", {"wave": {"name": "wave1", "index": 2, "gate": GATE,
                                                                        "chunks": wave1}}, at % 3)
    state, dummy = rollout.apply_event(state, "wave_aborted", {"wave": "wave1", "result": {"reason": "errors"}}, at % 4)
    state["waves"]["wave1"].update(
        failures=[{"platform": "huawei", "task_id": "op-2", "device": "hw-3", "detail": "fail"},
                  {"platform": "huawei", "task_id": "op-2", "device": "hw-3", "detail": "fail (listed again)"},
                  {"platform": "tencent", "task_id": 12, "device": "tc-4", "detail": "5", "product_id": "P"},
                  {"platform": "tencent", "task_id": 13, "device": "tc-3", "detail": "5"},  # product from its chunk
                  {"platform": "huawei", "task_id": "op-2", "device": "hw-999", "detail": "not of this wave"}],
        in_flight=[{"platform": "tencent", "product_id": "Q", "task_id": 13, "status": 1, "in_progress": 1}])
    return state


def args(**extra):
    base = {"rollout_id": "r1", "retry_wave": "", "rollback": False, "rollback_targets": {}, "stages": STAGES,
            "devices": [], "hosts": "iot_devices", "state_dir": "/state"}
    base.update(extra)
    return base


def uids(devices):
    return sorted(rollout.device_uid(d["platform"], d["id"], d["product_id"]) for d in devices)


# --- mode and id ----------------------------------------------------------------------------------------------------

def test_mode_of_the_run():
    assert derive.mode_of(args()) is None
    assert derive.mode_of(args(retry_wave="wave1")) == derive.RETRY
    assert derive.mode_of(args(rollback=True)) == derive.ROLLBACK
    with pytest.raises(rollout.RolloutError, match="exclude each other"):
        derive.mode_of(args(retry_wave="wave1", rollback=True))
    assert derive.derive(args(), journal(), "/state/r1.json") is None


def test_derived_ids_and_the_id_rule():
    assert derive.derived_id("r1", derive.RETRY, "wave1") == "r1.retry-wave1"
    assert derive.derived_id("r1", derive.ROLLBACK) == "r1.rollback"
    with pytest.raises(rollout.RolloutError) as error:
        derive.derived_id("r" * 120, derive.RETRY, "wave1")
    assert "would run as rollout" in str(error.value) and "at most 128 characters" in str(error.value)
    assert "use a shorter staged_rollout_id or wave name" in str(error.value)
    with pytest.raises(rollout.RolloutError, match="breaks the rollout id rule"):
        derive.derived_id("r1", derive.RETRY, "wave one")
    assert derive.derived_id("r" * 119, derive.ROLLBACK) == "r" * 119 + ".rollback"
    with pytest.raises(rollout.RolloutError, match="the rollback of rollout"):
        derive.derived_id("r" * 120, derive.ROLLBACK)


# --- retry ----------------------------------------------------------------------------------------------------------

def test_retry_takes_exactly_the_failed_devices_of_the_wave_once_each():
    devices, info = journal_devices.retry_devices(journal(), "wave1")
    assert devices == [{"platform": "huawei", "id": "hw-3", "product_id": None},
                       {"platform": "tencent", "id": "tc-4", "product_id": "P"},
                       {"platform": "tencent", "id": "tc-3", "product_id": "Q"}]
    assert info == {"wave_devices": 9, "failure_entries": 5, "outside": 1, "duplicates": 1, "wave_status": "aborted"}


def test_retry_refusals():
    state = journal()
    with pytest.raises(rollout.RolloutError, match=r"nothing to retry: wave canary of rollout r1 \(passed\) has no "
                                                   r"failed device$"):
        journal_devices.retry_devices(state, "canary")
    with pytest.raises(rollout.RolloutError, match=r"rollout r1 has no wave 'rest' in its journal \(waves: canary, "
                                                   r"wave1\)"):
        journal_devices.retry_devices(state, "rest")
    running = copy.deepcopy(state)
    running["waves"]["wave1"]["status"] = rollout.WAVE_STARTED
    with pytest.raises(rollout.RolloutError, match="wave wave1 is still running"):
        journal_devices.retry_devices(running, "wave1")
    strangers = copy.deepcopy(state)
    strangers["waves"]["wave1"]["failures"] = [{"platform": "huawei", "task_id": "op-2", "device": "hw-999"}]
    with pytest.raises(rollout.RolloutError, match=r"no failed device \(1 failure entries name no device"):
        journal_devices.retry_devices(strangers, "wave1")


def test_retry_derivation_one_stage_with_the_waves_gate_and_the_rollouts_targets():
    derived = derive.derive(args(retry_wave="wave1", huawei_file_id="fw-wm100-2.0.0"), journal(), "/state/r1.json")
    assert derived["rollout_id"] == "r1.retry-wave1"
    assert derived["derived_from"] == {"rollout_id": "r1", "mode": "retry", "wave": "wave1"}
    assert derived["stages"] == [dict(GATE, name="retry-wave1", percent=100)]
    assert derived["targets"] == TARGETS
    assert uids(derived["devices"]) == ["P/tc-4", "Q/tc-3", "hw-3"]
    line = derived["lines"][0]
    assert line.startswith("Retry of wave wave1 of rollout r1: 3 devices that failed in it (1 Huawei, 2 Tencent; "
                           "wave aborted, 9 devices; 1 listed more than once; 1 failure entries naming no device")
    assert "run as rollout r1.retry-wave1, one stage retry-wave1 (100 %)" in line
    assert "success >= 90 %, error > 20 % of >= 3 finished, timeout 600 s" in line
    # the stage is valid input of the planner
    assert rollout.normalize_stages(derived["stages"])[0]["gate"] == GATE


def test_retry_gate_of_a_wave_recorded_without_one_comes_from_its_stage():
    state = journal()
    state["waves"]["wave1"]["gate"] = None
    stages = [{"name": "canary", "count": 4}, {"name": "wave1", "percent": 50, "error_percent": 30, "approval": True},
              {"name": "rest", "percent": 100}]
    derived = derive.derive(args(retry_wave="wave1", stages=stages), state, "/p", gate_defaults={"timeout": 99})
    stage = derived["stages"][0]
    assert stage["error_percent"] == 30 and stage["approval"] is True and stage["timeout"] == 99


def test_a_retry_installs_the_rollouts_own_firmware():
    with pytest.raises(rollout.RolloutError) as error:
        derive.derive(args(retry_wave="wave1", tencent_firmware_version="3.0.0"), journal(), "/p")
    assert "staged_rollout_tencent_firmware_version is 3.0.0 here, 2.0.0 in rollout r1" in str(error.value)


def test_nothing_to_retry_or_roll_back_without_a_journal():
    with pytest.raises(rollout.RolloutError, match="^nothing to retry: no state file for rollout r1 at /state/r1.json$"):
        derive.derive(args(retry_wave="wave1"), None, "/state/r1.json")
    with pytest.raises(rollout.RolloutError,
                       match="^nothing to roll back: no state file for rollout r1 at /state/r1.json$"):
        derive.derive(args(rollback=True, rollback_targets=OLD), None, "/state/r1.json")


# --- rollback -------------------------------------------------------------------------------------------------------

def test_rollback_takes_the_upgraded_devices_of_ended_waves():
    devices, info = journal_devices.upgraded_devices(journal())
    # canary: all four; wave1: hw-3 failed, hw-5 up to date, hw-6 busy, hw-4 upgraded; tc-3 of P upgraded, tc-4
    # failed, tc-7 upgraded; product Q's task was still in flight (its tc-3 failed too, counted once, as in flight)
    assert uids(devices) == ["P/tc-1", "P/tc-2", "P/tc-3", "P/tc-7", "hw-1", "hw-2", "hw-4"]
    assert info == {"in_waves": 13, "no_task": 0, "busy": 1, "up_to_date": 1, "in_flight": 2, "failed": 2,
                    "started_waves": []}


def test_rollback_leaves_out_started_waves_and_chunks_without_a_task():
    state = journal()
    state["waves"]["canary"]["chunks"][0]["task_id"] = None
    state["waves"]["wave1"]["status"] = rollout.WAVE_STARTED
    devices, info = journal_devices.upgraded_devices(state)
    assert uids(devices) == ["P/tc-1", "P/tc-2"]
    assert info["no_task"] == 2 and info["started_waves"] == ["wave1"]
    assert journal_devices.left_out_text(info) == \
        "2 in chunks without a task; waves still started, not considered: wave1"


def test_rollback_includes_what_the_retries_upgraded():
    parent = journal()
    retry = journal("r1.retry-wave1")
    retry["waves"] = {"retry-wave1": dict(parent["waves"]["wave1"], chunks=[
        chunk("retry-wave1/huawei/1", "huawei", ["hw-3"], "op-5"),
        chunk("retry-wave1/tencent/P/1", "tencent", ["tc-4"], 21, "P")], failures=[], in_flight=[])}
    retry["order"] = ["retry-wave1"]
    devices, info = journal_devices.rollback_devices(parent, [retry])
    assert uids(devices) == ["P/tc-1", "P/tc-2", "P/tc-3", "P/tc-4", "P/tc-7", "hw-1", "hw-2", "hw-3", "hw-4"]
    assert info["from_retries"] == 2 and info["retries"] == ["r1.retry-wave1"]


def test_nothing_to_roll_back():
    state = journal()
    for record in state["waves"].values():
        record["failures"] = [{"platform": c["platform"], "task_id": c["task_id"], "device": d,
                               "product_id": c["product_id"]} for c in record["chunks"] for d in c["devices"]]
    with pytest.raises(rollout.RolloutError) as error:
        journal_devices.rollback_devices(state)
    assert str(error.value).startswith("nothing to roll back: rollout r1 upgraded no device according to its journal "
                                       "(")
    assert "listed as failed" in str(error.value)
    empty, dummy = rollout.apply_event(None, "start", {"rollout_id": "r2", "targets": TARGETS}, "2026-12-01T12:00:00Z")
    with pytest.raises(rollout.RolloutError, match=r"upgraded no device according to its journal \(it has no ended "
                                                   r"wave\)"):
        journal_devices.rollback_devices(empty)


def test_rollback_targets():
    counts = {"huawei": 3, "tencent": 4, "huawei_iotda": 0}
    targets = derive.rollback_targets(TARGETS, OLD, counts, "r1")
    # fw_type and task_type (neither package nor version) are the rollout's unless given
    assert targets == {"huawei_file_id": "fw-wm100-1.0.0", "huawei_target_version": "1.0.0",
                       "tencent_firmware_version": "1.0.0", "tencent_fw_type": "mcu",
                       "huawei_iotda_package_id": None, "huawei_iotda_target_version": None,
                       "huawei_iotda_task_type": "firmwareUpgrade"}
    # the role's variable names are accepted as keys too
    prefixed = dict(("staged_rollout_" + key, value) for key, value in OLD.items())
    assert derive.rollback_targets(TARGETS, prefixed, counts, "r1") == targets
    with pytest.raises(rollout.RolloutError) as error:
        derive.rollback_targets(TARGETS, {"huawei_file_id": "fw-wm100-1.0.0"}, counts, "r1")
    assert str(error.value) == ("staged_rollout_rollback_targets.tencent_firmware_version is required: the rollback "
                                "of rollout r1 has 4 Tencent devices")
    # a platform without devices needs nothing
    assert derive.rollback_targets(TARGETS, {"huawei_file_id": "fw-1"}, {"huawei": 1}, "r1")["huawei_file_id"] == "fw-1"
    with pytest.raises(rollout.RolloutError, match="unknown keys huawei_fileid"):
        derive.rollback_targets(TARGETS, {"huawei_fileid": "x"}, counts, "r1")
    with pytest.raises(rollout.RolloutError, match="huawei_file_id=fw-wm100-2.0.0 is what rollout r1 installed"):
        derive.rollback_targets(TARGETS, dict(OLD, huawei_file_id="fw-wm100-2.0.0"), counts, "r1")
    with pytest.raises(rollout.RolloutError, match="must be a dictionary"):
        derive.rollback_targets(TARGETS, "1.0.0", counts, "r1")


def test_rollback_derivation():
    derived = derive.derive(args(rollback=True, rollback_targets=OLD), journal(), "/state/r1.json")
    assert derived["rollout_id"] == "r1.rollback"
    assert derived["derived_from"] == {"rollout_id": "r1", "mode": "rollback", "wave": None}
    assert derived["stages"] == STAGES
    assert derived["targets"]["huawei_file_id"] == "fw-wm100-1.0.0"
    assert derived["lines"][0] == (
        "Rollback of rollout r1 to Huawei file_id=fw-wm100-1.0.0, target_version=1.0.0; Tencent "
        "firmware_version=1.0.0, fw_type=mcu: 7 devices it upgraded (3 Huawei, 4 Tencent) run as rollout r1.rollback "
        "with the stages and gates of staged_rollout_stages; devices already on the previous version are dropped by "
        "the plan below.")
    assert derived["lines"][1] == (
        "NOTE: not rolled back, from the journal of rollout r1: 2 listed as failed; 2 in tasks still in flight when "
        "their wave ended; 1 busy in another task; 1 already on the target version.")
    with pytest.raises(rollout.RolloutError, match="staged_rollout_rollback_targets.huawei_file_id is required"):
        derive.derive(args(rollback=True), journal(), "/p")


def test_plan_devices_take_the_fleets_descriptions_and_a_rollbacks_version_from_the_journal():
    raws = [{"platform": "huawei", "id": "hw-1", "version": "1.0.0", "host": "meter-1",
             "maintenance_window": {"start": "0 2 * * *", "duration": "4h"}},
            {"platform": "Tencent", "id": "tc-1", "product_id": "P", "version": "1.0.0"},
            {"platform": "nowhere", "id": "x"}, "not a dict"]
    rollback = derive.derive(args(rollback=True, rollback_targets=OLD), journal(), "/p")
    devices, missing = derive.plan_devices(rollback, raws)
    assert missing == 5
    first = [d for d in devices if d["id"] == "hw-1"][0]
    assert first["host"] == "meter-1" and first["maintenance_window"] and first["version"] == "2.0.0"
    assert all(d["version"] == "2.0.0" for d in devices)  # what the journal says they were upgraded to
    retry = derive.derive(args(retry_wave="wave1"), journal(), "/p")
    devices, missing = derive.plan_devices(retry, [{"platform": "huawei", "id": "hw-3", "version": "1.0.0"}])
    assert missing == 2 and [d["version"] for d in devices] == ["1.0.0", None, None]
    normalized, errors, dummy = rollout.normalize_devices(devices)
    assert errors == [] and len(normalized) == 3


def test_run_args_of_the_derived_run():
    derived = derive.derive(args(rollback=True, rollback_targets=OLD, rollback_on_abort=True), journal(), "/p")
    out, lines = derive.run_args(args(rollback=True, rollback_targets=OLD, rollback_on_abort=True), derived, [])
    assert out["rollout_id"] == "r1.rollback" and out["rollback"] is False and out["retry_wave"] is None
    assert out["rollback_on_abort"] is False
    assert out["huawei_file_id"] == "fw-wm100-1.0.0" and out["tencent_firmware_version"] == "1.0.0"
    assert len(out["devices"]) == 7 and out["stages"] == STAGES
    assert lines[-1].startswith("NOTE: 7 of these devices are not in the inventory pattern 'iot_devices'")


def test_check_rollback_on_abort():
    made = {"devices": [{"platform": "huawei"}, {"platform": "tencent"}], "targets": TARGETS}
    assert derive.check_rollback_on_abort(args(), made) == []
    with pytest.raises(rollout.RolloutError) as error:
        derive.check_rollback_on_abort(args(rollback_on_abort=True, rollback_targets={"huawei_file_id": "fw-1"}), made)
    assert str(error.value).startswith("staged_rollout_rollback_on_abort needs the previous version of every platform "
                                       "of the fleet: staged_rollout_rollback_targets.tencent_firmware_version is "
                                       "required")
    lines = derive.check_rollback_on_abort(args(rollback_on_abort=True, rollback_targets=OLD), made)
    assert lines == ["If the rollout aborts, the devices it upgraded are rolled back to Huawei file_id=fw-wm100-1.0.0, "
                     "target_version=1.0.0; Tencent firmware_version=1.0.0, fw_type=mcu as rollout r1.rollback "
                     "(staged_rollout_rollback_on_abort)."]


def test_load_reads_the_journals_of_the_rollout_and_its_retries(tmp_path):
    parent = journal()
    retry = journal("r1.retry-wave1")
    retry["waves"] = {"retry-wave1": dict(parent["waves"]["wave1"], chunks=[
        chunk("retry-wave1/huawei/1", "huawei", ["hw-3"], "op-5")], failures=[], in_flight=[])}
    retry["order"] = ["retry-wave1"]
    for state in (parent, retry):
        (tmp_path / ("%s.json" % state["rollout_id"])).write_text(json.dumps(state))
    base = args(state_dir=str(tmp_path), hosts=None, success_percent=None, error_percent=None, min_finished=None,
                wave_timeout=None, pause_seconds=None, approval=None,
                devices=[{"platform": "huawei", "id": "hw-3", "version": "2.0.0", "host": "m3"}])
    out, derived, lines = derive.load(dict(base, rollback=True, rollback_targets=OLD), {})
    assert derived["info"]["from_retries"] == 1 and len(out["devices"]) == 8
    assert [d for d in out["devices"] if d["id"] == "hw-3"][0]["host"] == "m3"
    assert lines[-1].startswith("NOTE: 7 of these devices are not in staged_rollout_devices")
    same, nothing, none = derive.load(base, {})
    assert same is base and nothing is None and none == []
    with pytest.raises(rollout.RolloutError, match="nothing to retry: no state file for rollout r9 at %s"
                       % str(tmp_path / "r9.json")):
        derive.load(dict(base, rollout_id="r9", retry_wave="w"), {})


# --- the parent's tasks are never read back as the derived rollout's ------------------------------------------------

def test_the_derived_plan_knows_the_parents_tasks():
    derived = derive.derive(args(retry_wave="wave1"), journal(), "/p")
    assert derived["foreign_tasks"] == [["huawei", "op-1"], ["huawei", "op-2"], ["tencent", "11"], ["tencent", "12"],
                                        ["tencent", "13"]]
    made = {"plan": {}, "devices": [], "targets": TARGETS}
    assert derive.after_plan(args(retry_wave="wave1"), made, derived) == []
    assert made["plan"]["foreign_tasks"] == derived["foreign_tasks"]


class Providers:
    """The engine's providers: one kit fake provider whose one ``history`` read answers ``tasks``
    (``recover.read_history`` asks ``validate`` and ``history``)."""

    def __init__(self, tasks):
        self.provider = ScriptedProvider("huawei", [("history", None, list(tasks))])

    def get(self, platform, product_id=None):
        return self.provider

    def all_secrets(self):
        return []


def test_a_retry_does_not_read_back_the_parents_task_of_exactly_its_devices():
    """The parent's task of wave1/huawei failed on every device: all of them are retried. Without the parent's task
    ids the read-back of the retry's first run (no journal yet) would take that task for the retry wave's and create
    nothing."""
    from ansible_collections.iotfleet.firmware.plugins.module_utils._provider import TaskInfo
    from ansible_collections.iotfleet.firmware.plugins.plugin_utils._engine import recover

    devices = [rollout.normalize_device({"platform": "huawei", "id": d})[0] for d in ("hw-3", "hw-4")]
    stages = [derive.retry_stage(journal(), "wave1")]
    plan = rollout.plan_rollout("r1.retry-wave1", devices, stages, TARGETS)
    parents = TaskInfo(task_id="op-2", active=False, devices=frozenset(["hw-3", "hw-4"]), matched_by="file_id")
    providers = Providers([parents])
    records, notes, count = recover.recover(plan, devices, TARGETS, providers, {"huawei": 256})
    assert [r["name"] for r in records] == ["retry-wave1"] and count == 1   # the mistake this guards against
    plan["foreign_tasks"] = [["huawei", "op-2"]]
    again = Providers([parents])
    assert recover.recover(plan, devices, TARGETS, again, {"huawei": 256}) == ([], [], 0)
    own = TaskInfo(task_id="op-7", active=True, devices=frozenset(["hw-3", "hw-4"]), matched_by="file_id")
    last = Providers([parents, own])
    records, notes, count = recover.recover(plan, devices, TARGETS, last, {"huawei": 256})
    assert [c["task_id"] for r in records for c in r["chunks"]] == ["op-7"] and count == 1
    for each in (providers, again, last):
        each.provider.assert_done()  # one history read each
