"""The generic module bodies against a scripted fake provider: every test lists the exact contract calls."""
from urllib.parse import quote, quote_plus

from module_body_fakes import (  # tests/unit/plugins/module_utils/_module/module_body_fakes.py
    NO_CANCEL, SECRET, progress, run_body, task)

from kit.calls import ANY
from kit.clock import Clock
from kit.providers import Step, lookup

from ansible_collections.iotfleet.firmware.plugins.module_utils._errors import IoTError
from ansible_collections.iotfleet.firmware.plugins.module_utils._module.firmware_task import run_firmware_task
from ansible_collections.iotfleet.firmware.plugins.module_utils._module.firmware_task_info import (
    run_firmware_task_info)
from ansible_collections.iotfleet.firmware.plugins.module_utils._provider import ValidationError

DEVICES = ["dev-1", "dev-2"]
ARGS = {"devices": DEVICES, "secret": SECRET}
START = [Step("validate"), Step("prepare")]
LOST = IoTError("No answer within 3 s", code="ReadTimeout", call="Fake POST /tasks", retryable=True,
                maybe_committed=True)


def run_task(script, capsys, args=None, clock=None, **kwargs):
    clock = clock or Clock(start=1000.0)
    return run_body(run_firmware_task, script, dict(ARGS, **(args or {})), capsys, clock=clock, sleep=clock.sleep,
                    **kwargs)


# ---- validation ------------------------------------------------------------------------------------------

def test_validation_errors_of_provider_and_wait_options_fail_before_any_request(capsys):
    script = [Step("validate", raises=ValidationError(["devices must not be empty"]))]
    result, provider, _out = run_task(script, capsys, {"wait_sleep": 0})
    assert result["failed"]
    assert result["msg"] == "Invalid options: wait_sleep must be at least 1 second, got 0; devices must not be empty"
    assert result["errors"] == ["wait_sleep must be at least 1 second, got 0", "devices must not be empty"]
    assert result["api_calls"] == 0
    assert provider.calls == [("validate", ())]


def test_own_range_errors_fail_even_when_the_provider_accepts(capsys):
    result, provider, _out = run_task([Step("validate")], capsys, {"reconcile_timeout": -1})
    assert result["failed"] and result["errors"] == ["reconcile_timeout must be at least 0 seconds, got -1"]
    assert "exception" not in result


def test_connection_errors_of_the_factory_fail_as_invalid_options(capsys):
    def factory(params, on_secret):
        raise ValidationError(["secret must not be empty"])

    result, provider, _out = run_body(run_firmware_task, [], ARGS, capsys, factory=factory)
    assert provider is None and result["failed"] and result["msg"] == "Invalid options: secret must not be empty"
    assert result["errors"] == ["secret must not be empty"] and result["api_calls"] == 0


# ---- present: decide -------------------------------------------------------------------------------------

def test_adopts_the_newest_same_task_without_change(capsys):
    same = [task("T2", matched_by="rows"), task("T1")]
    script = START + [Step("find", [ANY, ()], returns=lookup(same=same, remaining=[], seen=["T1", "T2"])),
                      Step("progress", [["T2"], False], returns={"T2": progress("T2", succeeded=1, in_progress=1)})]
    result, provider, _out = run_task(script, capsys, diff=True)
    assert not result["changed"] and not result["created"] and not result["reconciled"]
    assert result["task_id"] == "T2" and result["matched_by"] == "rows" and result["task_ids"] == ["T2", "T1"]
    assert result["task"] == {"id": "T2", "status": "processing"}
    assert result["counts"] == {"success": 1, "fail": 0, "processing": 1}
    assert result["summary"]["succeeded"] == 1 and result["summary"]["success_percent"] == 50.0
    assert result["diff"]["before"] == result["diff"]["after"] == provider.task_view(same[0])
    assert "request" not in result
    assert result["api_calls"] == 2 and result["throttle_waits"] == 0


def test_check_mode_adopts_without_waiting_and_platform_keys_are_merged(capsys):
    found = lookup(same=[task("T1")], remaining=[], extra_result={"marker": "abc123", "task_ids": ["bogus"]})
    script = START + [Step("find", [ANY, ()], returns=found),
                      Step("progress", [["T1"], False], returns={"T1": progress("T1")})]
    result, _provider, _out = run_task(script, capsys, {"wait": True}, check=True)
    assert not result["changed"] and result["task_id"] == "T1"
    assert result["wait"] == {"status": "processing", "elapsed": 0, "timed_out": False, "polls": 0, "skipped": True}
    assert result["marker"] == "abc123" and result["task_ids"] == ["T1"]


def test_group_targeting_adopts_same_when_remaining_is_unknown(capsys):
    script = START + [Step("find", [ANY, ()], returns=lookup(same=[task("G1", devices=())], remaining=None)),
                      Step("progress", [["G1"], False], returns={"G1": progress("G1")})]
    result, _provider, _out = run_task(script, capsys)
    assert not result["changed"] and result["task_id"] == "G1"
    assert "diff" not in result  # not in diff mode


def test_all_devices_up_to_date_is_no_change_and_reads_nothing_more(capsys):
    script = START + [Step("find", [ANY, ()], returns=lookup(up_to_date=DEVICES, remaining=[]))]
    result, _provider, _out = run_task(script, capsys, {"wait": True})
    assert not result["changed"] and result["task_id"] is None and result["task"] == {}
    assert result["up_to_date_devices"] == DEVICES and result["task_ids"] == [] and result["busy_devices"] == {}
    assert result["summary"]["total"] == 0 and result["counts"] == {}
    assert result["wait"] == {"status": None, "elapsed": 0, "timed_out": False, "polls": 0}


def test_busy_devices_fail_naming_devices_and_task_and_nothing_is_created(capsys):
    script = START + [Step("find", [ANY, ()],
                           returns=lookup(busy={"dev-2": "T9"}, remaining=["dev-1"], seen=["T9"]))]
    result, _provider, _out = run_task(script, capsys)
    assert result["failed"] and result["busy_devices"] == {"dev-2": "T9"}
    assert "dev-2 in active task T9 that is not provably this work" in result["msg"]
    assert "wait for it or stop it" in result["msg"] and "(dev-1)" in result["msg"]
    assert result["api_calls"] == 1


def test_a_same_task_covering_everything_is_adopted_even_with_busy_devices(capsys):
    script = START + [Step("find", [ANY, ()], returns=lookup(same=[task("T1")], busy={"dev-1": "T9"})),
                      Step("progress", [["T1"], False], returns={"T1": progress("T1")})]
    result, provider, _out = run_task(script, capsys)
    assert not result["changed"] and result["task_id"] == "T1" and result["busy_devices"] == {"dev-1": "T9"}
    assert provider.warned == ["Task T1 is this work and is returned; device(s) dev-1 in active task T9 that is not "
                               "provably this work (Fake IoT) as well."]


def test_creates_for_the_remaining_devices_only(capsys):
    created = task("T5", devices=["dev-2"], status="wait")
    script = START + [Step("find", [ANY, ()], returns=lookup(up_to_date=["dev-1"], remaining=["dev-2"])),
                      Step("create", [["dev-2"]], returns="T5"),
                      Step("get", ["T5"], returns=created),
                      Step("progress", [["T5"], False], returns={"T5": progress("T5", in_progress=1)})]
    result, provider, _out = run_task(script, capsys, diff=True)
    assert result["changed"] and result["created"] and not result["reconciled"] and result["matched_by"] is None
    assert result["task_id"] == "T5" and result["task_ids"] == ["T5"] and result["up_to_date_devices"] == ["dev-1"]
    assert result["request"] == {"Package": "fw-2.0.0", "Devices": ["dev-2"]}
    assert result["diff"]["before"] == {} and result["diff"]["after"] == provider.task_view(created)
    assert result["api_calls"] == 4 and provider.warned == []


def test_devices_left_beside_a_same_task_get_one_more_task(capsys):
    found = lookup(same=[task("T1", devices=["dev-1"])], remaining=["dev-2"], seen=["T1"])
    script = START + [Step("find", [ANY, ()], returns=found),
                      Step("create", [["dev-2"]], returns="T6"),
                      Step("get", ["T6"], returns=None),
                      Step("progress", [["T6"], False], returns={"T6": progress("T6", in_progress=1)})]
    result, _provider, _out = run_task(script, capsys)
    assert result["changed"] and result["created"] and result["task_id"] == "T6"
    assert result["task_ids"] == ["T1", "T6"] and result["task"] == {}


def test_check_mode_sends_no_create_and_shows_the_diff(capsys):
    script = START + [Step("find", [ANY, ()], returns=lookup(remaining=DEVICES))]
    result, _provider, _out = run_task(script, capsys, {"wait": True}, check=True, diff=True)
    assert result["changed"] and not result["created"] and result["task_id"] is None
    assert result["request"] == {"Package": "fw-2.0.0", "Devices": DEVICES}
    assert result["diff"]["before"] == {} and result["diff"]["after"] == {"package": "fw-2.0.0", "devices": DEVICES}
    assert result["wait"]["skipped"] and result["api_calls"] == 1


def test_plain_error_of_the_create_is_not_reconciled(capsys):
    refused = IoTError("Package does not fit the devices", code="123016", http_status=400,
                       call="Fake POST /tasks")
    script = START + [Step("find", [ANY, ()], returns=lookup(remaining=DEVICES)),
                      Step("create", [DEVICES], raises=refused)]
    result, _provider, _out = run_task(script, capsys)
    assert result["failed"] and result["msg"] == "Package does not fit the devices"
    assert result["error_code"] == "123016" and result["http_status"] == 400 and result["call"] == "Fake POST /tasks"


# ---- present: lost answers -------------------------------------------------------------------------------

def test_lost_answer_is_found_on_the_third_lookup_and_adopted(capsys):
    clock = Clock(start=1000.0)
    found = task("T7", matched_by="targets", status="wait")
    script = START + [Step("find", [ANY, ()], returns=lookup(remaining=DEVICES, seen=["T0"])),
                      Step("create", [DEVICES], raises=LOST),
                      Step("find", [ANY, ("T0",)], returns=lookup(remaining=DEVICES)),
                      Step("find", [ANY, ("T0",)], returns=lookup(remaining=DEVICES)),
                      Step("find", [ANY, ("T0",)], returns=lookup(same=[found], remaining=[])),
                      Step("progress", [["T7"], False], returns={"T7": progress("T7")})]
    result, provider, _out = run_task(script, capsys, clock=clock)
    assert result["changed"] and result["reconciled"] and not result["created"]
    assert result["task_id"] == "T7" and result["matched_by"] == "targets" and result["task_ids"] == ["T7"]
    assert clock.sleeps == [1.0, 2.0]
    assert provider.warned == [
        "The answer to Fake POST /tasks was lost (ReadTimeout: No answer within 3 s); the task it created, T7, was "
        "found by looking it up and is returned instead of creating another one."]


def test_lost_answer_never_found_fails_after_twice_the_timeout_with_exactly_one_create(capsys):
    clock = Clock(start=1000.0)
    script = START + [Step("find", [ANY, ()], returns=lookup(remaining=DEVICES, seen=["T0"])),
                      Step("create", [DEVICES], raises=LOST)]
    script += [Step("find", [ANY, ("T0",)], returns=lookup(remaining=DEVICES))] * 4
    result, provider, _out = run_task(script, capsys, {"timeout": 3}, clock=clock)
    assert result["failed"]
    assert result["msg"] == (
        "Fake POST /tasks may have been executed (ReadTimeout: No answer within 3 s); no task was found within 6 s; "
        "it may still appear — a re-run will reconcile it. Nothing more was sent.")
    assert result["error_code"] == "ReadTimeout" and result["call"] == "Fake POST /tasks"
    assert [name for name, _args in provider.calls].count("create") == 1
    assert clock.sleeps == [1.0, 2.0, 3.0] and clock.now == 1006.0


def test_reconcile_timeout_option_bounds_the_lookups(capsys):
    clock = Clock(start=1000.0)
    script = START + [Step("find", [ANY, ()], returns=lookup(remaining=DEVICES)),
                      Step("create", [DEVICES], raises=LOST),
                      Step("find", [ANY, ()], returns=lookup(remaining=DEVICES))]
    result, _provider, _out = run_task(script, capsys, {"reconcile_timeout": 0}, clock=clock)
    assert result["failed"] and "within 0 s" in result["msg"] and clock.sleeps == []


def test_the_provider_s_reconcile_timeout_wins_over_the_default(capsys):
    clock = Clock(start=1000.0)
    script = [Step("validate", returns=lambda fake: setattr(fake, "reconcile_timeout", 2.0)), Step("prepare"),
              Step("find", [ANY, ()], returns=lookup(remaining=DEVICES)),
              Step("create", [DEVICES], raises=LOST)]
    script += [Step("find", [ANY, ()], returns=lookup(remaining=DEVICES))] * 3
    result, _provider, _out = run_task(script, capsys, clock=clock)
    assert result["failed"] and "within 2 s" in result["msg"] and clock.sleeps == [1.0, 1.0]


def test_failed_lookup_after_a_lost_answer_says_nothing_more_was_sent(capsys):
    script = START + [Step("find", [ANY, ()], returns=lookup(remaining=DEVICES)),
                      Step("create", [DEVICES], raises=LOST),
                      Step("find", [ANY, ()], raises=IoTError("HTTP 503", code="ServerError"))]
    result, _provider, _out = run_task(script, capsys)
    assert result["failed"] and "looking the task up failed too (HTTP 503)" in result["msg"]
    assert "Nothing more was sent" in result["msg"] and result["error_code"] == "ReadTimeout"


def test_already_in_task_is_looked_up_and_the_other_run_s_task_returned(capsys):
    refused = IoTError("The device is updating", code="FailedOperation.DeviceIsUpdating", call="Fake Create",
                       already_in_task=True)
    script = START + [Step("find", [ANY, ()], returns=lookup(remaining=DEVICES, seen=["T0"])),
                      Step("create", [DEVICES], raises=refused),
                      Step("find", [ANY, ()], returns=lookup(same=[task("T8")], remaining=[])),
                      Step("progress", [["T8"], False], returns={"T8": progress("T8")})]
    result, provider, _out = run_task(script, capsys)
    assert not result["changed"] and result["reconciled"] and not result["created"] and result["task_id"] == "T8"
    assert "Fake Create was refused: FailedOperation.DeviceIsUpdating" in provider.warned[0]


def test_already_in_task_without_a_same_task_fails_as_busy(capsys):
    clock = Clock(start=1000.0)
    refused = IoTError("The device is updating", code="FailedOperation.DeviceIsUpdating", call="Fake Create",
                       already_in_task=True)
    script = START + [Step("find", [ANY, ()], returns=lookup(remaining=DEVICES)),
                      Step("create", [DEVICES], raises=refused),
                      Step("find", [ANY, ()], returns=lookup(remaining=DEVICES)),
                      Step("find", [ANY, ()], returns=lookup(remaining=DEVICES))]
    result, _provider, _out = run_task(script, capsys, {"reconcile_timeout": 1}, clock=clock)
    assert result["failed"] and "wait for it or stop it" in result["msg"]
    assert result["error_code"] == "FailedOperation.DeviceIsUpdating"


# ---- wait ------------------------------------------------------------------------------------------------

def test_wait_polls_until_done_and_returns_the_fresh_task(capsys):
    clock = Clock(start=1000.0)
    same = task("T1")
    fresh = task("T1", active=False, status="success", raw={"id": "T1", "status": "success"})
    script = START + [Step("find", [ANY, ()], returns=lookup(same=[same], remaining=[])),
                      Step("progress", [["T1"], False], returns={"T1": progress("T1", in_progress=2)}),
                      Step("progress", [["T1"], False], returns={"T1": progress("T1", succeeded=1, in_progress=1)}),
                      Step("progress", [["T1"], False], returns={
                          "T1": progress("T1", succeeded=2, in_progress=0, status="success")}),
                      Step("get", ["T1"], returns=fresh)]
    result, _provider, _out = run_task(script, capsys, {"wait": True, "wait_sleep": 10}, clock=clock)
    assert result["wait"] == {"status": "success", "elapsed": 20.0, "timed_out": False, "polls": 2}
    assert result["elapsed"] == 20.0 and result["task"] == {"id": "T1", "status": "success"}
    assert result["summary"]["finished"] == 2 and clock.sleeps == [10, 10]


def test_wait_times_out_without_failing(capsys):
    clock = Clock(start=1000.0)
    script = START + [Step("find", [ANY, ()], returns=lookup(same=[task("T1")], remaining=[]))]
    script += [Step("progress", [["T1"], False], returns={"T1": progress("T1")})] * 3
    script += [Step("get", ["T1"], returns=task("T1"))]
    result, _provider, _out = run_task(script, capsys, {"wait": True, "wait_sleep": 10, "wait_timeout": 25},
                                       clock=clock)
    assert not result.get("failed")
    assert result["wait"] == {"status": "processing", "elapsed": 20.0, "timed_out": True, "polls": 2}


def test_progress_without_an_entry_for_the_task_is_a_clear_error(capsys):
    script = START + [Step("find", [ANY, ()], returns=lookup(same=[task("T1")], remaining=[])),
                      Step("progress", [["T1"], False], returns={})]
    result, _provider, _out = run_task(script, capsys)
    assert result["failed"] and result["msg"] == "Fake IoT: no progress could be read for task(s) T1"


# ---- absent ----------------------------------------------------------------------------------------------

def test_absent_cancels_the_active_same_tasks(capsys):
    active, finished = task("T1"), task("T2", active=False, status="success")
    cancelled = task("T1", active=False, status="cancelled", raw={"id": "T1", "status": "cancelled"})
    script = START + [Step("find", [ANY, ()], returns=lookup(same=[active, finished])),
                      Step("cancel", ["T1"], returns=True),
                      Step("get", ["T1"], returns=cancelled),
                      Step("progress", [["T1", "T2"], False], returns={
                          "T1": progress("T1", failed=2, in_progress=0),
                          "T2": progress("T2", succeeded=2, in_progress=0)})]
    result, _provider, _out = run_task(script, capsys, {"state": "absent"}, diff=True)
    assert result["changed"] and result["cancelled_task_ids"] == ["T1"] and result["task_ids"] == ["T1", "T2"]
    assert result["tasks"] == [{"id": "T1", "status": "cancelled"}, {"id": "T2", "status": "success"}]
    assert result["summary"]["total"] == 4 and result["summary"]["failure_percent"] == 50.0
    assert result["counts"] == {"success": 2, "fail": 2, "processing": 0}
    assert [view["task_id"] for view in result["diff"]["after"]["tasks"]] == ["T2"]


def test_absent_a_task_that_finished_before_the_cancel_is_no_change(capsys):
    script = START + [Step("find", [ANY, ()], returns=lookup(same=[task("T1")])),
                      Step("cancel", ["T1"], returns=False),
                      Step("progress", [["T1"], False], returns={"T1": progress("T1", succeeded=2, in_progress=0)})]
    result, _provider, _out = run_task(script, capsys, {"state": "absent"})
    assert not result["changed"] and result["cancelled_task_ids"] == [] and result["task_id"] == "T1"


def test_absent_in_check_mode_only_reports(capsys):
    script = START + [Step("find", [ANY, ()], returns=lookup(same=[task("T1")])),
                      Step("progress", [["T1"], False], returns={"T1": progress("T1")})]
    result, _provider, _out = run_task(script, capsys, {"state": "absent"}, check=True)
    assert result["changed"] and result["cancelled_task_ids"] == ["T1"]


def test_absent_without_cancel_fails_naming_the_task_and_why(capsys):
    script = START + [Step("find", [ANY, ()], returns=lookup(same=[task("T1"), task("T0", active=False)]))]
    result, _provider, _out = run_task(script, capsys, {"state": "absent"}, capabilities=NO_CANCEL)
    assert result["failed"] and result["error_code"] == "StopNotSupported"
    assert result["msg"] == ("state=absent cannot be honoured: task(s) T1 is still active (processing), and the Fake "
                             "IoT API has no call to stop a task. Stop it from the platform console (or let it "
                             "finish), then run again.")


def test_absent_with_nothing_active_changes_nothing(capsys):
    script = START + [Step("find", [ANY, ()], returns=lookup())]
    result, _provider, _out = run_task(script, capsys, {"state": "absent"}, capabilities=NO_CANCEL)
    assert not result["changed"] and result["operation_id"] is None and result["tasks"] == []
    assert result["cancelled_task_ids"] == [] and result["summary"]["total"] == 0


# ---- secrets ---------------------------------------------------------------------------------------------

def test_secret_is_masked_in_an_error_message_in_every_encoding(capsys):
    echoed = IoTError("gateway echoed secret=%s and %s and %s" % (quote_plus(SECRET), quote(SECRET, safe=""), SECRET),
                      code="100208", call="Fake login")
    script = START + [Step("find", [ANY, ()], raises=echoed)]
    result, _provider, out = run_task(script, capsys)
    assert result["failed"] and "********" in result["msg"]
    for form in (SECRET, quote_plus(SECRET), quote(SECRET, safe="")):
        assert form not in out


def test_secret_and_runtime_token_are_masked_in_result_values_and_warnings(capsys):
    token = "tok-0123456789abcdef"
    leaky = task("T1", raw={"id": "T1", "note": "by %s" % SECRET, "auth": "Bearer %s" % token})
    script = [Step("validate"), Step("prepare", returns=lambda fake: fake.obtain(token)),
              Step("find", [ANY, ()], returns=lookup(
                  same=[leaky], remaining=[], warnings=["token %s was refreshed" % token])),
              Step("progress", [["T1"], False], returns={"T1": progress("T1")})]
    result, provider, out = run_task(script, capsys)
    assert SECRET not in out and token not in out
    assert result["task"]["auth"] == "Bearer ********" and provider.warned == ["token ******** was refreshed"]


def test_a_token_reported_only_through_on_secret_is_masked_too(capsys):
    token = "tok-fedcba9876543210"
    script = [Step("validate"), Step("prepare", returns=lambda fake: fake.obtain(token, in_secrets=False)),
              Step("find", [ANY, ()], raises=IoTError("login answered %s" % token, code="100208"))]
    result, _provider, out = run_task(script, capsys)
    assert result["failed"] and token not in out and result["msg"] == "login answered ********"


# ---- info ------------------------------------------------------------------------------------------------

def test_info_with_zero_tasks_returns_empty_lists_and_reads_no_progress(capsys):
    script = [Step("info_tasks", returns=([], {"total": 0, "page_no": 0, "page_size": 100}))]
    result, _provider, _out = run_body(run_firmware_task_info, script, ARGS, capsys, capabilities=NO_CANCEL)
    assert result["tasks"] == [] and result["operation_ids"] == [] and result["per_task"] == {}
    assert result["all_done"] is False and result["counts"] == {} and result["summary"]["total"] == 0
    assert result["total"] == 0 and result["page_size"] == 100 and not result["changed"]


def test_info_reads_progress_of_all_tasks_in_one_call(capsys):
    tasks = [task(101, status=2), task(102, status=3)]
    script = [Step("info_tasks", returns=(tasks, {})),
              Step("progress", [[101, 102], False], returns={
                  101: progress(101, succeeded=2, in_progress=0), 102: progress(102, failed=1, in_progress=1)})]
    result, _provider, _out = run_body(run_firmware_task_info, script, ARGS, capsys)
    assert result["task_ids"] == [101, 102] and result["total"] == 2
    assert result["per_task"]["101"]["done"] and not result["per_task"]["102"]["done"]
    assert result["per_task"]["102"]["summary"]["failed"] == 1
    assert result["all_done"] is False and result["summary"]["total"] == 4
    assert result["counts"] == {"success": 2, "fail": 1, "processing": 1}


def test_info_all_done_only_when_every_task_is_done(capsys):
    script = [Step("info_tasks", returns=([task(1)], {})),
              Step("progress", [[1], False], returns={1: progress(1, succeeded=2, in_progress=0, status="success")})]
    result, _provider, _out = run_body(run_firmware_task_info, script, ARGS, capsys)
    assert result["all_done"] is True and result["per_task"]["1"]["status"] == "success"


def test_the_fake_fails_on_the_first_unexpected_call(capsys):
    script = START + [Step("find", [ANY, ()], returns=lookup(remaining=DEVICES)),
                      Step("get", ["T1"], returns=None)]
    try:
        run_task(script, capsys)
    except AssertionError as exc:
        assert "unexpected call create(('dev-1', 'dev-2'),), expected get('T1',)" in str(exc)
    else:
        raise AssertionError("the unexpected create was not noticed")
