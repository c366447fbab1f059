"""HuaweiIotdaProvider against canned IoTDA v5 answers (community.dns style, tests/kit/iotda.py): every test lists the
exact calls it expects, in order, with the answer to each."""
import json

import pytest

from ansible_collections.iotfleet.firmware.plugins.module_utils._errors import IoTError
from ansible_collections.iotfleet.firmware.plugins.module_utils._module._reconcile import create_task
from ansible_collections.iotfleet.firmware.plugins.module_utils._provider import TaskInfo, ValidationError

from kit.credentials import IOTDA_ACCESS_KEY as AK, IOTDA_SECRET_KEY as SK
from kit.iotda import (
    HOST, OTHER_PACKAGE, PACKAGE, TASKS, TOKEN, detail, error, get, list_query, listing, package, package_path, post,
    progress, show, task, task_path)

DEVICES = ["dev-001", "dev-002", "dev-003"]
PACKAGE_PATH = package_path()


def work_for(provider, devices=tuple(DEVICES), **extra):  # a tuple: no shared mutable default
    params = {"package_id": PACKAGE, "targets": list(devices)}
    params.update(extra)
    return provider.validate(params)


# ---- find / find_many / history ---------------------------------------------------------------------------

def test_find_many_one_listing_all_pages(calls, make):
    finished = [task("old-%03d" % index, ["dev-%03d" % index], status="Success", created="20260101T0000%02dZ"
                     % (index % 60)) for index in range(50)]
    provider = make(
        get(PACKAGE_PATH, answer=package()),
        get(TASKS, list_query(), answer=listing(finished, marker="aaaaaaaaaaaaaaaaaaaaaaaa", count=52)),
        get(TASKS, list_query(marker="aaaaaaaaaaaaaaaaaaaaaaaa"), answer=listing(
            [task("t-active", ["dev-101", "dev-102"]), task("t-other", ["dev-201"], package=OTHER_PACKAGE)],
            marker="bbbbbbbbbbbbbbbbbbbbbbbb", count=52)),
    )
    works = [work_for(provider, ["dev-101", "dev-102"]), work_for(provider, ["dev-201", "dev-202"]),
             work_for(provider, ["dev-301"])]
    for work in works[1:]:
        work["package"] = {"version": "2.0.0"}
        work["target_version"] = "2.0.0"
    lookups = provider.find_many(works)
    assert [task.task_id for task in lookups[0].same] == ["t-active"]
    assert lookups[0].same[0].matched_by == "targets"
    assert lookups[0].remaining == []
    assert lookups[1].busy == {"dev-201": "t-other"} and lookups[1].remaining == ["dev-202"]
    assert lookups[2].same == [] and lookups[2].busy == {} and lookups[2].remaining == ["dev-301"]
    assert "old-000" in lookups[2].seen and len(lookups[2].seen) == 52
    assert works[0]["target_version"] == "2.0.0"
    assert len(provider.call_log) == 3


def test_adopts_active_task_with_package_id_spelling(make):
    provider = make(
        get(PACKAGE_PATH, answer=package()),
        get(TASKS, list_query(), answer=listing([
            task("t-new", DEVICES + ["dev-009"], package=PACKAGE, package_key="package_id", status="Waitting"),
            task("t-done", DEVICES, status="Success")])),
    )
    work = work_for(provider)
    provider.prepare(work)
    lookup = provider.find(work)
    assert [t.task_id for t in lookup.same] == ["t-new"]
    assert lookup.nothing_to_do and lookup.busy == {}
    assert lookup.seen == frozenset(["t-new", "t-done"])


def test_busy_devices_in_tasks_of_another_package_or_partial(make):
    provider = make(
        get(PACKAGE_PATH, answer=package()),
        get(TASKS, list_query(), answer=listing([
            task("t-other", ["dev-001"], package=OTHER_PACKAGE, status="Initializing"),
            task("t-part", ["dev-002"], status="Processing"),  # this package but not all the devices
            task("t-stopping", ["dev-003"], status="Stopping"),
            task("t-fin", DEVICES, status="PartialSuccess"),
            # an unknown status counts as active
            task("t-weird", ["dev-003"], status="SomethingNew", created="20261101T000000Z")])),
    )
    work = work_for(provider)
    lookup = provider.find(work, known_versions={"dev-003": "2.0.0"})
    assert lookup.same == []
    assert lookup.busy == {"dev-001": "t-other", "dev-002": "t-part", "dev-003": "t-stopping"}
    assert lookup.remaining == []
    assert not lookup.nothing_to_do
    assert lookup.up_to_date == []  # dev-003 is busy: its version is not looked at


def test_group_task_devices_from_task_details(make):
    group = task("t-group", None, package=OTHER_PACKAGE)
    group["targets_filter"] = {"group_ids": ["g1"]}
    provider = make(
        get(PACKAGE_PATH, answer=package()),
        get(TASKS, list_query(), answer=listing([group])),
        get(task_path("t-group"), {"limit": 50}, answer=show(group, [
            {"target": "dev-002", "status": "Waitting"}, {"target": "dev-900", "status": "Processing"}])),
    )
    lookup = provider.find(work_for(provider), known_versions={"dev-003": "2.0.0"})
    assert lookup.busy == {"dev-002": "t-group"}
    assert lookup.up_to_date == ["dev-003"]
    assert lookup.remaining == ["dev-001"]


def test_history_every_task_of_the_package_with_targets(make):
    group = task("t-group", None)
    provider = make(
        get(PACKAGE_PATH, answer=package()),
        get(TASKS, list_query(), answer=listing([
            task("t-3", ["dev-003"], created="20261203T000000Z"),
            task("t-2", ["dev-002"], status="Fail", created="20261202T000000Z", package_key="package_id"),
            task("t-x", ["dev-001"], package=OTHER_PACKAGE, created="20261204T000000Z"),
            task("t-nodoc", ["dev-001"], package=None),
            group,
            task("t-1", ["dev-001", "dev-002"], status="Success", created="20261201T000000Z")])),
    )
    found = provider.history(work_for(provider))
    assert [(t.task_id, t.active, sorted(t.devices)) for t in found] == [
        ("t-3", True, ["dev-003"]), ("t-2", False, ["dev-002"]), ("t-1", False, ["dev-001", "dev-002"])]


def test_prepare_missing_package(make):
    provider = make(get(PACKAGE_PATH, answer=error("IOTDA.014016", "not found"), status=404,
                        answer_headers={"X-Request-Id": "req-404"}))
    with pytest.raises(IoTError) as info:
        provider.prepare(work_for(provider))
    assert "OTA package %s does not exist" % PACKAGE in info.value.message
    assert info.value.code == "IOTDA.014016" and info.value.request_id == "req-404"
    assert info.value.call == "Huawei IoTDA ShowOtaPackage"


# ---- create -----------------------------------------------------------------------------------------------

def create_body(devices=tuple(DEVICES), **extra):
    body = {"task_name": extra.pop("task_name"), "task_type": "firmwareUpgrade", "targets": list(devices),
            "document": {"package_ids": [PACKAGE]}}
    body.update(extra)
    return body


def test_create_exactly_one_post_with_headers(calls, make):
    provider = make(
        post(TASKS, create_body(task_name="rollout_w1", task_policy={"retry_count": 3, "retry_interval": 10}),
             instance="inst-01", token=TOKEN, Host=HOST, answer=task("t-created", DEVICES, status="Initializing"),
             status=201),
        instance_id="inst-01", security_token=TOKEN)
    work = work_for(provider, task_name="rollout_w1", policy={"retry_count": 3, "retry_interval": 10})
    assert provider.create(work, DEVICES) == "t-created"
    sent_headers = calls.requests[0].headers
    assert sent_headers["Authorization"].startswith("SDK-HMAC-SHA256 Access=%s, SignedHeaders=" % AK)
    assert "x-security-token" in sent_headers["Authorization"] and "instance-id" in sent_headers["Authorization"]
    assert sent_headers["X-Sdk-Date"] == "20270115T080000Z"
    assert provider.call_log == [{"call": "Huawei IoTDA CreateBatchTask", "status": 201, "code": None, "attempt": 1,
                                  "waited": 0.0, "throttled": False}]


def test_create_sends_task_ext_info_as_an_object(calls, make):
    ext = {"release_notes": "https://example.com/2.0.0", "reboot": False, "window": {"start": "02:00"}}
    provider = make(post(TASKS, create_body(task_name="ext_1", task_ext_info=ext),
                         answer=task("t-ext", DEVICES, status="Initializing"), status=201))
    assert provider.create(work_for(provider, task_name="ext_1", task_ext_info=ext), DEVICES) == "t-ext"
    assert calls.requests[0].body["task_ext_info"] == ext  # the JSON object, not a string


def test_too_long_task_ext_info_is_refused_before_any_request(make):
    provider = make()  # no call expected
    with pytest.raises(ValidationError) as info:
        work_for(provider, task_ext_info={"x": "y" * 600})
    assert "task_ext_info must be at most 512 characters as compact JSON, got 608" in str(info.value)


def test_instance_endpoint_signs_v11(calls, make):
    provider = make(get(PACKAGE_PATH, answer=package()), endpoint="https://abc.iotda.example.com:8443")
    provider.prepare(work_for(provider))
    authorization = calls.requests[0].headers["Authorization"]
    assert authorization.startswith("V11-HMAC-SHA256 Credential=%s/20270115/cn-north-4/iotdm, " % AK)
    assert calls.requests[0].headers["Host"] == "abc.iotda.example.com:8443"


def test_lost_create_is_reconciled_never_posted_twice(calls, make, clock):
    lost = IoTError("Huawei IoTDA CreateBatchTask: no answer within 10 s", code="ReadTimeout", retryable=True,
                    maybe_committed=True)
    name = "n1"
    provider = make(
        get(PACKAGE_PATH, answer=package()),
        get(TASKS, list_query(), answer=listing([task("t-old", ["dev-001"], status="Success")])),
        post(TASKS, create_body(task_name=name), answer=lost),
        get(TASKS, list_query(), answer=listing([task("t-old", ["dev-001"], status="Success")])),
        get(TASKS, list_query(), answer=listing([
            task("t-late", DEVICES, status="Initializing"), task("t-old", ["dev-001"], status="Success")])),
    )
    work = work_for(provider, task_name=name)
    provider.prepare(work)
    lookup = provider.find(work)
    assert lookup.remaining == DEVICES
    created = create_task(provider, work, lookup.remaining, lookup.seen, timeout=60, clock=clock.monotonic,
                          sleep=clock.sleep)
    assert created.reconciled and created.changed and created.task.task_id == "t-late"
    assert created.warning
    assert [request.method for request in calls.requests].count("POST") == 1


def test_create_server_error_is_maybe_committed_and_not_repeated(make):
    provider = make(post(TASKS, create_body(task_name="n2"), answer="<html><body>Service Unavailable</body></html>",
                         status=503))
    with pytest.raises(IoTError) as info:
        provider.create(work_for(provider, task_name="n2"), None)
    assert info.value.maybe_committed and info.value.http_status == 503
    assert "Huawei IoTDA CreateBatchTask failed: HTTP 503" in info.value.message
    assert "Service Unavailable" in info.value.message


def test_create_answer_without_task_id_may_have_committed(make):
    provider = make(post(TASKS, create_body(task_name="n3"), answer={"task_name": "n3"}))
    with pytest.raises(IoTError) as info:
        provider.create(work_for(provider, task_name="n3"), None)
    assert info.value.maybe_committed and info.value.code == "InvalidResponse"


def test_create_refuses_more_than_30000_devices_without_a_request(make):
    provider = make()
    devices = ["d%05d" % index for index in range(30001)]
    work = work_for(provider, devices)
    assert len(work["devices"]) == 30001  # validation does not refuse: the caller splits
    with pytest.raises(ValidationError):
        provider.create(work, devices)


def test_create_4xx_is_final_not_committed(make):
    provider = make(post(TASKS, create_body(task_name="n4"), answer=error(
        "IOTDA.000006", "Invalid input data."), status=400, answer_headers={"X-Request-Id": "r-1"}))
    with pytest.raises(IoTError) as info:
        provider.create(work_for(provider, task_name="n4"), None)
    exc = info.value
    assert (exc.code, exc.http_status, exc.request_id, exc.maybe_committed) == ("IOTDA.000006", 400, "r-1", False)
    assert "check the options" in exc.message and "X-Request-Id r-1" in exc.message


# ---- progress ---------------------------------------------------------------------------------------------

def test_progress_and_failures(make):
    raw = task("t-1", DEVICES + ["dev-004"], status="Processing",
               progress=progress(total=4, success=1, fail=1, processing=1, stopped=1))
    provider = make(
        get(task_path("t-1"), {"limit": 1}, answer=show(raw, [detail("dev-001", "Success")])),
        get(task_path("t-1"), {"task_detail_status": "Fail", "limit": 50}, answer=show(raw, [
            detail("dev-002", "Fail", "IOTDA.014111", "version check failed", output="")])),
    )
    result = provider.progress([TaskInfo(task_id="t-1", active=True)], with_failures=True)["t-1"]
    assert result.counts["success"] == 1 and result.counts["total"] == 4
    assert result.summary == {"total": 4, "succeeded": 1, "failed": 2, "in_progress": 1, "finished": 3,
                              "success_percent": 25.0, "failure_percent": 50.0}
    assert not result.done and result.status == "Processing"
    assert result.failures == [{"device": "dev-002", "status": "Fail", "error_code": "IOTDA.014111",
                                "error_msg": "version check failed", "detail": "IOTDA.014111: version check failed"}]


def test_progress_done_and_not_started(make):
    provider = make(
        get(task_path("t-2"), {"limit": 1},
            answer=show(task("t-2", DEVICES, status="Success", progress=progress(total=3, success=3)))),
        get(task_path("t-3"), {"limit": 1}, answer=show(task("t-3", ["a", "b"], status="Initializing"))),
    )
    result = provider.progress([TaskInfo(task_id="t-2"), TaskInfo(task_id="t-3")], with_failures=True)
    assert result["t-2"].done and result["t-2"].summary["success_percent"] == 100.0 and result["t-2"].failures == []
    assert not result["t-3"].done and result["t-3"].summary["in_progress"] == 2


def test_filtered_detail_row_of_another_status_is_an_error(make):
    raw = task("t-1", DEVICES, progress=progress(total=3, fail=1, processing=2))
    provider = make(
        get(task_path("t-1"), {"limit": 1}, answer=show(raw)),
        get(task_path("t-1"), {"task_detail_status": "Fail", "limit": 50}, answer=show(raw, [
            {"target": "dev-001", "status": "Fail"}, {"target": "dev-002", "status": "Processing"}])),
    )
    with pytest.raises(IoTError) as info:
        provider.progress([TaskInfo(task_id="t-1")], with_failures=True)
    assert info.value.call == "Huawei IoTDA ShowBatchTask"
    assert "answered a row of status 'Processing' (device dev-002" in info.value.message


def test_failure_rows_read_on_every_page(make):
    raw = task("t-1", DEVICES, status="Fail", progress=progress(total=60, fail=60))
    rows = [{"target": "d%02d" % index, "status": "Fail"} for index in range(60)]
    provider = make(
        get(task_path("t-1"), {"limit": 1}, answer=show(raw)),
        get(task_path("t-1"), {"task_detail_status": "Fail", "limit": 50},
            answer=show(raw, rows[:50], marker="m1", count=60)),
        get(task_path("t-1"), {"task_detail_status": "Fail", "limit": 50, "marker": "m1"},
            answer=show(raw, rows[50:], marker="m2", count=60)),
    )
    result = provider.progress([TaskInfo(task_id="t-1")], with_failures=True)["t-1"]
    assert len(result.failures) == 60 and result.done


# ---- garbage answers --------------------------------------------------------------------------------------

@pytest.mark.parametrize("status, answer, expected", [
    (200, {"page": {"count": 0}}, "field 'batchtasks' is missing, expected a list"),
    (200, {"batchtasks": None}, "field 'batchtasks' is null, expected a list"),
    (200, {"batchtasks": {"task_id": "x"}}, "field 'batchtasks' is an object, expected a list"),
    (200, {"batchtasks": ["t-1"]}, "batchtasks[0] is a string, expected an object"),
    (200, {"batchtasks": [{"task_id": "t-1"}]}, "field 'batchtasks[0].status' is missing"),
    (200, {"batchtasks": [{"task_id": "t-1", "status": "Processing", "targets": "dev-001"}]},
     "field 'batchtasks[0].targets' is a string, expected a list"),
    (200, {"batchtasks": [{"task_id": "t-1", "status": "Processing", "document": {"package_ids": "p"}}]},
     "field 'batchtasks[0].document.package_ids' is a string, expected a list"),
    (200, {"batchtasks": [], "page": {"count": "many"}}, "field 'page.count' is a string \"many\""),
    (200, "<html><body><h1>Gateway login</h1></body></html>", "answer is not JSON (HTTP 200"),
    (200, "", "empty answer (HTTP 200)"),
    (200, [1, 2], "the answer is a list, expected an object"),
    (502, "<html><body>Bad gateway</body></html>",
     "HTTP 502, no error envelope: answer is not JSON (HTTP 502, no content type): Bad gateway."),
])
def test_garbage_listing_is_an_error_naming_the_call(make, status, answer, expected):
    listings = [get(TASKS, list_query(), answer=answer, status=status)]
    if status >= 500:  # a read is retried on a transient error: the retry gets the same answer
        listings *= 5
    provider = make(get(PACKAGE_PATH, answer=package()), *listings)
    with pytest.raises(IoTError) as info:
        provider.find(work_for(provider))
    assert info.value.call == "Huawei IoTDA ListBatchTasks"
    assert "Huawei IoTDA ListBatchTasks" in info.value.message
    assert expected in info.value.message


def test_full_page_without_marker_is_an_error(make):
    provider = make(
        get(PACKAGE_PATH, answer=package()),
        get(TASKS, list_query(), answer={"batchtasks": [task("t%02d" % i, ["x"], status="Success") for i in range(50)]}),
    )
    with pytest.raises(IoTError) as info:
        provider.find(work_for(provider))
    assert "without a new page.marker" in info.value.message


@pytest.mark.parametrize("counters, expected", [
    ({"total": "3", "success": "x"}, "field 'batchtask.task_progress.success' is a string \"x\", expected an integer"),
    ({"total": 3, "fail": -1}, "field 'batchtask.task_progress.fail' is -1, expected at least 0"),
    ({"total": 3, "success": True}, "field 'batchtask.task_progress.success' is a boolean"),
    ([], "batchtask.task_progress is a list, expected an object"),
])
def test_garbage_counters(make, counters, expected):
    provider = make(get(task_path("t-1"), {"limit": 1}, answer=show(task("t-1", ["a"], progress=counters))))
    with pytest.raises(IoTError) as info:
        provider.progress([TaskInfo(task_id="t-1")])
    assert expected in info.value.message and info.value.call == "Huawei IoTDA ShowBatchTask"


def test_missing_progress_of_a_running_task_is_an_error(make):
    provider = make(get(task_path("t-1"), {"limit": 1}, answer=show(task("t-1", ["a"]))))
    with pytest.raises(IoTError) as info:
        provider.progress([TaskInfo(task_id="t-1")])
    assert "task_progress is missing or null" in info.value.message


def test_show_without_batchtask_is_an_error(make):
    provider = make(get(task_path("t-1"), {"limit": 1}, answer={"task_details": []}))
    with pytest.raises(IoTError) as info:
        provider.get("t-1")
    assert "batchtask is null, expected an object" in info.value.message


def test_get_missing_task_is_none(make):
    provider = make(get(task_path("t-9"), {"limit": 1}, answer=error("IOTDA.014000", "task not found"),
                        status=404))
    assert provider.get("t-9") is None


# ---- stop -------------------------------------------------------------------------------------------------

def test_cancel_stops_the_task(make):
    provider = make(post(task_path("t-1", "/stop"), {}, answer={"targets": []}))
    assert provider.capabilities.can_cancel
    assert provider.cancel(TaskInfo(task_id="t-1", active=True)) is True


def test_cancel_lost_answer_read_back_not_repeated(calls, make):
    lost = IoTError("Huawei IoTDA StopBatchTask: no answer", code="ReadTimeout", retryable=True, maybe_committed=True)
    provider = make(
        post(task_path("t-1", "/stop"), {}, answer=lost),
        get(task_path("t-1"), {"limit": 1}, answer=show(task("t-1", DEVICES, status="Stopping"))),
    )
    assert provider.cancel(TaskInfo(task_id="t-1", active=True)) is True
    assert [request.method for request in calls.requests] == ["POST", "GET"]


def test_cancel_refused_because_finished(make):
    provider = make(
        post(task_path("t-1", "/stop"), {}, answer=error("IOTDA.014112", "finished"), status=400),
        get(task_path("t-1"), {"limit": 1}, answer=show(task("t-1", DEVICES, status="Success"))),
    )
    assert provider.cancel(TaskInfo(task_id="t-1", active=True)) is False


def test_cancel_refused_while_running_is_an_error(make):
    provider = make(
        post(task_path("t-1", "/stop"), {}, answer=error("IOTDA.000006", "bad"), status=400),
        get(task_path("t-1"), {"limit": 1}, answer=show(task("t-1", DEVICES, status="Processing"))),
    )
    with pytest.raises(IoTError) as info:
        provider.cancel(TaskInfo(task_id="t-1", active=True))
    assert info.value.message.startswith("Stopping task t-1: the task is still Processing;")


# ---- throttling, retries, secrets -------------------------------------------------------------------------

def test_throttled_answer_waits_then_succeeds(make, clock):
    throttled = error("APIGW.0308", "The throttling threshold has been reached")
    provider = make(
        get(PACKAGE_PATH, answer=throttled, status=429, answer_headers={"Retry-After": "2"}),
        get(PACKAGE_PATH, answer=package()),
    )
    work = work_for(provider)
    provider.prepare(work)
    assert work["target_version"] == "2.0.0"
    assert provider.throttle_waits == 1
    assert clock.slept >= 2.0
    assert [entry["throttled"] for entry in provider.call_log] == [True, False]


def test_throttled_create_is_waited_out_and_sent_again(calls, make, clock):
    provider = make(
        post(TASKS, create_body(task_name="n5"), answer="Too Many Requests", status=429),
        post(TASKS, create_body(task_name="n5"), answer=task("t-5", DEVICES)),
    )
    assert provider.create(work_for(provider, task_name="n5"), None) == "t-5"
    assert provider.throttle_waits == 1


def test_transient_read_error_is_retried(make):
    provider = make(
        get(task_path("t-1"), {"limit": 1}, answer=error("IOTDA.000001", "internal"), status=500),
        get(task_path("t-1"), {"limit": 1}, answer=show(task("t-1", DEVICES, status="Success"))),
    )
    assert provider.get("t-1").status == "Success"
    assert [entry["attempt"] for entry in provider.call_log] == [1, 2]


def test_secrets_never_in_error_messages(make):
    echoed = "denied for %s with token %s (sk %s)" % (AK, TOKEN, SK)
    provider = make(
        get(PACKAGE_PATH, answer=error("IOTDA.000003", echoed), status=403, token=TOKEN), security_token=TOKEN)
    with pytest.raises(IoTError) as info:
        provider.prepare(work_for(provider))
    text = " ".join([info.value.message, str(info.value), json.dumps(info.value.to_result())])
    assert SK not in text and TOKEN not in text
    assert "********" in info.value.message
    assert set(provider.secrets) == {SK, TOKEN}


def test_secrets_never_in_html_snippets(make):
    provider = make(get(PACKAGE_PATH, answer="<html>bad signature for key %s</html>" % SK, status=401))
    with pytest.raises(IoTError) as info:
        provider.prepare(work_for(provider))
    assert SK not in info.value.message and "Authentication failed" in info.value.message


# ---- given task, info, views ------------------------------------------------------------------------------

def test_given_task_id(make):
    provider = make(get(task_path("t-7"), {"limit": 1}, answer=show(task("t-7", DEVICES))))
    work = provider.validate({"task_id": "t-7", "state": "absent"})
    provider.prepare(work)
    lookup = provider.find(work)
    assert [t.task_id for t in lookup.same] == ["t-7"] and lookup.same[0].matched_by == "given"


def test_info_tasks_listing_with_filters(make):
    provider = make(get(TASKS, list_query(status="Processing"), answer=listing([task("t-1", ["a"])])))
    tasks, page = provider.info_tasks({"task_type": "firmwareUpgrade", "status": "Processing"})
    assert [t.task_id for t in tasks] == ["t-1"] and page == {"total": 1}


def test_info_tasks_rejects_bad_status_before_any_request(make):
    provider = make()
    with pytest.raises(ValidationError):
        provider.info_tasks({"status": "Running"})


def test_views(make):
    provider = make()
    work = work_for(provider, task_name="n6")
    work["target_version"] = "2.0.0"
    view = provider.desired_view(work, ["dev-002", "dev-001"])
    assert view["targets"] == ["dev-001", "dev-002"] and view["request"]["targets"] == ["dev-002", "dev-001"]
    assert provider.task_view(TaskInfo(task_id="t", raw=task("t", ["b", "a"])))["package_ids"] == [PACKAGE]
    # devices (ListDevices, from the SDK): test_iotda_devices.py


def test_after_a_create_other_works_are_looked_up_plainly(make):
    provider = make(
        post(TASKS, create_body(task_name="w1"), answer=task("t-w1", DEVICES, status="Initializing")),
        get(PACKAGE_PATH, answer=package()),
        get(TASKS, list_query(), answer=listing([task("t-w1", DEVICES, status="Initializing")])),
    )
    first = work_for(provider, task_name="w1")
    assert provider.create(first, None) == "t-w1"
    second = work_for(provider, ["dev-010", "dev-001"], task_name="w2")
    [lookup] = provider.find_many([second])
    assert lookup.same == [] and lookup.busy == {"dev-001": "t-w1"} and lookup.remaining == ["dev-010"]
