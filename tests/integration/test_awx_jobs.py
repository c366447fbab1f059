"""The rollout playbook run as AWX runs it: ansible-runner jobs (pty, fresh private data dir and HOME, the credential
types' injectors, the AWX job variables, set_stats artifacts passed on between workflow nodes), see awx_jobs.py.

The end-to-end workflow uses the 600-device demo inventory; the other tests use 20 + 20 devices of it.
"""
import collections
import os
import re
import time

import pytest

from awx_jobs import (AwxJob, Workflow, huawei_credential, job_template_vars, render_injectors,
                      HUAWEI_TYPE, TENCENT_TYPE)

pytestmark = pytest.mark.integration

HERE = os.path.dirname(os.path.abspath(__file__))
SMALL_INVENTORY = [os.path.join(HERE, "playbooks", "rollout", "inventories", name)
                   for name in ("huawei.yml", "tencent.yml")]
SMALL_FLEET = ["hw-meter-%04d" % n for n in range(1, 21)] + ["tc-sensor-%04d" % n for n in range(1, 21)]

# The workflow's survey answers (firmware as in test_playbook_rollout.py) ...
ANSWERS = {
    "staged_rollout_id": "fw-2.0.0-awx",
    "staged_rollout_hosts": "iot_devices",
    "staged_rollout_stages": "canary:10,wave1:10%:approval=true,rest:100%:approval=true",
    "staged_rollout_huawei_file_id": "fw-wm100-2.0.0",
    "staged_rollout_huawei_target_version": "2.0.0",
    "staged_rollout_tencent_firmware_version": "2.0.0",
    "staged_rollout_tencent_fw_type": "mcu",
}
SMALL_STAGES = "canary:4,wave1:50%:approval=true,rest:100%:approval=true"
# ... and short waits, as the job template's own extra variables (a launch may not pass variables of its own).
JOB_TEMPLATE_VARS = {"staged_rollout_poll_seconds": 2, "staged_rollout_min_finished": 1,
                     "staged_rollout_wave_timeout": 300}
TIMEOUT = 180


def answers(**changes):
    out = dict(ANSWERS)
    out.update(changes)
    return out


def workflow(emulator, tmp_path, small=False, **kwargs):
    if small:
        kwargs.setdefault("inventory", SMALL_INVENTORY)
        survey = answers(staged_rollout_stages=SMALL_STAGES, **kwargs.pop("answers", {}))
    else:
        survey = answers(**kwargs.pop("answers", {}))
    return Workflow(emulator, tmp_path, survey, job_template_extra_vars=JOB_TEMPLATE_VARS, timeout=TIMEOUT, **kwargs)


def memberships(emulator):
    """Device -> number of platform tasks it is in."""
    state = emulator.state()
    count = collections.Counter()
    for task in state["huawei"]["tasks"]:
        count.update(task["targets"]["devices"])
    for task in state["tencent"]["tasks"]:
        count.update(row["DeviceName"] for row in task["Devices"])
    return count


def creates(emulator):
    stats = emulator.control("GET", "stats")
    return stats["huawei"]["creates"] + stats["tencent"]["creates"]


def versions(emulator):
    state = emulator.state()
    result = dict((d["deviceId"], d["version"]) for d in state["huawei"]["devices"])
    result.update((d["DeviceName"], d["versions"]["mcu"]) for d in state["tencent"]["devices"])
    return result


def platform_requests(emulator):
    return [entry for entry in emulator.requests() if entry["platform"] != "control"]


def assert_no_device_twice(emulator):
    count = memberships(emulator)
    assert not [device for device, n in count.items() if n > 1], count.most_common(5)
    stats = emulator.control("GET", "stats")
    assert stats["huawei"]["duplicates"] == [] and stats["tencent"]["duplicates"] == []
    return count


def assert_job(job, status="successful"):
    assert job.status == status, job.describe()
    assert not job.waited_for_input, job.describe()
    assert job.tty and job.tty.startswith("/dev/pts/"), "no pseudo-terminal: stdin is %r" % job.tty


def assert_awaiting(node, wave, workflow_job_id, done):
    result = node.result
    assert result.get("status") == "awaiting_approval" and result.get("awaiting_approval") == wave, node.job.describe()
    request = result["approval_request"]
    assert (request["rollout_id"], request["wave"], str(request["workflow_job_id"])) == (
        ANSWERS["staged_rollout_id"], wave, str(workflow_job_id))
    assert result["waves_done"] == done
    assert result["next_step"]


def test_harness_renders_injectors_like_awx(tmp_path):
    env = render_injectors(HUAWEI_TYPE, {"endpoint": "https://iot:8743", "app_id": "a", "secret": "s",
                                         "ca_cert": "-----BEGIN CERTIFICATE-----\n"}, str(tmp_path))
    assert env["HUAWEI_IOT_ENDPOINT"] == "https://iot:8743" and env["HUAWEI_IOT_ACCESS_TOKEN"] == ""
    assert env["HUAWEI_IOT_CLIENT_CERT"] == "" and env["HUAWEI_IOT_CLIENT_KEY"] == ""
    assert os.path.dirname(env["HUAWEI_IOT_CA_PATH"]) == str(tmp_path / "env")
    assert open(env["HUAWEI_IOT_CA_PATH"]).read() == "-----BEGIN CERTIFICATE-----\n"
    tencent = render_injectors(TENCENT_TYPE, {"secret_id": "i", "secret_key": "k", "region": "ap-guangzhou"})
    assert tencent["TENCENTCLOUD_SECURITY_TOKEN"] == "" and tencent["IOTFLEET_TENCENT_ENDPOINT"] == ""
    with pytest.raises(ValueError):
        render_injectors(TENCENT_TYPE, {"secret_id": "i", "secret_key": "k"})


def test_shipped_workflow_end_to_end_approve_both(emulator, tmp_path):
    flow = workflow(emulator, tmp_path)
    result = flow.run()
    assert [(name, node.status) for name, node in result.nodes.items()] == [
        ("canary", "successful"), ("approve-wave1", "approved"), ("wave1", "successful"),
        ("approve-rest", "approved"), ("rest", "successful")], result.describe()
    assert result.status == "successful"
    jobs = [result[name].job for name in ("canary", "wave1", "rest")]
    for job in jobs:
        assert_job(job)
        assert job.status != "timeout"
        assert job.extravars["awx_workflow_job_id"] == flow.id
        assert job.home.startswith(os.path.dirname(job.private_data_dir))
    assert len(set(job.home for job in jobs)) == 3
    assert "staged_rollout_result" not in jobs[0].extravars
    assert jobs[1].extravars["staged_rollout_result"] == result["canary"].result     # AWX passed the artifact on
    assert jobs[1].extravars["staged_rollout_workflow_wave"] == "wave1"
    assert jobs[0].extravars["staged_rollout_workflow_wave"] == ""                   # the job template's default

    assert_awaiting(result["canary"], "wave1", flow.id, ["canary"])
    assert_awaiting(result["wave1"], "rest", flow.id, ["canary", "wave1"])
    final = result["rest"].result
    assert final["status"] == "completed", result.describe()
    assert final["awaiting_approval"] is None and final["uncovered"] == 0
    assert final["waves_done"] == ["canary", "wave1", "rest"]

    current = versions(emulator)
    assert len(current) == 600 and set(current.values()) == {"2.0.0"}
    count = assert_no_device_twice(emulator)
    assert len(count) == 600 and set(count.values()) == {1}
    stats = emulator.control("GET", "stats")
    assert creates(emulator) == stats["huawei"]["tasks"] + stats["tencent"]["tasks"]


def test_deny_then_relaunch_continues_without_redoing_anything(emulator, tmp_path):
    first = workflow(emulator, tmp_path, small=True)
    denied = first.run(approvals={"approve-rest": False})
    assert denied.status == "failed" and denied["approve-rest"].status == "denied", denied.describe()
    assert "rest" not in denied.nodes
    assert_awaiting(denied["wave1"], "rest", first.id, ["canary", "wave1"])
    made = creates(emulator)
    assert made > 0

    second = workflow(emulator, tmp_path, small=True)
    assert second.id != first.id
    canary = second.run(stop_after="canary")["canary"]
    assert_job(canary.job)
    assert canary.job.private_data_dir not in [n.job.private_data_dir for n in denied.nodes.values() if n.job]
    assert_awaiting(canary, "rest", second.id, ["canary", "wave1"])
    assert creates(emulator) == made

    # wave1 is done: its approval approves nothing, and the wave1 node must not run rest
    second.approve("approve-wave1", True)
    wave1 = second.record("wave1", second.job("wave1").run())
    assert_job(wave1.job)
    assert_awaiting(wave1, "rest", second.id, ["canary", "wave1"])
    assert creates(emulator) == made

    second.approve("approve-rest", True)
    rest = second.record("rest", second.job("rest").run())
    assert_job(rest.job)
    assert rest.result["status"] == "completed", rest.job.describe()
    current = versions(emulator)
    assert all(current[device] == "2.0.0" for device in SMALL_FLEET)
    count = assert_no_device_twice(emulator)
    assert sorted(count) == sorted(SMALL_FLEET)


def test_a_job_killed_mid_wave_then_relaunched(emulator, tmp_path):
    flow = workflow(emulator, tmp_path, small=True)
    assert flow.run(stop_after="approve-wave1").status == "successful"
    before = creates(emulator)
    emulator.behaviour(time_scale=20)            # one device upgrade takes about 15 s: the wave is still running
    # the wave's Tencent create (after its Huawei one) is held 4 s: the job is killed while that request is in flight
    emulator.inject(kind="delay", platform="tencent", action="BatchUpdateFirmware", delay=4, times=1)

    killed = flow.job("wave1", cancel_callback=lambda job: creates(emulator) > before).run()
    assert killed.status == "canceled" and killed.canceled_by_callback, killed.describe()
    assert killed.rc != 0
    assert creates(emulator) > before
    assert_no_device_twice(emulator)

    emulator.behaviour(time_scale=300)
    relaunch = flow.job("wave1").run()                              # same artifacts, fresh dirs
    # the killed job's in-flight create lands while the relaunch reads the partly created wave back (the in-flight
    # check reads it again until nothing new appears): it is adopted, and only the rest is created
    relaunched = flow.record("wave1", relaunch)
    assert_job(relaunched.job)
    assert relaunched.job.private_data_dir != killed.private_data_dir and relaunched.job.home != killed.home
    assert_awaiting(relaunched, "rest", flow.id, ["canary", "wave1"])
    assert_no_device_twice(emulator)

    rest = flow.run(start_at="approve-rest")
    assert rest.status == "successful" and rest["rest"].result["status"] == "completed", rest.describe()
    count = assert_no_device_twice(emulator)
    assert sorted(count) == sorted(SMALL_FLEET)
    assert all(versions(emulator)[device] == "2.0.0" for device in SMALL_FLEET)


def test_a_second_job_while_the_first_runs(emulator, tmp_path):
    flow = workflow(emulator, tmp_path, small=True)
    assert flow.run(stop_after="approve-wave1").status == "successful"
    before = creates(emulator)
    emulator.behaviour(time_scale=20)

    first = flow.job("wave1").start()
    deadline = time.time() + 60
    seen, stable_since = before, time.time()
    while time.time() < deadline and first.running():        # until the first job's creates stop for 2 s
        now = creates(emulator)
        if now != seen:
            seen, stable_since = now, time.time()
        if seen > before and time.time() - stable_since > 2:
            break
        time.sleep(0.3)
    assert creates(emulator) > before, first.stdout_so_far()[-3000:]
    second = flow.job("wave1").start()                      # same artifacts, fresh dirs
    time.sleep(2)
    emulator.behaviour(time_scale=300)
    results = [first.wait(), second.wait()]
    for job in results:
        assert job.status in ("successful", "failed"), job.describe()
        assert not job.waited_for_input, job.describe()
    assert_job(results[0])
    assert results[0].result["status"] == "awaiting_approval" and results[0].result["awaiting_approval"] == "rest"
    assert_no_device_twice(emulator)


def test_stages_typo_fails_the_job_before_any_platform_call(emulator, tmp_path):
    emulator.control("DELETE", "requests")
    job = AwxJob(emulator, tmp_path, name="typo", timeout=TIMEOUT, extravars=job_template_vars(
        answers(staged_rollout_stages="canary:10,wave1:10%,rest:100"), JOB_TEMPLATE_VARS)).run()
    assert_job(job, status="failed")
    assert job.rc != 0
    assert "staged_rollout_allow_uncovered" in job.stdout and "440" in job.stdout, job.describe()
    assert platform_requests(emulator) == []


def test_one_platform_with_only_its_credential(emulator, tmp_path):
    inventory = tmp_path / "huawei_only.yml"
    inventory.write_text("all:\n  children:\n    iot_devices:\n      hosts:\n        hw-meter-[0001:0020]:\n"
                         "      vars:\n        iot_platform: huawei\n        iot_firmware_version: 1.0.0\n")
    survey = dict((key, value) for key, value in answers(staged_rollout_stages="canary:4,rest:100%").items()
                  if "tencent" not in key)
    job = AwxJob(emulator, tmp_path, name="huawei-only", inventory=str(inventory), timeout=TIMEOUT,
                 credentials=[huawei_credential(emulator)],
                 extravars=job_template_vars(survey, JOB_TEMPLATE_VARS)).run()
    assert_job(job)
    assert job.result["status"] == "completed", job.describe()
    assert not [key for key in job.env if key.startswith(("TENCENTCLOUD_", "IOTFLEET_"))]
    assert not [entry for entry in emulator.requests() if entry["platform"] == "tencent"]
    current = versions(emulator)
    assert all(current["hw-meter-%04d" % n] == "2.0.0" for n in range(1, 21))
    assert current["hw-meter-0021"] == "1.0.0"


def test_no_launch_variable_skips_an_approval(emulator, tmp_path):
    flow = workflow(emulator, tmp_path, small=True)
    job = flow.job("canary", extravars=dict(flow.node_extravars("canary"), staged_rollout_approved_waves=["wave1"]))
    result = job.run()
    assert_job(result, status="failed")
    assert "staged_rollout_approved_waves" in result.stdout, result.describe()
    assert re.search(r"approv[^\n]{0,60}from the[^\n]{0,30}workflow", result.stdout), result.describe()
    assert sum(memberships(emulator).values()) <= 4          # at most the canary: nothing of wave1
