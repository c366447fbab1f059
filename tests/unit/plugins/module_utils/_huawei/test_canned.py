"""HuaweiProvider against canned platform answers written here from the API notes (huawei-iot.md), no emulator:
every request is checked (method, URL, query, body, the ``app_key`` and ``Authorization`` headers) and answered in
the documented shapes, so a misreading the emulator shares with the provider cannot pass (community.dns style,
tests/kit/calls.py)."""
import pytest

from huawei_calls import (
    API, ENDPOINT, FILE, device_object, get, list_query, login, package, post, subtask, task_object, task_page)

from ansible_collections.iotfleet.firmware.plugins.module_utils._errors import IoTError
from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei import connection
from ansible_collections.iotfleet.firmware.plugins.module_utils._provider import TaskInfo

from kit.calls import Calls
from kit.clock import Clock
from kit.credentials import HUAWEI_APP_ID, HUAWEI_SECRET

D1, D2, D3 = "hw-meter-0001", "hw-meter-0002", "hw-meter-0003"
APP = HUAWEI_APP_ID
LOGIN = login(HUAWEI_APP_ID, HUAWEI_SECRET)
PACKAGE = get(APP, "%s/category/%s" % (API, FILE), package())
OPERATIONS = API + "/operations"


@pytest.fixture
def calls():
    return Calls()


@pytest.fixture
def provider(calls, tmp_path):
    clock = Clock()
    params = dict(endpoint=ENDPOINT, app_id=HUAWEI_APP_ID, secret=HUAWEI_SECRET, access_token=None, client_cert=None,
                  client_key=None, ca_path=None, validate_certs=True, timeout=5, api_calls_per_minute=100,
                  pacing_dir=str(tmp_path / "pacing"), reconcile_timeout=None, state="present", operation_id=None,
                  file_id=FILE, targets={"devices": [D1, D2]}, policy=None, wait=False, wait_timeout=1800,
                  wait_sleep=10)
    made = connection.provider_from_params(params, session=calls, sleep=clock.sleep, clock=clock.time)
    made.params = params
    yield made
    made.close()


def device(device_id, fw_version):
    return get(APP, "/iocm/app/dm/v1.4.0/devices/%s" % device_id, device_object(device_id, fw_version))


def test_login_package_task_list_devices_then_one_create(calls, provider):
    calls.expect(
        LOGIN,
        PACKAGE,
        get(APP, OPERATIONS, task_page([task_object("op-old", [D1], status="success",
                                                    counts={"total": 1, "success": 1})]), query=list_query()),
        device(D1, "2.0.0"),  # upgraded by the finished task
        device(D2, "1.0.0"),
        post(APP, OPERATIONS + "/firmwareUpgrade",
             {"fileId": FILE, "targets": {"devices": [D2]}, "policy": {"executeType": "now", "retryType": False}},
             {"operationId": "op-new"}))
    work = provider.validate(provider.params)
    provider.prepare(work)
    assert work["target_version"] == "2.0.0"
    lookup = provider.find(work)
    assert lookup.same == [] and lookup.busy == {} and lookup.up_to_date == [D1] and lookup.remaining == [D2]
    assert provider.create(work, lookup.remaining) == "op-new"
    calls.assert_done()


def test_the_task_list_total_may_be_named_total_count_and_spans_pages(calls, provider):
    first = [task_object("op-%03d" % number, ["hw-other-%03d" % number], status="success") for number in range(100)]
    covering = task_object("op-cover", [D1, D2, D3], status="processing", counts={"total": 3, "processing": 3})
    calls.expect(
        LOGIN,
        PACKAGE,
        get(APP, OPERATIONS, task_page(first, total=101, total_key="totalCount"), query=list_query(0)),
        get(APP, OPERATIONS, task_page([covering], page_no=1, total=101, total_key="totalCount"),
            query=list_query(1)))
    work = provider.validate(provider.params)
    lookup = provider.find(work)
    calls.assert_done()
    assert [task.task_id for task in lookup.same] == ["op-cover"] and lookup.same[0].matched_by == "targets"
    assert len(lookup.seen) == 101


def test_a_device_in_another_active_task_is_busy(calls, provider):
    other = task_object("op-other", [D1, D3], status="wait", counts={"total": 2, "wait": 2})
    calls.expect(LOGIN, PACKAGE, get(APP, OPERATIONS, task_page([other]), query=list_query()), device(D2, "1.0.0"))
    lookup = provider.find(provider.validate(provider.params))
    calls.assert_done()
    assert lookup.busy == {D1: "op-other"} and lookup.remaining == [D2] and lookup.same == []


def test_progress_of_one_task_reads_it_then_its_failed_and_timed_out_subtasks(calls, provider):
    counts = {"total": 3, "success": 1, "fail": 1, "timeout": 1}
    subtasks = API + "/operations/op-1/subOperations"
    calls.expect(
        LOGIN,
        get(APP, OPERATIONS + "/op-1", task_object("op-1", [D1, D2, D3], status="failed", counts=counts)),
        # §6: the subtask status is "fail" where the task's is "failed"; pages of up to 100, totalCount
        get(APP, subtasks, {"data": [subtask("op-1", D2, "fail", "upgrade failed")], "pageNo": 0, "pageSize": 100,
                            "totalCount": 1}, query={"subOperationStatus": "fail", "pageNo": 0, "pageSize": 100}),
        get(APP, subtasks, {"data": [subtask("op-1", D3, "timeout")], "pageNo": 0, "pageSize": 100,
                            "totalCount": 1}, query={"subOperationStatus": "timeout", "pageNo": 0, "pageSize": 100}))
    progress = provider.progress([TaskInfo(task_id="op-1", active=True)], with_failures=True)["op-1"]
    calls.assert_done()
    assert progress.done and progress.status == "failed"
    assert progress.summary["succeeded"] == 1 and progress.summary["failed"] == 2
    assert progress.failures == [{"device": D2, "status": "fail", "detail": "upgrade failed"},
                                 {"device": D3, "status": "timeout", "detail": ""}]


def test_progress_of_many_tasks_reads_the_task_list_once(calls, provider):
    tasks = [task_object("op-%d" % number, ["hw-meter-%04d" % number], status="processing",
                         counts={"total": 1, "processing": 1}) for number in (1, 2, 3)]
    calls.expect(LOGIN, get(APP, OPERATIONS, task_page(tasks),
                            query={"operationType": "firmware_upgrade", "pageNo": 0, "pageSize": 100}))
    progress = provider.progress([TaskInfo(task_id="op-%d" % number, active=True) for number in (1, 2, 3)])
    calls.assert_done()
    assert sorted(progress) == ["op-1", "op-2", "op-3"]
    assert all(item.summary["in_progress"] == 1 and not item.done for item in progress.values())


def test_an_error_code_in_a_200_answer_is_an_error(calls, provider):
    # §1.3: HTTP 200 can carry an error; error_code may be a string or a number
    calls.expect(LOGIN, get(APP, "%s/category/%s" % (API, FILE), {
        "error_code": 100217, "error_desc": "The application is not authorized."}))
    with pytest.raises(IoTError) as caught:
        provider.prepare(provider.validate(provider.params))
    calls.assert_done()
    assert caught.value.code == "100217" and "not authorized" in caught.value.message
