"""The state machine's operations: the health gate, operator verbs (pause, resume, advance, stop), awaiting a window,
and the version read-back's decisions (plugin_utils/_engine/machine.py, commands.py, verify.py)."""
import os

import pytest

from ansible_collections.iotfleet.firmware.plugins.module_utils._provider import Progress
from ansible_collections.iotfleet.firmware.plugins.plugin_utils import _rollout as rollout
from ansible_collections.iotfleet.firmware.plugins.plugin_utils._engine import commands, machine, state, verify

from kit.clock import Clock

TARGETS = {"tencent_firmware_version": "2.0.0", "tencent_fw_type": "mcu"}
OWNER = {"pid": os.getpid(), "started": None, "host": None}
GATE = rollout.normalize_gate({"approval": False})
START = rollout.parse_utc("2026-12-01T12:00:00Z")


def plan_wave(name, index, action="run", approval=False):
    return {"name": name, "index": index, "action": action, "gate": dict(GATE, approval=approval), "skipped": 0,
            "chunks": [{"key": "%s/tencent/P/1" % name, "platform": "tencent", "product_id": "P",
                        "devices": ["%s-1" % name], "task_id": None}]}


class ScriptedRun(machine.RolloutRun):
    """The machine with its waves' outcomes scripted (the wave driver is tested on its own, with exact calls)."""

    def __init__(self, store, waves, outcomes, clock, **options):
        made = {"plan": {"rollout_id": "r1", "waves": waves, "resume": {"mode": "new"}}, "targets": TARGETS,
                "devices": [], "args": {}}
        super(ScriptedRun, self).__init__(store, made, None, {}, options, sleep=clock.sleep, clock=clock.time)
        self.outcomes = list(outcomes)
        self.lines = []
        self.display = self.lines.append

    def read_back(self):
        return []

    def run_wave(self, wave):
        outcome = self.outcomes.pop(0)
        spec = dict((k, wave.get(k)) for k in ("name", "index", "gate", "skipped", "chunks"))
        self.event("wave_started", {"wave": spec})
        if outcome == "passed":
            result = {"decision": "pass", "reason": "ok", "summary": None}
            self.event("wave_passed", {"wave": wave["name"], "result": result})
        return {"status": outcome}


@pytest.fixture
def store(tmp_path):
    return state.StateStore(str(tmp_path / "r1.json"), "r1", owner=OWNER)


def test_a_passed_wave_waits_for_its_health_verdict_then_goes_on(store):
    clock = Clock(start=START)
    waves = [plan_wave("canary", 1), plan_wave("rest", 2)]
    first = ScriptedRun(store, waves, ["passed"], clock, health_check=True)
    assert first.run() == (rollout.ROLLOUT_AWAITING_HEALTH, "canary")
    assert store.load()["awaiting_health"]["wave"] == "canary"

    waves = [dict(plan_wave("canary", 1), action="skip"), plan_wave("rest", 2)]
    second = ScriptedRun(store, waves, ["passed"], clock, health_check=True,
                         health_result={"wave": "canary", "decision": "PASS", "reason": "p99 fine"})
    assert second.run() == (rollout.ROLLOUT_AWAITING_HEALTH, "rest")
    record = store.load()["waves"]["canary"]["health"]
    assert record["decision"] == "pass" and record["reason"] == "p99 fine"


def test_an_abort_verdict_aborts_the_wave_and_the_rollout(store):
    clock = Clock(start=START)
    ScriptedRun(store, [plan_wave("canary", 1)], ["passed"], clock, health_check=True).run()
    run = ScriptedRun(store, [dict(plan_wave("canary", 1), action="skip"), plan_wave("rest", 2)], [], clock,
                      health_check=True, health_result={"wave": "canary", "decision": "abort", "reason": "errors up"})
    assert run.run() == (rollout.ROLLOUT_ABORTED, "canary")
    saved = store.load()
    assert saved["status"] == "aborted" and saved["waves"]["canary"]["status"] == "aborted"
    assert saved["abort"]["reason"] == "health check: errors up"


def test_wait_asks_again_after_the_wait_and_aborts_at_the_health_timeout(store):
    clock = Clock(start=START)
    ScriptedRun(store, [plan_wave("canary", 1)], ["passed"], clock, health_check=True).run()
    waves = [dict(plan_wave("canary", 1), action="skip")]
    run = ScriptedRun(store, waves, [], clock, health_check=True, health_wait_seconds=60, health_timeout=100,
                      health_result={"wave": "canary", "decision": "wait"})
    assert run.run() == (rollout.ROLLOUT_AWAITING_HEALTH, "canary") and clock.sleeps == [60]
    run = ScriptedRun(store, waves, [], clock, health_check=True, health_wait_seconds=60, health_timeout=100,
                      health_result={"wave": "canary", "decision": "wait"})
    assert run.run() == (rollout.ROLLOUT_AWAITING_HEALTH, "canary") and clock.sleeps == [60, 60]  # 60 s < 100 s
    run = ScriptedRun(store, waves, [], clock, health_check=True, health_wait_seconds=60, health_timeout=100,
                      health_result={"wave": "canary", "decision": "wait", "reason": "alerts firing"})
    assert run.run() == (rollout.ROLLOUT_ABORTED, "canary")  # 120 s after the gate passed >= 100 s
    assert "no pass within staged_rollout_health_timeout (100 s); last: wait (alerts firing)" in \
        store.load()["abort"]["reason"]


def test_a_verdict_that_is_not_pass_abort_or_wait_names_the_variable(store):
    clock = Clock(start=START)
    ScriptedRun(store, [plan_wave("canary", 1)], ["passed"], clock, health_check=True).run()
    run = ScriptedRun(store, [dict(plan_wave("canary", 1), action="skip")], [], clock, health_check=True,
                      health_result={"wave": "canary", "decision": "ok"})
    with pytest.raises(rollout.RolloutError, match="staged_rollout_health must be one of pass, abort, wait .* 'ok'"):
        run.run()


def test_pause_holds_every_wave_until_resume_and_advance_approves_the_next_gated_wave(tmp_path, store):
    path = commands.command_path(store.path)
    commands.write_command(path, "pause", "test")
    watch = commands.CommandWatch(path)
    clock = Clock(start=START)
    run = ScriptedRun(store, [plan_wave("canary", 1)], [], clock, watch=watch.current)
    assert run.run() == (rollout.ROLLOUT_PAUSED, "canary") and store.load()["status"] == "paused"
    commands.clear_command(path)
    waves = [plan_wave("canary", 1, approval=True), plan_wave("rest", 2, approval=True)]
    run = ScriptedRun(store, waves, ["passed"], clock, watch=watch.current, advance=True)
    assert run.run() == (rollout.ROLLOUT_AWAITING_APPROVAL, "rest")  # advance approved one wave, not two
    assert store.load()["approvals"][0]["by"] == "staged_rollout_command=advance"


def test_stop_between_waves_ends_the_rollout_aborted_without_starting_one(store):
    path = commands.command_path(store.path)
    commands.write_command(path, "stop", "test")
    run = ScriptedRun(store, [plan_wave("canary", 1)], [], Clock(start=START),
                      watch=commands.CommandWatch(path).current)
    assert run.run() == (rollout.ROLLOUT_ABORTED, "canary")
    saved = store.load()
    assert saved["status"] == "aborted" and "stopped by the operator" in saved["abort"]["reason"]
    assert saved["waves"] == {}


def test_the_command_file_is_checked_and_named_in_errors(tmp_path):
    path = str(tmp_path / "r1.command.json")
    with open(path, "w") as handle:
        handle.write('{"command": "explode"}')
    with pytest.raises(rollout.RolloutError, match="r1.command.json holds .* not one of pause, stop"):
        commands.read_command(path)
    with pytest.raises(rollout.RolloutError, match="staged_rollout_command must be one of run, pause"):
        commands.check_command("halt", {})
    with pytest.raises(rollout.RolloutError, match="advance is not accepted in an AWX workflow"):
        commands.check_command("advance", {"workflow_job_id": 9})
    assert commands.command_path("/s/r1.json") == "/s/r1.command.json"


def test_awaiting_window_keeps_the_wave_started_and_a_later_start_resumes(store):
    start, dummy = rollout.apply_event(None, "start", {"rollout_id": "r1", "targets": TARGETS}, "t0")
    started, dummy = rollout.apply_event(start, "wave_started", {"wave": plan_wave("canary", 1)}, "t1")
    waiting, dummy = rollout.apply_event(started, "awaiting_window", {
        "wave": "canary", "next_at": "2026-12-02T02:00:00Z", "reason": "2 devices wait", "not_dispatched": 2}, "t2")
    assert waiting["status"] == "awaiting_window" and waiting["waves"]["canary"]["status"] == "started"
    assert waiting["awaiting_window"]["next_at"] == "2026-12-02T02:00:00Z"
    again, dummy = rollout.apply_event(waiting, "start", {"rollout_id": "r1", "targets": TARGETS}, "t3")
    assert again["status"] == "running"


def done(task_id, succeeded, failed=0):
    return Progress(task_id=task_id, counts={}, summary={"total": succeeded + failed, "succeeded": succeeded,
                                                         "failed": failed, "in_progress": 0}, done=True)


def test_the_read_back_counts_a_device_on_another_version_as_failed_and_an_absent_version_as_unverified():
    chunks = [{"key": "w/tencent/P/1", "platform": "tencent", "product_id": "P", "devices": ["a", "b", "c", "d"],
               "task_id": 7, "busy": {"d": 3}}]
    failures = [{"platform": "tencent", "product_id": "P", "device": "c", "detail": "download failed"}]
    assert verify.succeeded_devices(chunks, {7: done(7, 2, 1)}, failures) == {("tencent", "P"): ["a", "b"]}
    assert verify.succeeded_devices(chunks, {}, failures) == {}  # a task not finished is not judged

    asked = []

    class Versions:
        def device_versions(self, devices, work=None):
            asked.append((tuple(devices), work))
            return {"a": "1.0.0"}  # b: no version returned

    out = verify.verify(chunks, {7: done(7, 2, 1)}, failures, lambda platform, product: Versions(),
                        {"w/tencent/P/1": {"work": 1}}, TARGETS)
    assert asked == [(("a", "b"), {"work": 1})]
    assert out["checked"] == 1 and out["unverified"] == 1  # checked: devices whose version was read
    assert out["mismatched"] == [{"platform": "tencent", "product_id": "P", "device": "a", "task_status": "success",
                                  "reported_version": "1.0.0", "detail": "the task reports success but the device "
                                  "reports version 1.0.0 (target 2.0.0)"}]
    moved = verify.adjusted_summary({"total": 4, "succeeded": 2, "failed": 1, "in_progress": 1}, out["mismatched"])
    assert (moved["succeeded"], moved["failed"]) == (1, 2)
