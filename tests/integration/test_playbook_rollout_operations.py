"""Integration tests of the rollout operations of issue 16 (docs/staged_rollout.md, "Windows, schedules and pace",
"Verified outcomes and the health gate", "Operator verbs") with real ansible-playbook against the emulator.

Small fleets of the demo fleet's Tencent sensors (Tencent has a cancel call), from inventories written per test so
that devices carry their own host variables (``iot_maintenance_window``). What the platform received is read from the
emulator (request log: creates, cancels and their times; state: each task's devices and when they finished), what
the role says from ``staged_rollout_result`` (the CUSTOM STATS line of the default callback), the journal and the
report files.
"""
import json
import os
import signal
import time

import pytest

from test_playbook_rollout import PLAYBOOK, env_of, read_json, start_playbook, state_of, wait_for

pytestmark = pytest.mark.integration

CREATE = "BatchUpdateFirmware"
CANCEL = "UpdateOtaTaskStatus"
# the version reads of Tencent devices (plan-time refresh and the read-back after a wave)
VERSION_READS = ("GetDeviceList", "DescribeDevice", "DescribeDeviceFirmwares")
FAST = dict(staged_rollout_poll_seconds=1, staged_rollout_min_finished=1)


@pytest.fixture
def dirs(tmp_path):
    return {"staged_rollout_state_dir": str(tmp_path / "state"), "staged_rollout_report_dir": str(tmp_path / "reports")}


def sensors(first, last):
    return ["tc-sensor-%04d" % number for number in range(first, last + 1)]


def write_inventory(path, hosts):
    """An inventory of Tencent sensors: ``{name: {host vars}}`` (``iot_devices`` is the role's default group)."""
    inventory = {"all": {"children": {"iot_devices": {"children": {"sensors": None}},
                                      "sensors": {"hosts": dict((name, hosts[name] or None) for name in hosts),
                                                  "vars": {"iot_platform": "tencent", "iot_product_id": "TCPROD0001",
                                                           "iot_firmware_version": "1.0.0"}}}}}
    with open(str(path), "w") as handle:
        json.dump(inventory, handle)  # JSON is YAML
    return str(path)


def run(run_playbook, emulator, dirs, inventory, rollout_id, expect_rc=0, check=False, **extra):
    extra_vars = dict(dirs, staged_rollout_id=rollout_id, **FAST)
    extra_vars.update(extra)
    result = run_playbook(PLAYBOOK, extra_vars=extra_vars, env=env_of(emulator), inventory=[inventory],
                          expect_rc=expect_rc, check=check)
    result.outcome = outcome(result.stdout)
    return result


def outcome(stdout):
    """``staged_rollout_result`` as the run published it (set_stats, shown by the default callback)."""
    for line in reversed(stdout.splitlines()):
        if line.startswith("\tRUN: "):
            return json.loads(line[len("\tRUN: "):]).get("staged_rollout_result")
    return None


def creates(emulator):
    """The accepted creates in order: ``[(real time of the request, {device names}, task)]`` (the request log's
    creates paired with the emulator's tasks in the order of their ids)."""
    entries = [e for e in emulator.calls(platform="tencent", action=CREATE) if e["status"] == 200]
    tasks = emulator.state()["tencent"]["tasks"]
    assert len(entries) == len(tasks), (entries, [t["TaskId"] for t in tasks])
    return [(entry["time"], set(row["DeviceName"] for row in task["Devices"]), task)
            for entry, task in zip(entries, tasks)]


def created_devices(emulator):
    return sorted(row["DeviceName"] for task in emulator.state()["tencent"]["tasks"] for row in task["Devices"])


def utc_text(epoch):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def real_time(state, simulated):
    """The real time of a simulated instant (the emulator's clock runs time_scale times faster)."""
    clock = state["time"]
    return clock["real"] - (clock["simulated"] - simulated) / clock["time_scale"]


def finished_at(state, task):
    """When the last device of a task finished (real time), ``None`` while one is still moving."""
    if any(row["Status"] not in (5, 6, 10) for row in task["Devices"]):
        return None
    return real_time(state, max(row["LastProcessTime"] for row in task["Devices"]))


def task_devices_in_progress(state, task, at):
    """Devices of ``task`` not finished at real time ``at`` (the create answered before ``at``)."""
    return sum(1 for row in task["Devices"]
               if row["Status"] not in (5, 6, 10) or real_time(state, row["LastProcessTime"]) > at)


# ---- 1. maintenance windows -------------------------------------------------------------------------------------


WINDOW_VARS = dict(staged_rollout_stages="all:100%")


def closed_window_fleet(tmp_path):
    """Sensors 1-4 without a window; 5-8 with a window in Shanghai time (UTC+8, no daylight saving time) that opens
    at the full hour 3 hours from now and lasts 1 h: closed now, and the opening is farther away than
    staged_rollout_window_max_wait (1 h). Returns ``(inventory, hosts, window, opening epoch)``."""
    opens = (int(time.time() // 3600) + 3) * 3600
    closed = {"start": "0 %d * * *" % ((time.gmtime(opens).tm_hour + 8) % 24), "duration": "1h"}
    hosts = dict((name, {}) for name in sensors(1, 4))
    hosts.update((name, {"iot_maintenance_window": closed, "iot_timezone": "Asia/Shanghai"}) for name in sensors(5, 8))
    return write_inventory(tmp_path / "inv.json", hosts), hosts, closed, opens


def move_window_to_now(tmp_path, hosts):
    """The site moved the window of sensors 5-8: open now (from the full hour before now, for 2 h; UTC)."""
    moved = {"start": "0 %d * * *" % time.gmtime().tm_hour, "duration": "2h"}
    hosts.update((name, {"iot_maintenance_window": moved}) for name in sensors(5, 8))
    write_inventory(tmp_path / "inv.json", hosts)


def first_run_awaits_the_window(run_playbook, emulator, dirs, inventory, rollout_id, opens):
    first = run(run_playbook, emulator, dirs, inventory, rollout_id, **WINDOW_VARS)
    assert first.host()["failed"] == 0
    assert first.outcome["status"] == "awaiting_window"
    waiting = first.outcome["awaiting_window"]
    assert waiting["next_at"] == utc_text(opens) and waiting["not_dispatched"] == 4
    assert "maintenance window closed" in waiting["reason"]
    assert created_devices(emulator) == sensors(1, 4)          # the open devices went, the closed ones did not
    journal = state_of(dirs, rollout_id)
    assert journal["status"] == "awaiting_window" and journal["waves"]["all"]["status"] == "started"
    return first


def test_devices_outside_their_window_wait_for_a_later_run_and_are_sent_once(run_playbook, emulator, dirs, tmp_path):
    inventory, hosts, closed, opens = closed_window_fleet(tmp_path)
    checked = run(run_playbook, emulator, dirs, inventory, "it-window", check=True, **WINDOW_VARS)
    assert "window: 4 devices only inside %s for 1h (Asia/Shanghai)" % closed["start"] in checked.stdout
    assert [e for e in emulator.requests() if e.get("action") in (CREATE, CANCEL)] == []     # --check creates nothing

    first_run_awaits_the_window(run_playbook, emulator, dirs, inventory, "it-window", opens)
    # the next run is an AWX job on an empty disk (no journal): the wave is read back from the platform, and the
    # devices no task covers go now that their window is open (after the settle time of a partly created wave)
    for name in os.listdir(dirs["staged_rollout_state_dir"]):
        os.unlink(os.path.join(dirs["staged_rollout_state_dir"], name))
    move_window_to_now(tmp_path, hosts)
    second = run(run_playbook, emulator, dirs, inventory, "it-window", staged_rollout_settle_seconds=1,
                 **WINDOW_VARS)
    assert "Read back from the platforms: 1 tasks; waves all had started before this run." in second.stdout
    assert "Rollout it-window: COMPLETED" in second.stdout and second.outcome["status"] == "completed"
    made = creates(emulator)
    assert [sorted(devices) for dummy, devices, dummy in made] == [sensors(1, 4), sensors(5, 8)]
    assert created_devices(emulator) == sensors(1, 8)          # nothing created twice


def test_a_moved_window_applies_to_the_rest_of_a_started_wave(run_playbook, emulator, dirs, tmp_path):
    inventory, hosts, dummy, opens = closed_window_fleet(tmp_path)
    first_run_awaits_the_window(run_playbook, emulator, dirs, inventory, "it-window-moved", opens)
    move_window_to_now(tmp_path, hosts)
    second = run(run_playbook, emulator, dirs, inventory, "it-window-moved", **WINDOW_VARS)
    assert second.outcome["status"] == "completed", second.outcome.get("awaiting_window")
    made = creates(emulator)
    assert [sorted(devices) for dummy, devices, dummy in made] == [sensors(1, 4), sensors(5, 8)]


# ---- 2. ramp ----------------------------------------------------------------------------------------------------


def test_a_ramp_dispatches_growing_chunks_each_after_the_previous_finished(run_playbook, emulator, dirs, tmp_path):
    inventory = write_inventory(tmp_path / "inv.json", dict((name, {}) for name in sensors(1, 7)))
    result = run(run_playbook, emulator, dirs, inventory, "it-ramp", staged_rollout_stages="all:100%",
                 staged_rollout_ramp={"start": 1, "factor": 2})
    assert "Rollout it-ramp: COMPLETED" in result.stdout
    assert result.outcome["status"] == "completed"
    made = creates(emulator)
    assert [len(devices) for dummy, devices, dummy in made] == [1, 2, 4]
    assert set().union(*[devices for dummy, devices, dummy in made]) == set(sensors(1, 7))
    state = emulator.state()
    for (dummy, dummy, before), (at, dummy, dummy) in zip(made, made[1:]):
        ended = finished_at(state, before)
        assert ended is not None and at >= ended, "a ramp step was created before the previous step finished"
    journal = state_of(dirs, "it-ramp")
    assert [c["ramp_step"] for c in journal["waves"]["all"]["chunks"]] == [0, 1, 2]


# ---- 3. pace ----------------------------------------------------------------------------------------------------


def test_pace_caps_the_devices_upgrading_at_once(run_playbook, emulator, dirs, tmp_path):
    inventory = write_inventory(tmp_path / "inv.json", dict((name, {}) for name in sensors(1, 8)))
    result = run(run_playbook, emulator, dirs, inventory, "it-pace", staged_rollout_stages="all:100%",
                 staged_rollout_tencent_chunk_size=2, staged_rollout_max_in_progress={"tencent": 4})
    assert "Rollout it-pace: COMPLETED" in result.stdout
    made = creates(emulator)
    state = emulator.state()
    assert [len(devices) for dummy, devices, dummy in made] == [2, 2, 2, 2]
    for position, (at, devices, dummy) in enumerate(made):
        busy = sum(task_devices_in_progress(state, task, at) for dummy, dummy, task in made[:position])
        assert busy + len(devices) <= 4, "create #%d: %d devices upgrading, %d more" % (
            position + 1, busy, len(devices))
    # two tasks ran at once (the cap, not one task at a time), and the third waited for one of them
    assert made[1][0] < finished_at(state, made[0][2])
    assert made[2][0] >= min(finished_at(state, made[0][2]), finished_at(state, made[1][2]))


# ---- 4. stage schedule ------------------------------------------------------------------------------------------


def test_a_stage_past_its_end_dispatches_nothing_and_a_later_start_waits_then_runs(run_playbook, emulator, dirs,
                                                                                   tmp_path):
    inventory = write_inventory(tmp_path / "inv.json", dict((name, {}) for name in sensors(1, 4)))
    ended = [{"name": "all", "percent": 100, "end_at": utc_text(time.time() - 3600)}]
    first = run(run_playbook, emulator, dirs, inventory, "it-schedule", staged_rollout_stages=ended)
    assert first.outcome["status"] == "awaiting_window"
    assert "end_at" in first.outcome["awaiting_window"]["reason"]
    assert emulator.calls(platform="tencent", action=CREATE) == []

    start_at = time.time() + 5
    later = [{"name": "all", "percent": 100, "start_at": utc_text(start_at)}]
    second = run(run_playbook, emulator, dirs, inventory, "it-schedule", staged_rollout_stages=later)
    assert "Rollout it-schedule: COMPLETED" in second.stdout
    assert "the stage starts at %s" % utc_text(start_at) in second.stdout
    made = creates(emulator)
    assert len(made) == 1 and made[0][1] == set(sensors(1, 4))
    assert made[0][0] >= int(start_at)


# ---- 5. verified outcomes ---------------------------------------------------------------------------------------


def reads_after_first_create(emulator):
    """The Tencent version reads made after the wave's first create (the read-back, not the plan's refresh)."""
    log = emulator.calls(platform="tencent")
    first = min(e["seq"] for e in log if e.get("action") == CREATE)
    return [e for e in log if e["seq"] > first and e.get("action") in VERSION_READS]


def test_devices_that_say_success_but_keep_their_version_count_as_failed(run_playbook, emulator, dirs, tmp_path):
    # the emulator's stale devices: their task rows end in success, their version stays 1.0.0
    stale = ["tc-sensor-0001", "tc-sensor-0002"]
    inventory = write_inventory(tmp_path / "inv.json", dict((name, {}) for name in sensors(1, 6)))
    emulator.behaviour(stale_versions=stale)
    result = run(run_playbook, emulator, dirs, inventory, "it-verify", expect_rc=2, staged_rollout_stages="all:100%")
    assert "Rollout it-verify ABORTED in wave all" in result.stdout
    assert "versions read back from 6 devices, 2 not on the target version" in result.stdout
    assert result.outcome["status"] == "aborted"
    assert "after the version read-back (2 devices report another version)" in result.outcome["abort"]["reason"]
    tasks = emulator.state()["tencent"]["tasks"]
    assert len(tasks) == 1 and all(row["Status"] == 6 for row in tasks[0]["Devices"])   # the platform: all success
    assert reads_after_first_create(emulator), "the versions were not read back"
    report = read_json(os.path.join(dirs["staged_rollout_report_dir"], "it-verify-report.json"))
    wave = report["waves"][0]
    assert sorted(f["device"] for f in wave["failed_devices"]) == stale
    for failure in wave["failed_devices"]:
        assert failure["task_status"] == "success" and failure["reported_version"] == "1.0.0"
    journal = state_of(dirs, "it-verify")
    assert journal["waves"]["all"]["verified"]["mismatched"] == 2
    assert journal["waves"]["all"]["verified"]["checked"] == 6
    csv = open(os.path.join(dirs["staged_rollout_report_dir"], "it-verify-report-failed.csv")).read()
    assert all(",%s," % device in csv for device in stale)

    # without the read-back the task's word stands: nothing is read after the create, the wave passes
    emulator.control("POST", "reset")
    emulator.behaviour(stale_versions=stale)
    trusted = run(run_playbook, emulator, dirs, inventory, "it-verify-off", staged_rollout_stages="all:100%",
                  staged_rollout_verify_versions=False)
    assert "Rollout it-verify-off: COMPLETED" in trusted.stdout
    assert trusted.outcome["totals"]["succeeded"] == 6
    assert emulator.calls(platform="tencent", action=CREATE)
    assert reads_after_first_create(emulator) == []
    assert "verified" not in state_of(dirs, "it-verify-off")["waves"]["all"]


# ---- 6. health gate ---------------------------------------------------------------------------------------------

HEALTH_STAGES = "canary:2,wave1:100%"


def health_file(tmp_path, verdict_tasks):
    """A health-check task file; it also notes each check (wave, number, time) in ``checks.log``."""
    log = str(tmp_path / "checks.log")
    tasks = [
        {"name": "Count the checks", "ansible.builtin.set_fact": {
            "health_checks": "{{ (health_checks | default(0) | int) + 1 }}"}},
        {"name": "Note the check", "ansible.builtin.lineinfile": {
            "path": log, "create": True, "mode": "0600",
            "line": "{{ staged_rollout_health_wave }} {{ health_checks }} {{ now(utc=true).timestamp() }}"}},
    ] + verdict_tasks
    path = tmp_path / "health.yml"
    with open(str(path), "w") as handle:
        json.dump(tasks, handle)
    return str(path), log


def checks_of(log):
    if not os.path.exists(log):
        return []
    return [(wave, int(number), float(at)) for wave, number, at in (line.split() for line in open(log))]


def events_of(dirs, rollout_id):
    path = os.path.join(dirs["staged_rollout_report_dir"], "%s-events.jsonl" % rollout_id)
    return [json.loads(line) for line in open(path)]


def test_a_health_check_that_says_abort_stops_the_rollout_after_the_wave(run_playbook, emulator, dirs, tmp_path):
    inventory = write_inventory(tmp_path / "inv.json", dict((name, {}) for name in sensors(1, 6)))
    tasks, log = health_file(tmp_path, [{"name": "Verdict", "ansible.builtin.set_fact": {
        "staged_rollout_health": "{{ 'abort' if staged_rollout_health_wave == 'canary' else 'pass' }}",
        "staged_rollout_health_reason": "error rate 3.2 on {{ staged_rollout_health_wave }}"}}])
    result = run(run_playbook, emulator, dirs, inventory, "it-health-abort", expect_rc=2,
                 staged_rollout_stages=HEALTH_STAGES, staged_rollout_health_tasks=tasks)
    assert "Rollout it-health-abort ABORTED in wave canary: health check: error rate 3.2 on canary" in result.stdout
    assert result.outcome["status"] == "aborted"
    assert result.outcome["abort"]["reason"] == "health check: error rate 3.2 on canary"
    assert [wave for wave, dummy, dummy in checks_of(log)] == ["canary"]
    made = creates(emulator)
    assert len(made) == 1 and len(made[0][1]) == 2                   # the canary's task; wave1 never created
    journal = state_of(dirs, "it-health-abort")
    assert list(journal["waves"]) == ["canary"] and journal["waves"]["canary"]["status"] == "aborted"
    assert journal["waves"]["canary"]["health"]["decision"] == "abort"


def test_a_health_check_that_says_wait_is_asked_again_and_its_pass_goes_on(run_playbook, emulator, dirs, tmp_path):
    inventory = write_inventory(tmp_path / "inv.json", dict((name, {}) for name in sensors(1, 6)))
    tasks, log = health_file(tmp_path, [{"name": "Verdict", "ansible.builtin.set_fact": {
        "staged_rollout_health": "{{ 'wait' if health_checks | int == 1 else 'pass' }}",
        "staged_rollout_health_reason": "check {{ health_checks }}"}}])
    result = run(run_playbook, emulator, dirs, inventory, "it-health-wait", staged_rollout_stages=HEALTH_STAGES,
                 staged_rollout_health_tasks=tasks, staged_rollout_health_wait_seconds=1)
    assert "Rollout it-health-wait: COMPLETED" in result.stdout and result.outcome["status"] == "completed"
    checks = checks_of(log)
    assert [(wave, number) for wave, number, dummy in checks] == [("canary", 1), ("canary", 2), ("wave1", 3)]
    made = creates(emulator)
    assert len(made) == 2 and len(made[0][1]) == 2 and len(made[1][1]) == 4
    assert made[1][0] > checks[1][2], "wave1 was created before the health check of canary passed"
    journal = state_of(dirs, "it-health-wait")
    assert journal["waves"]["canary"]["health"]["decision"] == "pass"
    assert journal["waves"]["canary"]["health"]["checks"] == 2
    verdicts = [(e["wave"], e["decision"]) for e in events_of(dirs, "it-health-wait") if e["event"] == "health_checked"]
    assert verdicts == [("canary", "wait"), ("canary", "pass"), ("wave1", "pass")]


def test_a_health_check_that_sets_no_verdict_fails_naming_the_variable(run_playbook, emulator, dirs, tmp_path):
    inventory = write_inventory(tmp_path / "inv.json", dict((name, {}) for name in sensors(1, 6)))
    tasks, log = health_file(tmp_path, [{"name": "Forget the verdict", "ansible.builtin.debug": {"msg": "no verdict"}}])
    result = run(run_playbook, emulator, dirs, inventory, "it-health-none", expect_rc=2,
                 staged_rollout_stages=HEALTH_STAGES, staged_rollout_health_tasks=tasks)
    assert "staged_rollout_health must be one of" in result.stdout
    assert "after the health-check tasks of wave canary" in result.stdout
    assert [wave for wave, dummy, dummy in checks_of(log)] == ["canary"]
    assert len(creates(emulator)) == 1                              # wave1 never created
    assert "wave1" not in state_of(dirs, "it-health-none")["waves"]


# ---- 7. operator verbs ------------------------------------------------------------------------------------------


def platform_calls(emulator):
    return [e for e in emulator.requests() if e["platform"] != "control"]


def test_pause_holds_every_run_until_resume(run_playbook, emulator, dirs, tmp_path):
    inventory = write_inventory(tmp_path / "inv.json", dict((name, {}) for name in sensors(1, 4)))
    stages = dict(staged_rollout_stages="canary:2,rest:100%")
    paused = run(run_playbook, emulator, dirs, inventory, "it-pause", staged_rollout_command="pause", **stages)
    assert paused.outcome["status"] == "paused" and paused.host()["failed"] == 0
    assert platform_calls(emulator) == []                            # the verb itself asks the platform nothing
    assert os.path.exists(os.path.join(dirs["staged_rollout_state_dir"], "it-pause.command.json"))

    held = run(run_playbook, emulator, dirs, inventory, "it-pause", **stages)
    assert held.host()["failed"] == 0 and held.outcome["status"] == "paused"
    assert "staged_rollout_command=resume" in held.outcome["next_step"]
    assert emulator.calls(platform="tencent", action=CREATE) == []

    resumed = run(run_playbook, emulator, dirs, inventory, "it-pause", staged_rollout_command="resume", **stages)
    assert "Rollout it-pause: COMPLETED" in resumed.stdout and resumed.outcome["status"] == "completed"
    assert created_devices(emulator) == sensors(1, 4)
    assert not os.path.exists(os.path.join(dirs["staged_rollout_state_dir"], "it-pause.command.json"))


STOP_STAGES = dict(staged_rollout_stages="canary:4,rest:100%", staged_rollout_tencent_chunk_size=2)


def stop_a_live_run(run_playbook, emulator, dirs, tmp_path, rollout_id):
    """A live run on a slow fleet (one upgrade takes 45 to 75 s; the canary is two tasks of two sensors), stopped
    by a second ansible-playbook with staged_rollout_command=stop once the canary's tasks exist.
    Returns ``(stop play, live run's rc, live run's output, inventory)``."""
    emulator.behaviour(time_scale=5)
    inventory = write_inventory(tmp_path / "inv.json", dict((name, {}) for name in sensors(1, 8)))
    live = start_playbook(emulator, dirs, rollout_id, tmp_path, inventories=[inventory], **dict(FAST, **STOP_STAGES))
    try:
        wait_for(lambda: len(emulator.calls(platform="tencent", action=CREATE)) == 2, live, timeout=60)
        stop = run(run_playbook, emulator, dirs, inventory, rollout_id, staged_rollout_command="stop", **STOP_STAGES)
        live.wait(timeout=60)
    finally:
        if live.poll() is None:
            os.killpg(live.pid, signal.SIGKILL)
            live.wait()
    with open(live.log_path) as log:
        return stop, live.returncode, log.read(), inventory


def test_stop_cancels_the_running_wave_of_a_live_run(run_playbook, emulator, dirs, tmp_path):
    stop, rc, output, dummy = stop_a_live_run(run_playbook, emulator, dirs, tmp_path, "it-stop")
    # the stop play does not fail; the live run carries the stop out at its next poll round and ends aborted (its
    # play fails like any aborted rollout's: staged_rollout_fail_on_abort)
    assert stop.host()["failed"] == 0 and stop.outcome["status"] == "stop_requested"
    assert "Rollout it-stop ABORTED in wave canary: stopped by the operator" in output, output[-3000:]
    assert rc == 2
    journal = state_of(dirs, "it-stop")
    assert journal["status"] == "aborted" and "stopped by the operator" in journal["abort"]["reason"]
    assert list(journal["waves"]) == ["canary"]
    tasks = emulator.state()["tencent"]["tasks"]
    assert len(tasks) == 2 and all(task["Status"] == 6 for task in tasks)    # both cancelled on the platform
    cancels = emulator.calls(platform="tencent", action=CANCEL)
    assert len(cancels) == 2 and all(e["status"] == 200 for e in cancels)
    assert sorted(journal["waves"]["canary"]["cancelled"]) == sorted(task["TaskId"] for task in tasks)
    assert len(emulator.calls(platform="tencent", action=CREATE)) == 2          # the rest never created


def test_after_a_stop_carried_out_by_a_live_run_the_rollout_can_go_on(run_playbook, emulator, dirs, tmp_path):
    dummy, rc, output, inventory = stop_a_live_run(run_playbook, emulator, dirs, tmp_path, "it-stop-go")
    assert rc == 2 and "stopped by the operator" in output
    # the stop was carried out: it does not stand for later runs
    assert not os.path.exists(os.path.join(dirs["staged_rollout_state_dir"], "it-stop-go.command.json"))
    # the operator accepts the stopped canary as it ended and goes on with the rest
    emulator.behaviour(time_scale=300)
    resumed = run(run_playbook, emulator, dirs, inventory, "it-stop-go", staged_rollout_resume_aborted=True,
                  expect_rc=None, **STOP_STAGES)
    assert resumed.outcome["status"] == "completed", resumed.outcome.get("abort")
    assert resumed.rc == 0
    assert created_devices(emulator) == sensors(1, 8)                # the rest created, the canary not again
    assert len(emulator.calls(platform="tencent", action=CREATE)) == 4
