"""HuaweiIotdaProvider through a whole rollout step against canned platform answers written here from the API notes
(huawei-iot.md §10), no emulator: every request is checked (method, path, exact query, JSON body, the headers of
§10.6 and its signature) and answered in the documented shapes, so a misreading the emulator shares with the
provider cannot pass (community.dns style, tests/kit/iotda.py; the ``make`` fixture of conftest.py)."""
import pytest

from ansible_collections.iotfleet.firmware.plugins.module_utils._errors import IoTError
from ansible_collections.iotfleet.firmware.plugins.module_utils._provider import TaskInfo

from kit.credentials import IOTDA_ACCESS_KEY
from kit.iotda import (
    OTHER_PACKAGE, PACKAGE, TASKS, detail, error, get, list_query, listing, outcomes, package, package_path, post,
    progress, show, task, task_path)

D1, D2, D3 = "dev-001", "dev-002", "dev-003"
MARKER = "64a1f0c2e4b0a1b2c3d4e5f6"  # §10.5: a 24-hex record id
INSTANCE = "https://abc.iotda.example.com:8443"  # an instance's own endpoint: V11-HMAC-SHA256 (§10.6)


def work_of(provider, devices=(D1, D2, D3), **extra):
    return provider.validate(dict({"package_id": PACKAGE, "targets": list(devices)}, **extra))


def test_package_listing_then_one_create_of_the_devices_no_task_holds(calls, make):
    provider = make(
        get(package_path(), answer=package()),  # §10.1 OTA packages
        # §10.5: limit at most 50, newest first; §10.3: a finished task holds no device, an unfinished one of
        # another package does, and the response model spells the package key ``package_id`` (§10.2)
        get(TASKS, list_query(), answer=listing([
            task("t-other", [D3], package=OTHER_PACKAGE, package_key="package_id", status="Waitting"),
            task("t-done", [D1], status="Success", progress=progress(total=1, success=1))])),
        # §10.2: task_name, task_type (camelCase), targets, document.package_ids
        post(TASKS, {"task_name": "canary_1", "task_type": "firmwareUpgrade", "targets": [D1, D2],
                     "document": {"package_ids": [PACKAGE]}},
             answer=task("t-new", [D1, D2], status="Initializing"), status=201))
    work = work_of(provider, task_name="canary_1")
    provider.prepare(work)
    assert work["target_version"] == "2.0.0"
    lookup = provider.find(work)
    assert lookup.same == [] and lookup.busy == {D3: "t-other"} and lookup.remaining == [D1, D2]
    assert lookup.seen == frozenset(["t-other", "t-done"])
    assert provider.create(work, lookup.remaining) == "t-new"
    assert [request.line for request in calls.requests] == [
        "GET %s" % package_path(), "GET %s?limit=50&task_type=firmwareUpgrade" % TASKS, "POST %s" % TASKS]


def test_an_unfinished_task_of_the_package_on_every_device_is_the_same_work(make):
    provider = make(
        get(package_path(), answer=package()),
        get(TASKS, list_query(), answer=listing([
            task("t-run", [D3, D2, D1, "dev-004"], status="Processing", progress=progress(total=4, processing=4))])))
    lookup = provider.find(work_of(provider))
    assert [found.task_id for found in lookup.same] == ["t-run"] and lookup.nothing_to_do
    assert lookup.same[0].matched_by == "targets" and lookup.same[0].active


def test_progress_reads_the_counters_then_every_page_of_the_failed_rows(make):
    # §10.3 task_progress; §10.4 rows filtered by task_detail_status; §10.5 marker paging
    raw = task("t-1", status="PartialSuccess", progress=progress(total=80, success=20, fail=55, stopped=5))
    failed = [detail("dev-%03d" % number, "Fail", "IOTDA.014111", "version check failed") for number in range(55)]
    provider = make(
        get(task_path("t-1"), {"limit": 1}, answer=show(raw, failed[:1], marker=MARKER, count=80)),
        get(task_path("t-1"), {"task_detail_status": "Fail", "limit": 50},
            answer=show(raw, failed[:50], marker=MARKER, count=55)),
        get(task_path("t-1"), {"task_detail_status": "Fail", "limit": 50, "marker": MARKER},
            answer=show(raw, failed[50:], count=55)))
    result = provider.progress([TaskInfo(task_id="t-1")], with_failures=True)["t-1"]
    assert result.done and result.status == "PartialSuccess"
    assert result.summary == {"total": 80, "succeeded": 20, "failed": 60, "in_progress": 0, "finished": 80,
                              "success_percent": 25.0, "failure_percent": 75.0}
    assert len(result.failures) == 55 and result.failures[0] == {
        "device": "dev-000", "status": "Fail", "error_code": "IOTDA.014111", "error_msg": "version check failed",
        "detail": "IOTDA.014111: version check failed"}


def test_stop_is_one_post_with_an_empty_body(make):
    # §10.5: ``{}`` stops every running, waiting and fail-wait-retry subtask; the answer lists the targets
    provider = make(post(task_path("t-1", "/stop"), {}, answer=outcomes(D1, D2)))
    assert provider.cancel(TaskInfo(task_id="t-1", active=True)) is True


def test_retry_of_a_failed_task_is_one_post_with_an_empty_body(make):
    # §10.5: retry is allowed on a Fail task; ``{}`` re-runs every Fail, FailWaitRetry and Stopped subtask
    raw = task("t-1", [D1, D2, D3], status="Fail", progress=progress(total=3, fail=2, stopped=1))
    provider = make(get(task_path("t-1"), {"limit": 1}, answer=show(raw)),
                    post(task_path("t-1", "/retry"), {}, answer=outcomes(D1, D2, D3)))
    current = provider.get("t-1")
    plan = provider.retry_plan(current)
    assert plan.refusal is None and plan.requests == [{}] and plan.retriable == 3
    assert [row["device"] for row in provider.retry(current, plan)] == [D1, D2, D3]


def test_the_error_envelope_is_the_error_naming_the_call(make):
    # §10.7
    provider = make(get(package_path(), answer=package()),
                    get(TASKS, list_query(), answer=error("IOTDA.000006", "Invalid input data."), status=400,
                        answer_headers={"X-Request-Id": "req-7"}))
    with pytest.raises(IoTError) as caught:
        provider.find(work_of(provider))
    assert (caught.value.code, caught.value.http_status, caught.value.request_id) == ("IOTDA.000006", 400, "req-7")
    assert caught.value.call == "Huawei IoTDA ListBatchTasks" and not caught.value.maybe_committed


def test_an_instance_endpoint_sends_the_instance_id_and_signs_v11(calls, make):
    # §10.1: Instance-Id on every call; §10.6: a host other than the region's default signs V11-HMAC-SHA256
    provider = make(get(INSTANCE + package_path(), answer=package(), instance="inst-01",
                        Host="abc.iotda.example.com:8443"),
                    endpoint=INSTANCE, instance_id="inst-01")
    provider.prepare(work_of(provider))
    assert calls.requests[0].headers["Authorization"].startswith(
        "V11-HMAC-SHA256 Credential=%s/20270115/cn-north-4/iotdm, " % IOTDA_ACCESS_KEY)


def test_an_unexpected_request_fails_at_once(calls, make):
    provider = make(get(TASKS, list_query(), answer=listing([])))
    with pytest.raises(pytest.fail.Exception, match="URL .*expected"):
        provider.prepare(work_of(provider))
    with pytest.raises(AssertionError, match="unexpected request #1"):
        calls.assert_done()
    calls.refused.clear()
    calls.next = len(calls.expected)  # the fixture's own check at the end: this test has made its point
