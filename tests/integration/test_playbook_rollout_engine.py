"""Integration tests of the rollout engine (iotfleet.firmware.rollout_wave): configuration by module_defaults,
two concurrent runs, corrupt state files, a kill in the middle of a wave's creates, against the real emulator."""
import json
import os
import signal
import sys
import time

import pytest

from kit.credentials import HUAWEI_APP_ID, HUAWEI_SECRET, TENCENT_REGION, TENCENT_SECRET_ID, TENCENT_SECRET_KEY
from test_playbook_rollout import (HUAWEI_CREATE, INVENTORIES, PLAYBOOK, ROLLOUT, env_of, read_state, rollout, start_playbook,
                                   state_of, wait_for)

pytestmark = pytest.mark.integration

BIN = os.path.dirname(sys.executable)


@pytest.fixture
def dirs(tmp_path):
    return {"staged_rollout_state_dir": str(tmp_path / "state"), "staged_rollout_report_dir": str(tmp_path / "reports")}


def platform_requests(emulator):
    return [entry for entry in emulator.requests() if entry["platform"] != "control"]


def test_module_defaults_for_the_action_groups_configure_the_engine(run_playbook, emulator, dirs):
    credentials = {"huawei_app_id": HUAWEI_APP_ID, "huawei_secret": HUAWEI_SECRET, "tencent_secret_id": TENCENT_SECRET_ID,
                   "tencent_secret_key": TENCENT_SECRET_KEY, "tencent_region": TENCENT_REGION}
    result = run_playbook(os.path.join(ROLLOUT, "rollout_module_defaults.yml"), inventory=INVENTORIES,
                          extra_vars=dict(dirs, staged_rollout_id="it-defaults", emulator_url=emulator.url, **credentials))
    assert "Rollout it-defaults: COMPLETED" in result.stdout
    assert HUAWEI_SECRET not in result.stdout and TENCENT_SECRET_ID not in result.stdout
    assert emulator.control("GET", "stats")["huawei"]["logins"] == 1  # one token for the whole run


def test_a_second_run_of_the_same_rollout_fails_at_once(run_playbook, emulator, dirs, tmp_path):
    emulator.behaviour(time_scale=10)  # the first run stays in its first wave for a while
    first = start_playbook(emulator, dirs, "it-twice", tmp_path)
    try:
        wait_for(lambda: os.path.exists(os.path.join(dirs["staged_rollout_state_dir"], "it-twice.json")), first)
        started = time.time()
        second = rollout(run_playbook, emulator, dirs, "it-twice", expect_rc=2)
        assert "rollout 'it-twice' is already running" in second.stdout and "it-twice.lock" in second.stdout
        assert time.time() - started < 60
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
    # the killed run's lock is stale: the next run takes over and finishes, nothing created twice
    emulator.behaviour(time_scale=300)
    resumed = rollout(run_playbook, emulator, dirs, "it-twice")
    assert "Rollout it-twice: COMPLETED" in resumed.stdout
    assert emulator.control("GET", "stats")["huawei"]["duplicates"] == []
    assert emulator.control("GET", "stats")["tencent"]["duplicates"] == []


@pytest.mark.parametrize("content", ["null", "[]", "{}", '{"format": 1}', "not json"])
def test_a_corrupt_state_file_stops_the_run_naming_it_before_any_request(run_playbook, emulator, dirs, content):
    os.makedirs(dirs["staged_rollout_state_dir"])
    path = os.path.join(dirs["staged_rollout_state_dir"], "it-corrupt.json")
    with open(path, "w") as handle:
        handle.write(content)
    emulator.control("DELETE", "requests")
    result = rollout(run_playbook, emulator, dirs, "it-corrupt", expect_rc=2)
    assert path in result.stdout and "not read as a new rollout" in result.stdout
    assert platform_requests(emulator) == []
    assert open(path).read() == content  # left as it was


def test_a_kill_between_two_creates_then_a_rerun_creates_no_task_twice(run_playbook, emulator, dirs, tmp_path):
    # one device per Huawei task, each create executed 6 s after it arrived: the kill finds one on its way, and
    # its task appears only after the next run has started and looked up what exists
    extra = {"staged_rollout_huawei_chunk_size": 1}
    emulator.inject(kind="delay", platform="huawei", method="POST", path=HUAWEI_CREATE, times=-1, delay=6)
    process = start_playbook(emulator, dirs, "it-kill-create", tmp_path, **extra)
    path = os.path.join(dirs["staged_rollout_state_dir"], "it-kill-create.json")

    def two_recorded():
        if not os.path.exists(path):
            return False
        rest = read_state(path)["waves"].get("rest")
        return bool(rest) and len([c for c in rest["chunks"] if c["task_id"]]) >= 2

    try:
        wait_for(two_recorded, process, timeout=300)
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    killed = read_state(path)["waves"]["rest"]["chunks"]
    assert [c for c in killed if not c["task_id"]], "the kill came after the last create"
    on_its_way = [c["key"] for c in killed if c.get("posting_at") and not c["task_id"]]
    assert len(on_its_way) == 1
    emulator.control("DELETE", "faults")
    resumed = rollout(run_playbook, emulator, dirs, "it-kill-create", **extra)
    assert "Rollout it-kill-create: COMPLETED" in resumed.stdout
    stats = emulator.control("GET", "stats")
    state = state_of(dirs, "it-kill-create")
    assert stats["huawei"]["duplicates"] == [] and stats["tencent"]["duplicates"] == [], json.dumps(
        {"duplicates": stats["huawei"]["duplicates"], "killed": killed,
         "final": [c for w in state["waves"].values() for c in w["chunks"]],
         "tasks": emulator.state()["huawei"]["tasks"]}, default=str)
    chunks = [c for w in state["waves"].values() for c in w["chunks"]]
    final = dict((c["key"], c) for c in state["waves"]["rest"]["chunks"])
    assert all(final[c["key"]]["task_id"] == c["task_id"] for c in killed if c["task_id"])  # recorded ids kept
    assert final[on_its_way[0]]["matched_by"] != "created"  # the create on its way was found, not posted again
    assert stats["huawei"]["tasks"] + stats["tencent"]["tasks"] == len(set(str(c["task_id"]) for c in chunks))


LARGE = int(os.environ.get("IOTFLEET_LARGE_ROLLOUT", "30000"))


@pytest.mark.skipif(LARGE < 2, reason="IOTFLEET_LARGE_ROLLOUT=0")
def test_a_large_mixed_rollout_at_the_documented_rate_limits(run_playbook, emulator, tmp_path, dirs):
    """LARGE devices (default 30,000), half per platform, at the real limits (100 calls/min, 20/s)."""
    from iotemu.server import EmulatorServer

    huawei, tencent = (LARGE + 1) // 2, LARGE // 2
    inventory = tmp_path / "large.yml"
    inventory.write_text("""all:
  children:
    iot_devices:
      children: {huawei_meters: {}, tencent_sensors: {}}
    huawei_meters:
      hosts: {%s}
      vars: {iot_platform: huawei, iot_firmware_version: 1.0.0}
    tencent_sensors:
      hosts: {%s}
      vars: {iot_platform: tencent, iot_product_id: TCPROD0001, iot_firmware_version: 1.0.0}
""" % (", ".join("hw-meter-%04d: {}" % n for n in range(1, huawei + 1)),
       ", ".join("tc-sensor-%04d: {}" % n for n in range(1, tencent + 1))))
    server = EmulatorServer(fleet="demo:%d+%d" % (huawei, tencent), behaviour={"time_scale": 600},
                            tls=None, tls_dir=str(tmp_path)).start()
    try:
        emulator = type(emulator)(server)  # the fixture's handle class, over the large fleet
        result = run_playbook(PLAYBOOK, inventory=[str(inventory)], env=env_of(emulator), timeout=900,
                              extra_vars=dict(dirs, staged_rollout_id="it-large", staged_rollout_inventory_vars="inventory",
                                              staged_rollout_wave_timeout=600,
                                              # the creates and pacing are under test; the read-back after each
                                              # wave costs a Huawei listing per wave at 100 calls/min (verify: the
                                              # operations tests)
                                              staged_rollout_verify_versions=False,
                                              # the inventory is the source of the versions here: the refresh's
                                              # listing (90 s at 100 calls/min) has tests of its own
                                              staged_rollout_refresh_versions=False))
        stats = emulator.control("GET", "stats")
    finally:
        server.stop()
    assert "Rollout it-large: COMPLETED" in result.stdout
    assert "1010009" not in result.stdout and "RequestLimitExceeded" not in result.stdout
    state = state_of(dirs, "it-large")
    created = [c for w in state["waves"].values() for c in w["chunks"] if c["task_id"]]
    assert sum(c["created"] for c in created) == LARGE
    huawei_bound = sum(-(-sum(c["created"] for c in w["chunks"] if c["platform"] == "huawei") // 256)
                       for w in state["waves"].values())
    assert stats["huawei"]["creates"] == huawei_bound and stats["huawei"]["logins"] == 1
    assert stats["huawei"]["duplicates"] == [] and stats["tencent"]["duplicates"] == []
    assert stats["huawei"]["by_kind"].get("get_task", 0) <= 2 * len(state["waves"])  # pages, not one read per task


def test_the_plan_reads_the_versions_from_the_platforms_also_in_check_mode(run_playbook, emulator, dirs):
    """Issue 10 item 3: "already on the target version" is what the platform says, not the static inventory."""
    emulator.behaviour(time_scale=600)
    rollout(run_playbook, emulator, dirs, "it-upgrade-first",
            staged_rollout_stages=[{"name": "canary", "count": 4}, {"name": "rest", "percent": 100}])
    plan = os.path.join(ROLLOUT, "plan_refresh.yml")
    emulator.control("DELETE", "requests")
    fresh = run_playbook(plan, inventory=INVENTORIES, env=env_of(emulator), check=True,
                         extra_vars={"plan_id": "it-refresh", "refresh": True})
    assert "40 devices in the fleet, 0 to upgrade (none)" in fresh.stdout
    assert "Versions of 20 huawei devices read from the platform" in fresh.stdout
    assert "Versions of 20 tencent product TCPROD0001 devices read from the platform" in fresh.stdout
    sent = platform_requests(emulator)
    assert sent and all(e["method"] == "GET" or e.get("action", "").startswith(("Describe", "GetDeviceList", "List"))
                        or e["path"].startswith("/iocm/app/sec") for e in sent)  # reads (and the login) only
    emulator.control("DELETE", "requests")
    static = run_playbook(plan, inventory=INVENTORIES, env=env_of(emulator), check=True,
                          extra_vars={"plan_id": "it-refresh", "refresh": False})
    assert "40 devices in the fleet, 40 to upgrade (20 Huawei, 20 Tencent)" in static.stdout  # the inventory's 1.0.0
    assert platform_requests(emulator) == []


def test_a_lock_left_by_a_gone_job_expires_and_a_live_one_is_refused_before_any_request(
        run_playbook, emulator, dirs):
    """A job cancelled on another pod left its run lock on a shared volume: it expires, nothing to delete."""
    os.makedirs(dirs["staged_rollout_state_dir"])
    lock = os.path.join(dirs["staged_rollout_state_dir"], "it-lock.lock")
    holder = {"pid": 4242, "started": 1, "host": "automation-job-17-gone", "since": "2026-12-05T01:00:00Z"}
    with open(lock, "w") as handle:
        json.dump(dict(holder, heartbeat=time.time() - 60), handle)
    emulator.control("DELETE", "requests")
    refused = rollout(run_playbook, emulator, dirs, "it-lock", expect_rc=2)
    assert "is already running" in refused.stdout and "automation-job-17-gone" in refused.stdout
    assert "no file needs deleting" in refused.stdout
    assert platform_requests(emulator) == []

    with open(lock, "w") as handle:
        json.dump(dict(holder, heartbeat=time.time() - 2000), handle)
    taken = rollout(run_playbook, emulator, dirs, "it-lock")
    assert "took over the run lock of ansible-playbook process 4242 on automation-job-17-gone" in taken.stdout
    assert "Rollout it-lock: COMPLETED" in taken.stdout


def test_a_person_at_a_terminal_is_asked_and_the_answer_starts_the_wave(emulator, dirs, tmp_path):
    """Outside AWX / ansible-runner / CI the approval prompt stays: 'yes' starts the wave, anything else stops."""
    import pexpect

    stages = "canary:4,wave1:50%:approval=true,rest:100%:approval=true"
    args = ["-e", json.dumps(dict(dirs, staged_rollout_id="it-prompt", staged_rollout_stages=stages))]
    for inventory in INVENTORIES:
        args += ["-i", inventory]
    env = dict((k, v) for k, v in os.environ.items() if k not in ("CI", "AWX_ISOLATED_DATA_DIR"))
    env.update(env_of(emulator))
    env.update({"ANSIBLE_NOCOLOR": "1", "ANSIBLE_LOCAL_TEMP": str(tmp_path / "ansible-tmp-pty"),
                "PATH": BIN + os.pathsep + env.get("PATH", "")})
    child = pexpect.spawn(os.path.join(BIN, "ansible-playbook"), [PLAYBOOK] + args, env=env, cwd=str(tmp_path),
                          encoding="utf-8", timeout=120)
    try:
        child.expect(r"Wave wave1 of rollout it-prompt is next: \d+ devices")
        child.expect("Type 'yes' to start it")
        child.sendline("yes")
        child.expect(r"Wave rest of rollout it-prompt is next: \d+ devices")
        child.sendline("no")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0
    state = state_of(dirs, "it-prompt")
    assert state["status"] == "awaiting_approval" and state["awaiting_approval"] == "rest"
    assert [(a["wave"], a["by"]) for a in state["approvals"]] == [("wave1", "prompt")]
    assert state["waves"]["wave1"]["status"] == "passed" and "rest" not in state["waves"]
