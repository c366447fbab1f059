"""The rollout state machine's pure decisions and the read-back from the platforms (plugin_utils/_engine)."""
import pytest

from ansible_collections.iotfleet.firmware.plugins.module_utils._provider import TaskInfo
from ansible_collections.iotfleet.firmware.plugins.plugin_utils import _rollout as rollout
from ansible_collections.iotfleet.firmware.plugins.plugin_utils._engine import machine, recover

from kit.providers import ScriptedProvider

TARGETS = {"huawei_file_id": "fw-2", "huawei_target_version": "2.0.0", "tencent_firmware_version": "2.0.0",
           "tencent_fw_type": "mcu"}
CLI = {"awx_job_id": None, "workflow_job_id": None, "runner": False, "ci": False}
AWX = {"awx_job_id": 41, "workflow_job_id": 40, "runner": True, "ci": False}


def request(wave, workflow_job_id=40, rollout_id="r1"):
    return {"approval_request": {"rollout_id": rollout_id, "wave": wave, "workflow_job_id": workflow_job_id}}


@pytest.mark.parametrize("task_vars, environ, expected", [
    ({}, {}, CLI),
    ({"awx_job_id": 41, "awx_workflow_job_id": 40}, {"AWX_ISOLATED_DATA_DIR": "/runner/artifacts/41"}, AWX),
    ({"tower_job_id": 7}, {"CI": "true"}, {"awx_job_id": 7, "workflow_job_id": None, "runner": False, "ci": True}),
    ({}, {"CI": "false"}, CLI),
])
def test_run_context_from_awx_variables_and_the_environment(task_vars, environ, expected):
    assert machine.run_context(task_vars, environ) == expected


@pytest.mark.parametrize("setting, context, ask", [
    ("auto", CLI, True),
    ("true", CLI, True),
    ("false", CLI, False),
    ("auto", AWX, False),
    ("true", AWX, False),  # never wait for input that no person can give
    ("auto", dict(CLI, runner=True), False),
    ("auto", dict(CLI, ci=True), False),
])
def test_a_person_is_asked_only_where_one_can_answer(setting, context, ask):
    decided, why = machine.interactive(setting, context)
    assert decided is ask
    assert (why is None) is ask


def test_a_workflow_approval_counts_only_for_its_own_wave_rollout_and_workflow_job():
    granted, notes = machine.grants("r1", AWX, node_wave="wave1", previous=request("wave1"))
    assert granted == {"wave1": "AWX workflow approval (workflow job 40)"} and notes == []
    for previous, why in ((request("rest"), "asked for the approval of wave rest"),
                          (request("wave1", workflow_job_id=39), "made in workflow job 39"),
                          (request("wave1", rollout_id="r2"), "for rollout 'r2'"),
                          ({"status": "awaiting_approval", "awaiting_approval": "wave1"}, "no approval request"),
                          (None, "no approval request")):
        granted, notes = machine.grants("r1", AWX, node_wave="wave1", previous=previous)
        assert granted == {} and why in notes[0]
    granted, notes = machine.grants("r1", CLI, node_wave="wave1", previous=request("wave1"))
    assert granted == {} and "not part of an AWX workflow" in notes[0]


def test_no_launch_variable_approves_in_an_awx_job():
    with pytest.raises(rollout.RolloutError, match="staged_rollout_approved_waves .* not accepted in an AWX job"):
        machine.grants("r1", AWX, approved_waves=["wave1"])
    assert machine.grants("r1", AWX, prompt_approved="wave1") == ({}, [])
    assert machine.grants("r1", CLI, approved_waves=["wave1"], prompt_approved="rest")[0] == {
        "wave1": "staged_rollout_approved_waves", "rest": "prompt"}


def test_only_a_wave_that_would_create_tasks_waits_for_its_approval():
    gate = {"approval": True}
    assert machine.needs_approval({"gate": gate, "action": "run", "chunks": [{"key": "w/huawei/1"}]})
    assert not machine.needs_approval({"gate": gate, "action": "run", "chunks": []})  # nothing to do
    assert not machine.needs_approval({"gate": gate, "action": "resume", "chunks": [{"key": "w/huawei/1"}]})
    assert not machine.needs_approval({"gate": {"approval": False}, "action": "run", "chunks": [{"key": "x"}]})


def test_the_next_step_names_the_wave_and_where_to_approve_it():
    assert "approval node for wave rest" in machine.next_step("awaiting_approval", "rest", AWX, "AWX")
    assert "staged_rollout_approved_waves" in machine.next_step("awaiting_approval", "rest", CLI, None)
    assert "resume_aborted=true" in machine.next_step("aborted", "wave1", CLI, None)
    assert machine.next_step("completed", None, CLI, None).startswith("none")


# --------------------------------------------------------------------------- read back from the platforms

def devices(count, platform="huawei"):
    raws = [{"platform": platform, "id": "d%03d" % n, "version": "1.0.0", "product_id": "P1"} for n in range(count)]
    return rollout.normalize_devices(raws)[0]


RAW_STAGES = [{"name": "canary", "count": 2}, {"name": "wave1", "count": 3}, {"name": "rest", "percent": 100}]
STAGES = rollout.normalize_stages(RAW_STAGES)


def test_wave_members_are_the_plans_cut():
    fleet = devices(10)
    members = recover.wave_members("r1", fleet, STAGES)
    plan = rollout.plan_rollout("r1", fleet, RAW_STAGES, TARGETS)
    for wave in plan["waves"]:
        planned = sorted(d for chunk in wave["chunks"] for d in chunk["devices"])
        assert sorted(d["id"] for d in members[wave["name"]]) == planned


def test_a_task_belongs_to_the_wave_that_holds_all_its_devices():
    fleet = devices(10)
    members = recover.wave_members("r1", fleet, STAGES)
    wave_of = dict((d["uid"], name) for name, ds in members.items() for d in ds)
    canary = [d["id"] for d in members["canary"]]
    mixed = [members["canary"][0]["id"], members["rest"][0]["id"]]
    tasks = [("huawei", "", TaskInfo(task_id="t1", devices=frozenset(canary), matched_by="targets")),
             ("huawei", "", TaskInfo(task_id="t2", devices=frozenset(mixed))),
             ("huawei", "", TaskInfo(task_id="t3", devices=frozenset(["stranger"])))]
    chunks, notes = recover.attribute(tasks, wave_of)
    assert list(chunks) == ["canary"]
    assert chunks["canary"] == [{"key": "canary/huawei/task-t1", "platform": "huawei", "product_id": None,
                                 "size": 2, "devices": sorted(canary), "task_id": "t1",
                                 "matched_by": "recovered:targets", "recovered": True}]
    assert "task t2 covers devices of several waves" in notes[0]
    assert "task t3 covers devices of no wave still to be read back" in notes[1]


def test_a_wave_read_back_keeps_its_tasks_and_creates_only_for_devices_no_task_covers():
    fleet = devices(10)
    members = recover.wave_members("r1", fleet, STAGES)
    wave1 = members["wave1"]
    wave1[2]["version"] = "2.0.0"  # already on the target version: nothing to create
    plan = rollout.plan_rollout("r1", fleet, RAW_STAGES, TARGETS)
    attributed = {"wave1": [{"key": "wave1/huawei/task-t9", "platform": "huawei", "product_id": None, "size": 1,
                             "devices": [wave1[0]["id"]], "task_id": "t9", "recovered": True}]}
    records = recover.recovered_waves(plan["waves"], members, attributed, TARGETS, {"huawei": 256})
    assert [r["name"] for r in records] == ["wave1"]
    chunks = records[0]["chunks"]
    assert [(c["key"], c["devices"], c["task_id"]) for c in chunks] == [
        ("wave1/huawei/task-t9", [wave1[0]["id"]], "t9"), ("wave1/huawei/1", [wave1[1]["id"]], None)]
    assert records[0]["skipped"] == 1


def test_a_recovered_wave_is_resumed_by_the_plan_and_needs_no_new_approval():
    fleet = devices(10)
    state, dummy = rollout.apply_event(None, "start", {"rollout_id": "r1", "targets": TARGETS}, "2026-12-05T10:00:00Z")
    record = {"name": "canary", "index": 1, "gate": STAGES[0]["gate"], "skipped": 0,
              "chunks": [{"key": "canary/huawei/task-t1", "platform": "huawei", "product_id": None, "size": 2,
                          "devices": ["d001", "d002"], "task_id": "t1", "recovered": True}]}
    state, changed = rollout.apply_event(state, "wave_recovered", {"wave": record}, "2026-12-05T10:00:01Z")
    assert changed and state["waves"]["canary"]["status"] == "started" and state["order"] == ["canary"]
    again, changed = rollout.apply_event(state, "wave_recovered", {"wave": record}, "2026-12-05T10:00:02Z")
    assert not changed  # recorded once
    plan = rollout.plan_rollout("r1", fleet, [dict(s, approval=True) for s in RAW_STAGES], TARGETS, state=state)
    canary = plan["waves"][0]
    assert canary["action"] == "resume" and not machine.needs_approval(canary)


def test_completed_with_devices_in_no_stage_is_incomplete():
    state, dummy = rollout.apply_event(None, "start", {"rollout_id": "r1", "targets": TARGETS,
                                                       "coverage": {"uncovered": 440}}, "2026-12-05T10:00:00Z")
    done, changed = rollout.apply_event(state, "completed", {"uncovered": 440}, "2026-12-05T10:00:01Z")
    assert changed and done["status"] == "incomplete" and done["coverage"] == {"uncovered": 440}


def history_provider(*answers):
    """The kit's fake provider answering each ``history`` read with the next task list, and nothing else (no HTTP:
    the read-back logic above the provider contract is under test; the providers' own reads are tested with their
    exact calls)."""
    return ScriptedProvider("huawei", [("history", None, list(answer)) for answer in answers])


class HistoryProviders:
    def __init__(self, provider):
        self.provider = provider

    def get(self, platform, product_id=None):
        return self.provider

    def all_secrets(self):
        return []


def partly_created_wave():
    fleet = devices(10)
    members = recover.wave_members("r1", fleet, STAGES)
    plan = rollout.plan_rollout("r1", fleet, RAW_STAGES, TARGETS)
    first = TaskInfo(task_id="t1", devices=frozenset([members["wave1"][0]["id"]]), active=True)
    second = TaskInfo(task_id="t2", devices=frozenset([members["wave1"][1]["id"]]), active=True)
    return fleet, plan, first, second


def tasks(count, members):
    return [TaskInfo(task_id="t%d" % n, devices=frozenset([members[n % len(members)]["id"]]), active=True)
            for n in range(1, count + 1)]


def test_tasks_that_keep_appearing_while_a_wave_is_read_back_stop_the_run_before_any_create():
    fleet, plan, first, second = partly_created_wave()
    wave1 = recover.wave_members("r1", fleet, STAGES)["wave1"]
    provider = history_provider(tasks(1, wave1), tasks(2, wave1), tasks(3, wave1), tasks(4, wave1), tasks(5, wave1))
    slept = []
    with pytest.raises(recover.AnotherRunCreating, match="creating the tasks of wave wave1 right now: 4 tasks "
                                                         "appeared in 4 reads 15 s apart"):
        recover.recover(plan, fleet, TARGETS, HistoryProviders(provider), {"huawei": 256}, settle_seconds=15,
                        sleep=slept.append)
    assert slept == [15] * 4
    provider.assert_done()  # five reads


def test_a_create_that_lands_while_the_wave_is_read_back_is_adopted_then_the_rest_is_created():
    """A run that stopped a moment ago: its last create lands during the first wait, then nothing changes."""
    fleet, plan, first, second = partly_created_wave()
    provider = history_provider([first], [first, second], [first, second])
    slept = []
    records, notes, count = recover.recover(plan, fleet, TARGETS, HistoryProviders(provider), {"huawei": 256},
                                            settle_seconds=15, sleep=slept.append)
    assert slept == [15, 15] and count == 2
    provider.assert_done()
    chunks = records[0]["chunks"]
    assert sorted(c["task_id"] for c in chunks if c["task_id"]) == ["t1", "t2"]
    assert "(1 of its creates landed while this run waited)" in notes[-1]


def test_a_partly_created_wave_whose_tasks_stay_the_same_is_completed_by_this_run():
    fleet, plan, first, second = partly_created_wave()
    provider = history_provider([first], [first])
    slept = []
    records, notes, tasks = recover.recover(plan, fleet, TARGETS, HistoryProviders(provider), {"huawei": 256},
                                            settle_seconds=15, sleep=slept.append)
    assert [r["name"] for r in records] == ["wave1"] and slept == [15] and tasks == 1
    provider.assert_done()
    assert "partly created by an earlier run; no task appeared within 15 s" in notes[-1]
    # a wave whose devices all have their tasks is not read twice
    done = history_provider([first, second, TaskInfo(task_id="t3", devices=frozenset(
        [d["id"] for d in recover.wave_members("r1", fleet, STAGES)["wave1"][2:]]), active=True)])
    records, notes, tasks = recover.recover(plan, fleet, TARGETS, HistoryProviders(done), {"huawei": 256},
                                            settle_seconds=15, sleep=slept.append)
    assert slept == [15] and tasks == 3
    done.assert_done()  # one read


def test_a_rollout_with_nothing_recorded_reads_the_tasks_before_ranking_the_fleet(monkeypatch):
    """No wave recorded and no task on the platforms (a new rollout): one history read per scope, with the scope's
    first device in rank order as before, and the fleet is never ranked into its waves (at a million devices that
    took 200 MB for a while)."""
    fleet = devices(10)
    plan = rollout.plan_rollout("r1", fleet, RAW_STAGES, TARGETS)
    first = min(fleet, key=lambda device: rollout.rank_key("r1", device["uid"]))
    provider = ScriptedProvider("huawei", [("history", [(first["id"],)], [])])

    def ranked(*args):
        raise AssertionError("the fleet was ranked")

    monkeypatch.setattr(recover, "wave_members", ranked)
    assert recover.recover(plan, fleet, TARGETS, HistoryProviders(provider), {"huawei": 256}) == ([], [], 0)
    provider.assert_done()
    assert recover.first_ranked("r1", fleet) == [first]
    assert recover.covers_all(plan["waves"], len(fleet)) and not recover.covers_all(plan["waves"][:1], len(fleet))


def test_the_device_windows_are_mapped_only_when_a_device_or_a_chunk_has_one():
    fleet = devices(4)
    run = machine.RolloutRun(None, {"plan": {"rollout_id": "r1"}, "targets": TARGETS, "devices": fleet}, None, {}, {})
    wave = {"name": "w1", "chunks": [{"key": "w1/huawei/1", "devices": [fleet[0]["id"]]}]}
    assert run.device_windows(wave) is None
    moved = {"name": "w1", "chunks": [dict(wave["chunks"][0], window={"cron": "0 1 * * *"})]}
    assert run.device_windows(moved) == dict((device["uid"], None) for device in fleet)  # the window was removed
    fleet[1]["window"] = {"cron": "0 2 * * *"}
    assert run.device_windows(wave)[fleet[1]["uid"]] == {"cron": "0 2 * * *"}
