"""Integration tests of the staged_rollout role: real ansible-playbook against the emulator.

The fleet is 20 Huawei meters + 20 Tencent sensors of the demo fleet, read from two inventories
(``-i huawei.yml -i tencent.yml``), rolled out in three waves (canary 4, wave1 up to 50 %, rest).
"""
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from ansible_collections.iotfleet.firmware.plugins.plugin_utils._engine import state_file as journal_file

from kit.credentials import HUAWEI_SECRET, TENCENT_SECRET_ID

pytestmark = pytest.mark.integration

HERE = os.path.dirname(os.path.abspath(__file__))
ROLLOUT = os.path.join(HERE, "playbooks", "rollout")
PLAYBOOK = os.path.join(ROLLOUT, "rollout.yml")
INVENTORIES = [os.path.join(ROLLOUT, "inventories", name) for name in ("huawei.yml", "tencent.yml")]
HUAWEI_CREATE = "/iodm/northbound/v1.5.0/operations/firmwareUpgrade"
WRITE_ACTIONS = ("BatchUpdateFirmware", "UpdateOtaTaskStatus")


@pytest.fixture
def dirs(tmp_path):
    return {"staged_rollout_state_dir": str(tmp_path / "state"), "staged_rollout_report_dir": str(tmp_path / "reports")}


@pytest.fixture
def same_dir(tmp_path):
    """State and reports in one directory (like `scripts/dev.py demo` does)."""
    return {"staged_rollout_state_dir": str(tmp_path / "out"), "staged_rollout_report_dir": str(tmp_path / "out")}


def env_of(emulator):
    env = dict(emulator.huawei_env())
    env.update(emulator.tencent_env())
    env["ANSIBLE_SHOW_CUSTOM_STATS"] = "1"
    return env


def rollout(run_playbook, emulator, dirs, rollout_id, expect_rc=0, check=False, **extra):
    extra_vars = dict(dirs, staged_rollout_id=rollout_id)
    extra_vars.update(extra)
    return run_playbook(PLAYBOOK, extra_vars=extra_vars, env=env_of(emulator), inventory=INVENTORIES,
                        expect_rc=expect_rc, check=check)


def read_json(path):
    with open(path) as handle:
        return json.load(handle)


def read_state(path):
    """A rollout's journal as the engine reads it: the document with the lines appended since (mid-wave)."""
    return journal_file.load_state(path)


def state_of(dirs, rollout_id):
    return read_state(os.path.join(dirs["staged_rollout_state_dir"], rollout_id + ".json"))


def writes(emulator):
    """Requests that create or cancel something on a platform."""
    return [entry for entry in emulator.requests()
            if (entry["platform"] == "huawei" and entry["method"] == "POST" and entry["path"].startswith(HUAWEI_CREATE))
            or (entry["platform"] == "tencent" and entry.get("action") in WRITE_ACTIONS)]


def platform_tasks(emulator):
    state = emulator.state()
    return state["huawei"]["tasks"], state["tencent"]["tasks"]


def assert_no_duplicate_tasks(emulator, state):
    """Every recorded chunk has exactly one platform task, and no device got two tasks."""
    huawei, tencent = platform_tasks(emulator)
    chunks = [chunk for wave in state["waves"].values() for chunk in wave["chunks"]]
    assert len(huawei) == len([c for c in chunks if c["platform"] == "huawei"])
    assert len(tencent) == len([c for c in chunks if c["platform"] == "tencent"])
    huawei_devices = [device for task in huawei for device in task["targets"]["devices"]]
    assert len(huawei_devices) == len(set(huawei_devices))
    tencent_devices = [row["DeviceName"] for task in tencent for row in task["Devices"]]
    assert len(tencent_devices) == len(set(tencent_devices))
    recorded = set(str(c["task_id"]) for c in chunks)
    assert recorded == set([t["operationId"] for t in huawei] + [str(t["TaskId"]) for t in tencent])


def versions(emulator):
    state = emulator.state()
    result = dict((d["deviceId"], d["version"]) for d in state["huawei"]["devices"])
    result.update((d["DeviceName"], d["versions"]["mcu"]) for d in state["tencent"]["devices"])
    return result


FLEET = ["hw-meter-%04d" % n for n in range(1, 21)] + ["tc-sensor-%04d" % n for n in range(1, 21)]


def test_clean_mixed_rollout_then_rerun_changes_nothing(run_playbook, emulator, dirs):
    result = rollout(run_playbook, emulator, dirs, "it-clean")
    assert result.host()["failed"] == 0
    assert "Rollout it-clean: COMPLETED" in result.stdout
    assert "[rollout] wave canary:" in result.stdout              # visible progress
    assert "CUSTOM STATS" in result.stdout and "staged_rollout_result" in result.stdout
    state = state_of(dirs, "it-clean")
    assert state["status"] == "completed"
    assert [(n, w["status"]) for n, w in sorted(state["waves"].items(), key=lambda i: i[1]["index"])] == [
        ("canary", "passed"), ("wave1", "passed"), ("rest", "passed")]
    # a mixed wave ran both platforms, and every device of the fleet is on 2.0.0 now
    assert all(state["waves"]["rest"]["chunks"][i]["task_id"] for i in range(2))
    assert set(c["platform"] for c in state["waves"]["rest"]["chunks"]) == {"huawei", "tencent"}
    current = versions(emulator)
    assert all(current[device] == "2.0.0" for device in FLEET)
    assert current["hw-meter-0021"] == "1.0.0" and current["tc-sensor-0021"] == "1.0.0"
    assert_no_duplicate_tasks(emulator, state)
    report = read_json(os.path.join(dirs["staged_rollout_report_dir"], "it-clean-report.json"))
    assert report["status"] == "completed" and report["totals"]["succeeded"] == 40
    markdown = open(os.path.join(dirs["staged_rollout_report_dir"], "it-clean-report.md")).read()
    assert "**Status: COMPLETED**" in markdown and "| 3 | rest | passed |" in markdown
    state_text = open(os.path.join(dirs["staged_rollout_state_dir"], "it-clean.json")).read()
    assert HUAWEI_SECRET not in state_text and TENCENT_SECRET_ID not in state_text and HUAWEI_SECRET not in markdown

    emulator.control("DELETE", "requests")
    again = rollout(run_playbook, emulator, dirs, "it-clean")
    assert again.host()["changed"] == 0
    assert emulator.requests(platform="huawei") == [] and emulator.requests(platform="tencent") == []
    assert state_of(dirs, "it-clean") == state


def test_check_mode_prints_the_plan_and_writes_nothing(run_playbook, emulator, dirs):
    result = rollout(run_playbook, emulator, dirs, "it-check", check=True)
    assert result.host()["changed"] == 0
    assert "Rollout it-check: 40 devices in the fleet, 40 to upgrade (20 Huawei, 20 Tencent) in 3 waves" in result.stdout
    for wave in ("Wave 1 canary (count 4): 4 devices", "Wave 2 wave1 (percent 50): 16 devices", "Wave 3 rest (percent 100): 20 devices"):
        assert wave in result.stdout
    assert "call: Huawei POST /iodm/northbound/v1.5.0/operations/firmwareUpgrade fileId=fw-wm100-2.0.0" in result.stdout
    assert "call: Tencent BatchUpdateFirmware ProductId=TCPROD0001" in result.stdout
    # --check reads (the plan-time version refresh) but never creates or cancels
    assert [e for e in emulator.requests() if e["platform"] != "control"], "the version refresh read nothing"
    assert writes(emulator) == []
    assert not os.path.exists(dirs["staged_rollout_state_dir"])
    assert not os.path.exists(dirs["staged_rollout_report_dir"])


def test_error_threshold_aborts_then_resume(run_playbook, emulator, dirs):
    # Every Huawei meter fails; for this rollout id the canary is Tencent-only, wave1 has 7 meters of 16 devices.
    # Tencent dispatches one device per simulated minute, so wave1's Tencent task is still running at the abort.
    emulator.behaviour(time_scale=60, failure_rates={"hw-meter-*": 1.0})
    result = rollout(run_playbook, emulator, dirs, "it-rollout-abort", expect_rc=2, staged_rollout_tencent_rate_limit=1)
    assert "Rollout it-rollout-abort ABORTED in wave wave1: error threshold tripped" in result.stdout
    verdict = [line for line in result.stdout.splitlines() if "ABORTED in wave wave1" in line][0]
    assert ".." not in verdict.replace("...", "")                  # tidy sentences, no doubled periods
    state = state_of(dirs, "it-rollout-abort")
    assert state["status"] == "aborted" and state["abort"]["wave"] == "wave1"
    assert state["waves"]["canary"]["status"] == "passed" and "rest" not in state["waves"]
    # later waves untouched: only canary and wave1 tasks exist
    huawei, tencent = platform_tasks(emulator)
    assert len(huawei) == 1 and len(tencent) == 2
    # the running Tencent task of the aborted wave was cancelled; Huawei has no cancel API
    assert state["waves"]["wave1"]["cancelled"] == [int(c["task_id"]) for c in state["waves"]["wave1"]["chunks"]
                                                    if c["platform"] == "tencent"]
    assert [e for e in writes(emulator) if e.get("action") == "UpdateOtaTaskStatus"]
    markdown = open(os.path.join(dirs["staged_rollout_report_dir"], "it-rollout-abort-report.md")).read()
    assert "**Status: ABORTED**" in markdown and "tasks not cancellable (Huawei: no cancel API)" in markdown
    assert "| 3 | rest | not started |" in markdown
    # the failed meters of wave1 as CSV, and one JSON line per transition
    failed = open(os.path.join(dirs["staged_rollout_report_dir"], "it-rollout-abort-report-failed.csv")).read()
    rows = failed.splitlines()
    assert rows[0] == "wave,platform,product_id,task_id,device,detail" and len(rows) > 1
    assert all(row.startswith("wave1,huawei,,") and ",hw-meter-" in row for row in rows[1:])
    lines = [json.loads(line) for line in
             open(os.path.join(dirs["staged_rollout_report_dir"], "it-rollout-abort-events.jsonl"))]
    assert [(line["event"], line.get("wave")) for line in lines] == [
        ("start", None), ("wave_started", "canary"), ("wave_passed", "canary"), ("wave_started", "wave1"),
        ("wave_aborted", "wave1")]
    assert [line["seq"] for line in lines] == list(range(5))

    # an aborted rollout does not continue on its own, and asks the platforms nothing
    emulator.control("DELETE", "requests")
    refused = rollout(run_playbook, emulator, dirs, "it-rollout-abort", expect_rc=2, staged_rollout_tencent_rate_limit=1)
    assert "staged_rollout_resume_aborted=true" in refused.stdout
    assert [e for e in emulator.requests() if e["platform"] != "control"] == []

    # resume after abort: wave1 is accepted as it ended, rest runs, nothing is created twice
    emulator.behaviour(time_scale=300, failure_rates={})
    resumed = rollout(run_playbook, emulator, dirs, "it-rollout-abort", staged_rollout_tencent_rate_limit=1,
                      staged_rollout_resume_aborted=True)
    assert "Rollout it-rollout-abort: COMPLETED" in resumed.stdout
    state = state_of(dirs, "it-rollout-abort")
    assert state["waves"]["wave1"]["accepted"] is True and state["waves"]["rest"]["status"] == "passed"
    assert_no_duplicate_tasks(emulator, state)
    huawei, tencent = platform_tasks(emulator)
    assert len(huawei) == 2 and len(tencent) == 3


def start_playbook(emulator, dirs, rollout_id, tmp_path, inventories=None, env=None, **extra):
    """The rollout playbook in the background (like the run_playbook fixture, but not waited for), on
    ``inventories`` (default ``INVENTORIES``) with ``env`` added to the emulator's; ``extra`` are more variables.
    Its output goes to ``tmp_path/<rollout_id>.log`` (``process.log_path``); its process group can be killed."""
    bin_dir = os.path.dirname(sys.executable)
    cmd = [os.path.join(bin_dir, "ansible-playbook"), PLAYBOOK]
    for inventory in INVENTORIES if inventories is None else inventories:
        cmd += ["-i", inventory]
    cmd += ["-e", json.dumps(dict(dirs, staged_rollout_id=rollout_id, **extra))]
    full = dict(os.environ)
    full.update(env_of(emulator))
    full.update(env or {})
    full.update({"ANSIBLE_NOCOLOR": "1", "ANSIBLE_LOCAL_TEMP": str(tmp_path / "ansible-tmp-bg"),
                 "PATH": bin_dir + os.pathsep + full.get("PATH", "")})
    log_path = str(tmp_path / ("%s.log" % rollout_id))
    with open(log_path, "w") as log:
        process = subprocess.Popen(cmd, env=full, cwd=str(tmp_path), stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    process.log_path = log_path
    return process


def wait_for(condition, process, timeout=120):
    """Until ``condition()`` holds, while the background run (``start_playbook``) goes on: it must not end first
    (its output then shows), nor take more than ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        if process.poll() is not None:
            with open(process.log_path) as log:
                pytest.fail("the run ended early (rc %s)\n%s" % (process.returncode, log.read()[-5000:]))
        time.sleep(0.2)
    pytest.fail("timed out after %s s" % timeout)


def test_resume_after_the_process_was_killed_mid_wave(run_playbook, emulator, dirs, tmp_path):
    emulator.behaviour(time_scale=20)            # one device upgrade takes about 15 s
    process = start_playbook(emulator, dirs, "it-killed", tmp_path)
    state_file = os.path.join(dirs["staged_rollout_state_dir"], "it-killed.json")

    def wave1_created():
        wave = read_state(state_file)["waves"].get("wave1") if os.path.exists(state_file) else None
        return bool(wave) and all(c["task_id"] for c in wave["chunks"])

    try:
        wait_for(wave1_created, process)
        time.sleep(1)
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    killed = read_state(state_file)
    assert killed["status"] == "running" and killed["waves"]["wave1"]["status"] == "started"
    huawei, tencent = platform_tasks(emulator)
    recorded = [c for w in killed["waves"].values() for c in w["chunks"]]
    assert len(huawei) + len(tencent) == len(recorded)         # the canary's and wave1's tasks, nothing else

    emulator.behaviour(time_scale=300)
    resumed = rollout(run_playbook, emulator, dirs, "it-killed")
    assert "Rollout it-killed: COMPLETED" in resumed.stdout
    state = state_of(dirs, "it-killed")
    assert state["waves"]["wave1"]["entries"] == 2
    assert state["waves"]["wave1"]["chunks"] == killed["waves"]["wave1"]["chunks"]
    assert_no_duplicate_tasks(emulator, state)
    assert all(versions(emulator)[device] == "2.0.0" for device in FLEET)


def test_approval_stops_without_a_terminal_and_continues_once_approved(run_playbook, emulator, same_dir):
    """Explicit device list; outside an AWX workflow a previous result does not approve, a variable does.

    State and reports share one directory here, as in `scripts/dev.py demo`."""
    dirs = same_dir
    devices = [{"platform": "huawei", "id": "hw-meter-%04d" % n, "version": "1.0.0"} for n in range(31, 41)]
    stages = [{"name": "canary", "count": 2, "pause_seconds": 1}, {"name": "mid", "count": 4, "approval": True},
              {"name": "rest", "percent": 100, "approval": True}]
    common = dict(staged_rollout_devices=devices, staged_rollout_stages=stages)
    first = rollout(run_playbook, emulator, dirs, "it-approval", **common)
    assert "Waiting for approval of wave mid" in first.stdout
    assert "pausing 1 s after wave canary" in first.stdout
    state = state_of(dirs, "it-approval")
    assert state["status"] == "awaiting_approval" and state["awaiting_approval"] == "mid"
    assert list(state["waves"]) == ["canary"]

    # a previous job's result is an approval only inside the AWX workflow that asked for it
    artifact = {"rollout_id": "it-approval", "status": "awaiting_approval", "awaiting_approval": "mid",
                "approval_request": {"rollout_id": "it-approval", "wave": "mid", "workflow_job_id": 7}}
    forged = rollout(run_playbook, emulator, dirs, "it-approval", staged_rollout_result=artifact,
                     staged_rollout_workflow_wave="mid", **common)
    assert "Waiting for approval of wave mid" in forged.stdout
    assert "not part of an AWX workflow" in forged.stdout
    assert list(state_of(dirs, "it-approval")["waves"]) == ["canary"]

    second = rollout(run_playbook, emulator, dirs, "it-approval", staged_rollout_approved_waves=["mid"], **common)
    assert "Waiting for approval of wave rest" in second.stdout
    state = state_of(dirs, "it-approval")
    assert state["awaiting_approval"] == "rest" and state["waves"]["mid"]["status"] == "passed"

    third = rollout(run_playbook, emulator, dirs, "it-approval", staged_rollout_approved_waves=["rest"], **common)
    assert "Rollout it-approval: COMPLETED" in third.stdout
    state = state_of(dirs, "it-approval")
    assert_no_duplicate_tasks(emulator, state)
    assert sum(c["size"] for w in state["waves"].values() for c in w["chunks"]) == 10


def test_survey_stages_string_drives_a_rollout(run_playbook, emulator, dirs):
    # An AWX survey passes text: the short form drives the same waves as the list in the playbook would.
    result = rollout(run_playbook, emulator, dirs, "it-survey", staged_rollout_stages="canary:4,wave1:50%,rest:100%")
    assert "Rollout it-survey: COMPLETED" in result.stdout
    state = state_of(dirs, "it-survey")
    sizes = dict((name, sum(c["size"] for c in wave["chunks"])) for name, wave in state["waves"].items())
    assert sizes == {"canary": 4, "wave1": 16, "rest": 20}
    assert all(version == "2.0.0" for device, version in versions(emulator).items() if device in FLEET)
    assert_no_duplicate_tasks(emulator, state)


@pytest.mark.parametrize("limit", ["hw-meter-000*", "localhost,tc-sensor-0001"])
def test_limit_fails_the_run_before_any_call(run_playbook, emulator, dirs, limit):
    # Without the guard, a limit that leaves localhost out skipped the rollout play with rc 0 and did nothing.
    result = run_playbook(PLAYBOOK, extra_vars=dict(dirs, staged_rollout_id="it-limit"), env=env_of(emulator),
                          inventory=INVENTORIES, expect_rc=2, extra_args=["--limit", limit])
    assert "--limit '%s' is not supported" % limit in result.stdout
    assert "staged_rollout_hosts=" in result.stdout
    assert [e for e in emulator.requests() if e["platform"] != "control"] == []
    assert not os.path.exists(dirs["staged_rollout_state_dir"])


def test_a_lost_state_file_is_read_back_from_the_platforms(run_playbook, emulator, dirs):
    """Each run on an empty disk (an AWX job without a persistent volume) continues where the rollout stands."""
    stages = "canary:4,wave1:50%:approval=true,rest:100%:approval=true"
    first = rollout(run_playbook, emulator, dirs, "it-lost", staged_rollout_stages=stages)
    assert "Waiting for approval of wave wave1" in first.stdout
    creates = len(writes(emulator))
    assert creates == 2  # the canary: one Huawei task, one Tencent task

    # the journal is gone: the canary is read back (no create), and wave1 still needs its approval
    for name in os.listdir(dirs["staged_rollout_state_dir"]):
        os.unlink(os.path.join(dirs["staged_rollout_state_dir"], name))
    second = rollout(run_playbook, emulator, dirs, "it-lost", staged_rollout_stages=stages)
    assert "Read back from the platforms: 2 tasks; waves canary had started before this run." in second.stdout
    assert "Waiting for approval of wave wave1" in second.stdout
    assert len(writes(emulator)) == creates

    os.unlink(os.path.join(dirs["staged_rollout_state_dir"], "it-lost.json"))
    third = rollout(run_playbook, emulator, dirs, "it-lost", staged_rollout_stages=stages,
                    staged_rollout_approved_waves=["wave1", "rest"])
    assert "Rollout it-lost: COMPLETED" in third.stdout
    assert all(versions(emulator)[device] == "2.0.0" for device in FLEET)
    huawei, tencent = platform_tasks(emulator)
    huawei_devices = [device for task in huawei for device in task["targets"]["devices"]]
    tencent_devices = [row["DeviceName"] for task in tencent for row in task["Devices"]]
    assert sorted(huawei_devices + tencent_devices) == sorted(FLEET)  # every device in exactly one task


def test_a_one_platform_fleet_needs_only_that_platforms_settings(run_playbook, emulator, dirs):
    """No Tencent setting at all in the environment: a Huawei-only fleet rolls out; a mixed one is refused before
    any platform call, naming the missing settings."""
    clean = dict((key, "") for key in ("TENCENTCLOUD_SECRET_ID", "TENCENTCLOUD_SECRET_KEY", "TENCENTCLOUD_REGION",
                                       "IOTFLEET_TENCENT_ENDPOINT"))
    env = dict(emulator.huawei_env(), **clean)
    result = run_playbook(PLAYBOOK, inventory=INVENTORIES[:1], env=env,
                          extra_vars=dict(dirs, staged_rollout_id="it-one", staged_rollout_stages="canary:4,rest:100%"))
    assert "Rollout it-one: COMPLETED" in result.stdout
    assert not [entry for entry in emulator.requests() if entry["platform"] == "tencent"]

    emulator.control("DELETE", "requests")
    mixed = run_playbook(PLAYBOOK, inventory=INVENTORIES, env=env, expect_rc=2,
                         extra_vars=dict(dirs, staged_rollout_id="it-one-mixed",
                                         staged_rollout_stages="canary:4,rest:100%"))
    assert ("the fleet has Tencent devices but the Tencent connection settings are incomplete "
            "(missing: region, secret_id, secret_key)") in mixed.stdout
    assert [entry for entry in emulator.requests() if entry["platform"] != "control"] == []


@pytest.mark.parametrize("stages, message", [
    ("canary:4,wave1:10%,rest:20", "staged_rollout_stages cover 24 of 40 selected devices: 16 are in no stage"),
    ("canary:4,wave1:ten%,rest:100%", "staged_rollout_stages: stage #2 'wave1:ten%'"),
])
def test_bad_stages_are_refused_before_any_platform_call(run_playbook, emulator, dirs, stages, message):
    emulator.control("DELETE", "requests")
    result = rollout(run_playbook, emulator, dirs, "it-bad-stages", expect_rc=2, staged_rollout_stages=stages)
    assert message in result.stdout
    assert [entry for entry in emulator.requests() if entry["platform"] != "control"] == []


def test_the_events_reach_a_webhook_with_the_example_playbook(run_playbook, emulator, dirs):
    """playbooks/rollout_events_webhook.yml posts each JSON line of the events file, in order."""
    import http.server
    import threading

    received = []

    class Hook(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (the http.server method name)
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    rollout(run_playbook, emulator, dirs, "it-events", staged_rollout_stages="canary:4,rest:100%")
    server = http.server.HTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        run_playbook(os.path.join(os.path.dirname(os.path.dirname(HERE)), "playbooks", "rollout_events_webhook.yml"),
                     extra_vars={"rollout_id": "it-events", "report_dir": dirs["staged_rollout_report_dir"],
                                 "webhook_url": "http://127.0.0.1:%d/hook" % server.server_port, "after_seq": 1})
    finally:
        server.shutdown()
    assert [(event["seq"], event["event"], event.get("wave")) for event in received] == [
        (2, "wave_passed", "canary"), (3, "wave_started", "rest"), (4, "wave_passed", "rest"), (5, "completed", None)]
