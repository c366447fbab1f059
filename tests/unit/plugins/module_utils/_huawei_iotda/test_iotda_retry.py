"""RetryBatchTask (reference §10.5) through the provider, against canned answers (community.dns style,
tests/kit/iotda.py): every test lists the exact calls it expects, in order, with the answer to each."""
import pytest

from ansible_collections.iotfleet.firmware.plugins.module_utils._errors import IoTError

from kit.iotda import detail, error, get, outcomes, post, progress, show, task, task_path

RETRY = task_path("t-1", "/retry")
DETAILS = task_path("t-1")


def read(status, counters=None, task_type="firmwareUpgrade"):
    """The ShowBatchTask call ``prepare``/``get`` sends (one detail row) and its answer."""
    raw = task("t-1", ["dev-%03d" % n for n in range(1, 4)], status=status, task_type=task_type,
               progress=counters)
    return get(DETAILS, {"limit": 1}, answer=show(raw))


@pytest.mark.parametrize("status", ["Success", "Stopped", "Stopping", "Waitting", "Initializing"])
def test_refused_statuses_send_nothing_after_the_read(calls, make, status):
    provider = make(read(status, progress(total=3, fail=1, success=2)))
    plan = provider.retry_plan(provider.get("t-1"))
    assert plan.refusal and status in plan.refusal and "RetryBatchTask was not sent" in plan.refusal
    assert plan.requests == [] and [request.method for request in calls.requests] == ["GET"]


def test_an_undocumented_status_or_another_task_type_is_refused(make):
    provider = make(read("Paused", progress(total=3, fail=3)),
                    read("Fail", progress(total=3, fail=3), task_type="moduleUpgrade"))
    assert "does not document" in provider.retry_plan(provider.get("t-1")).refusal
    assert "firmwareUpgrade and softwareUpgrade tasks only" in provider.retry_plan(provider.get("t-1")).refusal


@pytest.mark.parametrize("status", ["Processing", "Fail", "PartialSuccess"])
def test_every_retriable_device_with_one_empty_body(make, status):
    provider = make(
        read(status, progress(total=3, fail=1, fail_wait_retry=0, stopped=1, success=1)),
        post(RETRY, {}, answer=outcomes("dev-001", "dev-003")),
    )
    current = provider.get("t-1")
    plan = provider.retry_plan(current)
    assert (plan.refusal, plan.requests, plan.retriable, plan.devices, plan.skipped) == (None, [{}], 2, None, [])
    assert provider.retry(current, plan) == [
        {"device": "dev-001", "status": "success", "error_code": None, "error_msg": None},
        {"device": "dev-003", "status": "success", "error_code": None, "error_msg": None}]


def test_nothing_retriable_plans_no_request(make):
    provider = make(read("Processing", progress(total=3, processing=2, success=1)))
    plan = provider.retry_plan(provider.get("t-1"))
    assert plan.refusal is None and plan.requests == [] and plan.retriable == 0


def failed_rows(status, devices):
    return [detail(device, status, "E1", "x", output="") for device in devices]


def test_named_devices_are_narrowed_to_the_retriable_and_split_by_100(calls, make):
    wanted = ["dev-%03d" % n for n in range(1, 151)]
    failed = wanted[:60]
    waiting_retry = wanted[60:110]
    stopped = wanted[110:120]  # dev-121 .. dev-150 succeeded: skipped
    raw = task("t-1", wanted, status="PartialSuccess", progress=progress(total=150, fail=60, fail_wait_retry=50,
                                                                         stopped=10, success=30))
    provider = make(
        get(DETAILS, {"limit": 1}, answer=show(raw)),
        get(DETAILS, {"limit": 50, "task_detail_status": "Fail"}, answer=show(
            raw, failed_rows("Fail", failed[:50]), marker="aaaaaaaaaaaaaaaaaaaaaaaa", count=60)),
        get(DETAILS, {"limit": 50, "task_detail_status": "Fail", "marker": "aaaaaaaaaaaaaaaaaaaaaaaa"},
            answer=show(raw, failed_rows("Fail", failed[50:]), count=60)),
        get(DETAILS, {"limit": 50, "task_detail_status": "FailWaitRetry"}, answer=show(
            raw, failed_rows("FailWaitRetry", waiting_retry), count=50, marker="bbbbbbbbbbbbbbbbbbbbbbbb")),
        get(DETAILS, {"limit": 50, "task_detail_status": "Stopped"}, answer=show(
            raw, failed_rows("Stopped", stopped))),
        post(RETRY, {"targets": wanted[:100]}, answer=outcomes(*wanted[:100])),
        post(RETRY, {"targets": wanted[100:120]}, answer=outcomes(
            *wanted[100:120], status="failure", error_code="IOTDA.014902", error_msg="busy")),
    )
    current = provider.get("t-1")
    plan = provider.retry_plan(current, wanted)
    assert plan.devices == wanted[:120] and plan.skipped == wanted[120:] and plan.retriable == 120
    assert plan.requests == [{"targets": wanted[:100]}, {"targets": wanted[100:120]}]
    results = provider.retry(current, plan)
    assert [item["status"] for item in results] == ["success"] * 100 + ["failure"] * 20
    assert results[-1] == {"device": "dev-120", "status": "failure", "error_code": "IOTDA.014902", "error_msg": "busy"}
    assert [request.method for request in calls.requests].count("POST") == 2


def test_a_lost_answer_is_raised_naming_what_was_sent_never_repeated(calls, make):
    lost = IoTError("Huawei IoTDA RetryBatchTask: no answer within 10 s", code="ReadTimeout", retryable=True,
                    maybe_committed=True)
    devices = ["dev-%03d" % n for n in range(1, 131)]
    raw = task("t-1", devices, status="Fail", progress=progress(total=130, fail=130))
    provider = make(
        get(DETAILS, {"limit": 1}, answer=show(raw)),
        get(DETAILS, {"limit": 50, "task_detail_status": "Fail"}, answer=show(
            raw, failed_rows("Fail", devices[:50]), count=130, marker="aaaaaaaaaaaaaaaaaaaaaaaa")),
        get(DETAILS, {"limit": 50, "task_detail_status": "Fail", "marker": "aaaaaaaaaaaaaaaaaaaaaaaa"}, answer=show(
            raw, failed_rows("Fail", devices[50:100]), count=130, marker="bbbbbbbbbbbbbbbbbbbbbbbb")),
        get(DETAILS, {"limit": 50, "task_detail_status": "Fail", "marker": "bbbbbbbbbbbbbbbbbbbbbbbb"}, answer=show(
            raw, failed_rows("Fail", devices[100:]), count=130)),
        get(DETAILS, {"limit": 50, "task_detail_status": "FailWaitRetry"}, answer=show(raw)),
        get(DETAILS, {"limit": 50, "task_detail_status": "Stopped"}, answer=show(raw)),
        post(RETRY, {"targets": devices[:100]}, answer=outcomes(*devices[:100])),
        post(RETRY, {"targets": devices[100:]}, answer=lost),
    )
    current = provider.get("t-1")
    plan = provider.retry_plan(current, devices)
    with pytest.raises(IoTError) as info:
        provider.retry(current, plan)
    text = str(info.value)
    assert info.value.maybe_committed and "1 of 2 retry requests were answered before" in text
    assert "request 2 may have been executed" in text and "run again" in text
    assert [request.method for request in calls.requests].count("POST") == 2  # the lost one is not sent again


def test_a_refusal_of_the_first_request_is_the_platforms_error(make):
    provider = make(
        read("Fail", progress(total=3, fail=3)),
        post(RETRY, {}, answer=error("IOTDA.014902", "not allowed now"), status=400),
    )
    current = provider.get("t-1")
    with pytest.raises(IoTError) as info:
        provider.retry(current, provider.retry_plan(current))
    assert info.value.code == "IOTDA.014902" and not info.value.maybe_committed
    assert "Huawei IoTDA RetryBatchTask failed: HTTP 400" in str(info.value)


@pytest.mark.parametrize("answer, expected", [
    ({}, "field 'targets' is missing"),
    ({"targets": [{"target": "dev-001", "status": "done"}]}, "expected success or failure"),
    ({"targets": [{"status": "success"}]}, "targets[0].target"),
    ("<html>gateway</html>", "not JSON"),
])
def test_a_garbage_answer_is_an_error_naming_the_call_that_may_have_committed(make, answer, expected):
    provider = make(read("Fail", progress(total=3, fail=3)), post(RETRY, {}, answer=answer))
    current = provider.get("t-1")
    with pytest.raises(IoTError) as info:
        provider.retry(current, provider.retry_plan(current))
    assert info.value.maybe_committed and "Huawei IoTDA RetryBatchTask" in str(info.value)
    assert expected in str(info.value), str(info.value)


def test_a_detail_row_of_another_status_is_an_error_not_a_retriable_device(make):
    raw = task("t-1", ["dev-001"], status="Fail", progress=progress(total=1, fail=1))
    provider = make(
        get(DETAILS, {"limit": 1}, answer=show(raw)),
        get(DETAILS, {"limit": 50, "task_detail_status": "Fail"}, answer=show(
            raw, [{"target": "dev-001", "status": "Success"}])),
    )
    with pytest.raises(IoTError) as info:
        provider.retry_plan(provider.get("t-1"), ["dev-001"])
    assert "task_detail_status=Fail answered a row of status 'Success'" in str(info.value)


@pytest.mark.parametrize("params, text", [
    ({"state": "retried", "package_id": "p", "targets": ["dev-001"]}, "state=retried needs task_id"),
    ({"state": "present", "package_id": "p", "targets": ["dev-001"], "retry_targets": ["dev-001"]},
     "retry_targets is only used with state=retried"),
    ({"state": "retried", "task_id": "t-1", "retry_targets": ["bad id!"]}, "retry_targets: each device id"),
    ({"state": "retried", "task_id": "t-1", "retry_targets": []}, "retry_targets must name at least one"),
    ({"state": "restarted", "task_id": "t-1"}, "state must be one of present, absent, retried"),
])
def test_retry_options_are_checked_before_any_request(make, params, text):
    provider = make()
    with pytest.raises(Exception) as info:
        provider.validate(params)
    assert text in str(info.value)


def test_retry_targets_are_cleaned(make):
    provider = make()
    targets = [" dev-002", "dev-001", "dev-002"]
    work = provider.validate({"state": "retried", "task_id": "t-1", "retry_targets": targets})
    assert work["retry_devices"] == ["dev-002", "dev-001"] and provider.capabilities.can_retry
