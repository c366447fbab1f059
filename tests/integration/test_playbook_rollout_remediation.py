"""Integration tests of the derived rollouts of the staged_rollout role: the retry of a wave's failed devices
(``staged_rollout_retry_wave``) and the rollback (``staged_rollout_rollback``, ``staged_rollout_rollback_on_abort``),
with real ansible-playbook against the emulator.

The fleet is the one of test_playbook_rollout.py: 20 Huawei meters + 20 Tencent sensors of the demo fleet. Devices
fail by the emulator's failure rules (``failure_rates``, fnmatch patterns decided when a task is created), like the
demo's failing-wave mode (devices whose number ends in 2 or 7).
"""
import json
import os

import pytest

from test_playbook_rollout import (FLEET, HERE, INVENTORIES, env_of, platform_tasks, read_json, rollout, state_of,
                                   versions, writes)

pytestmark = pytest.mark.integration

OLD = {"huawei_file_id": "fw-wm100-1.0.0", "huawei_target_version": "1.0.0", "tencent_firmware_version": "1.0.0"}
FAILING = {"*-*[27]": 1.0}  # the demo's failing-wave mode
# gates that let a wave with failures pass: the failed devices stay failed in the journal, the rollout completes
TOLERANT = dict(staged_rollout_success_percent=0, staged_rollout_error_percent=100)


@pytest.fixture
def dirs(tmp_path):
    return {"staged_rollout_state_dir": str(tmp_path / "state"), "staged_rollout_report_dir": str(tmp_path / "reports")}


def task_devices(emulator, known=()):
    """``{"huawei": [...], "tencent": [...]}``: the devices of the platform tasks not in ``known`` (task ids)."""
    huawei, tencent = platform_tasks(emulator)
    known = set(str(task_id) for task_id in known)
    return {"huawei": sorted(d for t in huawei if t["operationId"] not in known for d in t["targets"]["devices"]),
            "tencent": sorted(row["DeviceName"] for t in tencent if str(t["TaskId"]) not in known
                              for row in t["Devices"])}


def task_ids(emulator):
    huawei, tencent = platform_tasks(emulator)
    return [t["operationId"] for t in huawei] + [str(t["TaskId"]) for t in tencent]


def new_tasks(emulator, known):
    """The platform tasks created after ``known`` (task ids): (Huawei, Tencent) task objects."""
    huawei, tencent = platform_tasks(emulator)
    known = set(known)
    return ([t for t in huawei if t["operationId"] not in known],
            [t for t in tencent if str(t["TaskId"]) not in known])


def failed_of(state, wave):
    """``{"huawei": [...], "tencent": [...]}``: the devices the journal lists as failed in ``wave``."""
    out = {"huawei": set(), "tencent": set()}
    for failure in state["waves"][wave]["failures"]:
        out[failure["platform"]].add(failure["device"])
    return dict((platform, sorted(devices)) for platform, devices in out.items())


def upgraded_of(state):
    """The devices a journal says were upgraded (as the docs define it), computed here without the collection."""
    failed = set((f["platform"], f["device"]) for w in state["waves"].values() for f in w.get("failures") or [])
    flying = set((e["platform"], str(e["task_id"])) for w in state["waves"].values() for e in w.get("in_flight") or [])
    out = {"huawei": [], "tencent": []}
    for wave in state["waves"].values():
        if wave["status"] not in ("passed", "aborted"):
            continue
        for chunk in wave["chunks"]:
            if not chunk.get("task_id") or (chunk["platform"], str(chunk["task_id"])) in flying:
                continue
            left = set(chunk.get("busy") or {}) | set(chunk.get("up_to_date") or [])
            out[chunk["platform"]] += [d for d in chunk["devices"]
                                       if d not in left and (chunk["platform"], d) not in failed]
    return dict((platform, sorted(devices)) for platform, devices in out.items())


def platform_calls(emulator):
    return [entry for entry in emulator.requests() if entry["platform"] != "control"]


def test_retry_creates_tasks_for_exactly_the_failed_devices_and_a_rerun_creates_nothing(run_playbook, emulator, dirs):
    emulator.behaviour(failure_rates=FAILING)
    stages = "canary:4,rest:100%"
    first = rollout(run_playbook, emulator, dirs, "it-retry", staged_rollout_stages=stages, **TOLERANT)
    assert "Rollout it-retry: COMPLETED" in first.stdout
    parent = state_of(dirs, "it-retry")
    failed = failed_of(parent, "rest")
    rest = [d for c in parent["waves"]["rest"]["chunks"] for d in c["devices"]]
    assert failed == {"huawei": sorted(d for d in rest if d.startswith("hw-") and d[-1] in "27"),
                      "tencent": sorted(d for d in rest if d.startswith("tc-") and d[-1] in "27")}
    assert failed["huawei"] and failed["tencent"]

    # one failed meter reached the target version meanwhile (upgraded by hand): the plan's version refresh drops it
    meanwhile = failed["huawei"][0]
    emulator.control("POST", "devices", {"huawei": {meanwhile: {"version": "2.0.0"}}})
    emulator.behaviour(failure_rates={})
    before = task_ids(emulator)
    retry_vars = dict(staged_rollout_stages=stages, staged_rollout_retry_wave="rest", **TOLERANT)

    # --check: the plan says what the retry does, and nothing is created
    emulator.control("DELETE", "requests")
    checked = rollout(run_playbook, emulator, dirs, "it-retry", check=True, **retry_vars)
    count = len(failed["huawei"]) + len(failed["tencent"])
    assert ("Retry of wave rest of rollout it-retry: %d devices that failed in it (%d Huawei, %d Tencent; wave passed"
            % (count, len(failed["huawei"]), len(failed["tencent"]))) in checked.stdout
    assert "run as rollout it-retry.retry-rest, one stage retry-rest (100 %)" in checked.stdout
    assert "Rollout it-retry.retry-rest: %d devices in the fleet, %d to upgrade" % (count, count - 1) in checked.stdout
    assert writes(emulator) == []
    assert not os.path.exists(os.path.join(dirs["staged_rollout_state_dir"], "it-retry.retry-rest.json"))

    retried = rollout(run_playbook, emulator, dirs, "it-retry", **retry_vars)
    assert "Rollout it-retry.retry-rest: COMPLETED" in retried.stdout
    created = task_devices(emulator, before)
    assert created == {"huawei": [d for d in failed["huawei"] if d != meanwhile], "tencent": failed["tencent"]}
    huawei, tencent = new_tasks(emulator, before)
    assert all(t["fileId"] == "fw-wm100-2.0.0" for t in huawei)
    assert all(t["FirmwareVersion"] == "2.0.0" for t in tencent)
    derived = state_of(dirs, "it-retry.retry-rest")
    assert derived["status"] == "completed" and list(derived["waves"]) == ["retry-rest"]
    assert derived["waves"]["retry-rest"]["gate"] == parent["waves"]["rest"]["gate"]
    assert all(versions(emulator)[d] == "2.0.0" for d in failed["huawei"] + failed["tencent"])
    # the parent's journal is untouched; the retry has reports and events of its own
    assert state_of(dirs, "it-retry") == parent
    report = read_json(os.path.join(dirs["staged_rollout_report_dir"], "it-retry.retry-rest-report.json"))
    assert report["status"] == "completed"
    events = [json.loads(line) for line in
              open(os.path.join(dirs["staged_rollout_report_dir"], "it-retry.retry-rest-events.jsonl"))]
    assert [e["event"] for e in events][-1] == "completed" and events[0]["rollout_id"] == "it-retry.retry-rest"

    # the same retry again: its own journal says completed, nothing is created or read
    emulator.control("DELETE", "requests")
    again = rollout(run_playbook, emulator, dirs, "it-retry", **retry_vars)
    assert again.host()["changed"] == 0 and again.host()["failed"] == 0
    assert writes(emulator) == []
    assert task_devices(emulator, before) == created


def test_retry_of_a_wave_whose_tasks_failed_entirely_creates_new_tasks(run_playbook, emulator, dirs):
    """Every sensor fails: the parent's Tencent tasks hold exactly the devices to retry. The retry's first run has no
    journal of its own and reads the rollout back from the platforms; it must not take the parent's tasks for its
    own (the parent's journal names them), and creates new ones."""
    emulator.behaviour(failure_rates={"tc-sensor-*": 1.0})
    stages = "canary:4,rest:100%"
    first = rollout(run_playbook, emulator, dirs, "it-retry-all", staged_rollout_stages=stages, **TOLERANT)
    assert "Rollout it-retry-all: COMPLETED" in first.stdout
    parent = state_of(dirs, "it-retry-all")
    failed = failed_of(parent, "rest")
    sensors = [c for c in parent["waves"]["rest"]["chunks"] if c["platform"] == "tencent"]
    assert failed["huawei"] == [] and failed["tencent"] == sorted(d for c in sensors for d in c["devices"])
    emulator.behaviour(failure_rates={})
    before = task_ids(emulator)
    retried = rollout(run_playbook, emulator, dirs, "it-retry-all", staged_rollout_stages=stages,
                      staged_rollout_retry_wave="rest", **TOLERANT)
    assert "Rollout it-retry-all.retry-rest: COMPLETED" in retried.stdout
    assert "Read back from the platforms" not in retried.stdout
    assert task_devices(emulator, before) == {"huawei": [], "tencent": failed["tencent"]}
    assert all(versions(emulator)[d] == "2.0.0" for d in failed["tencent"])


def test_a_retry_in_a_job_on_an_empty_disk_after_the_rollout_is_read_back(run_playbook, emulator, dirs):
    """AWX without a persistent volume: the job's first play re-runs the rollout, which reads its waves back from
    the platforms (failed devices included) and creates nothing; its second play retries a wave from that journal."""
    emulator.behaviour(failure_rates=FAILING)
    stages = "canary:4,rest:100%"
    rollout(run_playbook, emulator, dirs, "it-retry-awx", staged_rollout_stages=stages, **TOLERANT)
    failed = failed_of(state_of(dirs, "it-retry-awx"), "rest")
    for name in os.listdir(dirs["staged_rollout_state_dir"]):
        os.unlink(os.path.join(dirs["staged_rollout_state_dir"], name))
    emulator.behaviour(failure_rates={})
    before = task_ids(emulator)
    job = run_playbook(os.path.join(HERE, "playbooks", "rollout", "retry_after_read_back.yml"), env=env_of(emulator),
                       inventory=INVENTORIES, extra_vars=dict(dirs, staged_rollout_id="it-retry-awx",
                                                              staged_rollout_stages=stages,
                                                              staged_rollout_retry_wave_of_job="rest", **TOLERANT))
    assert "Read back from the platforms" in job.stdout
    assert "Rollout it-retry-awx.retry-rest: COMPLETED" in job.stdout
    assert task_devices(emulator, before) == failed


def test_rollback_after_a_completed_rollout_targets_exactly_the_upgraded_devices(run_playbook, emulator, dirs):
    emulator.behaviour(failure_rates={"hw-meter-0003": 1.0, "tc-sensor-0011": 1.0})
    stages = "canary:4,wave1:50%,rest:100%"
    first = rollout(run_playbook, emulator, dirs, "it-rollback", staged_rollout_stages=stages, **TOLERANT)
    assert "Rollout it-rollback: COMPLETED" in first.stdout
    parent = state_of(dirs, "it-rollback")
    upgraded = upgraded_of(parent)
    assert upgraded == {"huawei": sorted(d for d in FLEET if d.startswith("hw-") and d != "hw-meter-0003"),
                        "tencent": sorted(d for d in FLEET if d.startswith("tc-") and d != "tc-sensor-0011")}
    emulator.behaviour(failure_rates={})
    before = task_ids(emulator)
    rollback_vars = dict(staged_rollout_stages=stages, staged_rollout_rollback=True,
                         staged_rollout_rollback_targets=OLD)

    emulator.control("DELETE", "requests")
    checked = rollout(run_playbook, emulator, dirs, "it-rollback", check=True, **rollback_vars)
    assert ("Rollback of rollout it-rollback to Huawei file_id=fw-wm100-1.0.0, target_version=1.0.0; Tencent "
            "firmware_version=1.0.0, fw_type=mcu: 38 devices it upgraded (19 Huawei, 19 Tencent) run as rollout "
            "it-rollback.rollback") in checked.stdout
    assert "NOTE: not rolled back, from the journal of rollout it-rollback: 2 listed as failed." in checked.stdout
    assert "call: Huawei POST /iodm/northbound/v1.5.0/operations/firmwareUpgrade fileId=fw-wm100-1.0.0" in checked.stdout
    assert writes(emulator) == []

    result = rollout(run_playbook, emulator, dirs, "it-rollback", **rollback_vars)
    assert "Rollout it-rollback.rollback: COMPLETED" in result.stdout
    assert task_devices(emulator, before) == upgraded
    huawei, tencent = new_tasks(emulator, before)
    assert huawei and all(t["fileId"] == "fw-wm100-1.0.0" for t in huawei)
    assert tencent and all(t["FirmwareVersion"] == "1.0.0" for t in tencent)
    current = versions(emulator)
    assert all(current[d] == "1.0.0" for d in FLEET)      # the upgraded ones rolled back, the failed ones never left
    derived = state_of(dirs, "it-rollback.rollback")
    assert derived["status"] == "completed" and sorted(derived["waves"]) == ["canary", "rest", "wave1"]
    assert derived["targets"]["huawei_file_id"] == "fw-wm100-1.0.0" and derived["targets"]["tencent_fw_type"] == "mcu"

    # the rollback again: nothing is created
    emulator.control("DELETE", "requests")
    again = rollout(run_playbook, emulator, dirs, "it-rollback", **rollback_vars)
    assert again.host()["changed"] == 0 and writes(emulator) == []


def test_rollback_on_abort_rolls_back_what_the_aborted_rollout_upgraded(run_playbook, emulator, dirs):
    # Every Huawei meter fails; for this rollout id the canary is Tencent-only (see test_playbook_rollout.py) and
    # wave1, with 7 meters, aborts on the error threshold.
    emulator.behaviour(failure_rates={"hw-meter-*": 1.0})
    result = rollout(run_playbook, emulator, dirs, "it-rollout-abort", expect_rc=2,
                     staged_rollout_rollback_on_abort=True, staged_rollout_rollback_targets=OLD)
    assert ("If the rollout aborts, the devices it upgraded are rolled back to Huawei file_id=fw-wm100-1.0.0, "
            "target_version=1.0.0; Tencent firmware_version=1.0.0, fw_type=mcu as rollout it-rollout-abort.rollback"
            in result.stdout)
    assert "Rollout it-rollout-abort ABORTED in wave wave1" in result.stdout
    assert "Rollback it-rollout-abort.rollback: completed." in result.stdout
    assert "Rollout it-rollout-abort.rollback: COMPLETED" in result.stdout
    assert "staged_rollout_rollback_result" in result.stdout        # published with set_stats
    parent = state_of(dirs, "it-rollout-abort")
    assert parent["status"] == "aborted"
    upgraded = upgraded_of(parent)
    assert upgraded["huawei"] == [] and len(upgraded["tencent"]) >= 4   # at least the canary's sensors
    derived = state_of(dirs, "it-rollout-abort.rollback")
    assert derived["status"] == "completed"
    rolled = sorted(d for w in derived["waves"].values() for c in w["chunks"] for d in c["devices"])
    assert rolled == upgraded["tencent"]
    assert all(versions(emulator)[d] == "1.0.0" for d in rolled)
    # no second abort and no rollback of the rollback: exactly one rollback journal
    journals = sorted(name for name in os.listdir(dirs["staged_rollout_state_dir"]) if name.endswith(".json"))
    assert journals == ["it-rollout-abort.json", "it-rollout-abort.rollback.json"]


def test_rollback_on_abort_without_the_previous_version_is_refused_before_any_task(run_playbook, emulator, dirs):
    emulator.control("DELETE", "requests")
    result = rollout(run_playbook, emulator, dirs, "it-rboa-bad", expect_rc=2, staged_rollout_refresh_versions=False,
                     staged_rollout_rollback_on_abort=True,
                     staged_rollout_rollback_targets={"huawei_file_id": "fw-wm100-1.0.0"})
    assert ("staged_rollout_rollback_on_abort needs the previous version of every platform of the fleet: "
            "staged_rollout_rollback_targets.tencent_firmware_version is required") in result.stdout
    assert platform_calls(emulator) == []


def test_a_retry_or_rollback_with_nothing_to_do_fails_before_any_platform_call(run_playbook, emulator, dirs):
    state_dir = dirs["staged_rollout_state_dir"]
    refusals = [
        ("it-none", dict(staged_rollout_retry_wave="rest"),
         "nothing to retry: no state file for rollout it-none at %s" % os.path.join(state_dir, "it-none.json")),
        ("it-none", dict(staged_rollout_rollback=True, staged_rollout_rollback_targets=OLD),
         "nothing to roll back: no state file for rollout it-none at %s" % os.path.join(state_dir, "it-none.json")),
        ("r" * 125, dict(staged_rollout_rollback=True, staged_rollout_rollback_targets=OLD),
         "would run as rollout '%s.rollback', which breaks the rollout id rule" % ("r" * 125)),
    ]
    for rollout_id, extra, message in refusals:
        emulator.control("DELETE", "requests")
        refused = rollout(run_playbook, emulator, dirs, rollout_id, expect_rc=2, **extra)
        assert message in refused.stdout
        assert platform_calls(emulator) == []

    stages = "canary:4,rest:100%"
    clean = rollout(run_playbook, emulator, dirs, "it-clean-rr", staged_rollout_stages=stages)
    assert "Rollout it-clean-rr: COMPLETED" in clean.stdout
    path = os.path.join(state_dir, "it-clean-rr.json")
    journal = read_json(path)
    running = json.loads(json.dumps(journal))
    running["waves"]["rest"]["status"] = "started"
    cases = [
        (dict(staged_rollout_retry_wave="canary"),
         "nothing to retry: wave canary of rollout it-clean-rr (passed) has no failed device", journal),
        (dict(staged_rollout_retry_wave="wave9"),
         "nothing to retry: rollout it-clean-rr has no wave 'wave9' in its journal (waves: canary, rest)", journal),
        (dict(staged_rollout_retry_wave="rest"), "wave rest is still running (rollout it-clean-rr", running),
        (dict(staged_rollout_rollback=True, staged_rollout_rollback_targets={"huawei_file_id": "fw-wm100-1.0.0"}),
         "staged_rollout_rollback_targets.tencent_firmware_version is required: the rollback of rollout it-clean-rr "
         "has 20 Tencent devices", journal),
        (dict(staged_rollout_rollback=True, staged_rollout_rollback_targets=dict(OLD, tencent_firmware_version="2.0.0")),
         "tencent_firmware_version=2.0.0 is what rollout it-clean-rr installed, not the previous version", journal),
        (dict(staged_rollout_retry_wave="rest", staged_rollout_rollback=True),
         "staged_rollout_retry_wave and staged_rollout_rollback exclude each other", journal),
    ]
    for extra, message, content in cases:
        with open(path, "w") as handle:
            json.dump(content, handle)
        emulator.control("DELETE", "requests")
        refused = rollout(run_playbook, emulator, dirs, "it-clean-rr", expect_rc=2, staged_rollout_stages=stages,
                          **extra)
        assert message in refused.stdout, refused.stdout[-3000:]
        assert platform_calls(emulator) == []
    # nothing to roll back: every device of the journal failed
    failed = json.loads(json.dumps(journal))
    for wave in failed["waves"].values():
        wave["failures"] = [{"platform": c["platform"], "task_id": c["task_id"], "device": d,
                             "product_id": c.get("product_id")} for c in wave["chunks"] for d in c["devices"]]
    with open(path, "w") as handle:
        json.dump(failed, handle)
    emulator.control("DELETE", "requests")
    refused = rollout(run_playbook, emulator, dirs, "it-clean-rr", expect_rc=2, staged_rollout_stages=stages,
                      staged_rollout_rollback=True, staged_rollout_rollback_targets=OLD)
    assert ("nothing to roll back: rollout it-clean-rr upgraded no device according to its journal (40 listed as "
            "failed)") in refused.stdout
    assert platform_calls(emulator) == []
    # no derived journal (nor lock) was made by any of the refused runs
    assert not [name for name in os.listdir(state_dir) if name.startswith(("it-clean-rr.retry", "it-clean-rr.rollback",
                                                                           "it-none", "r" * 125))]
