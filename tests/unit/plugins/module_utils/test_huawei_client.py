"""Huawei client and runners against the in-memory platform: the exact HTTP calls per scenario."""
import os
import sys
from datetime import datetime, timezone

import pytest

from ansible_collections.iotfleet.firmware.plugins.module_utils import huawei_iot
from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei import task as ht
from ansible_collections.iotfleet.firmware.plugins.module_utils.common import IoTError

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_huawei_fake_platform import (  # noqa: E402
    APP_ID, CATEGORY, CREATE, LOGIN, OPS, SECRET, FakeHuawei, FakeResponse, NoSleep, make_client)

FILE = "fw-wm100-2.0.0"
DEVS = ["hw-meter-0002", "hw-meter-0001"]
NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)

L = "POST " + LOGIN
PKG = "GET %s/%s" % (CATEGORY, FILE)
LIST = "GET " + OPS
POST = "POST " + CREATE


def get(op_id):
    return "GET %s/%s" % (OPS, op_id)


def subs(op_id):
    return "GET %s/%s/subOperations" % (OPS, op_id)


def desired(**kwargs):
    params = {"state": "present", "operation_id": None, "file_id": FILE, "targets": {"devices": list(DEVS)},
              "policy": None}
    params.update(kwargs)
    return ht.validate(params, now=NOW)


def runner(fake, want=None, check_mode=False, wait=False, client=None, **kwargs):
    client = client or make_client(fake)
    sleep = NoSleep()
    clock = iter(range(0, 100000, 5))
    return huawei_iot.FirmwareTask(client, want or desired(), check_mode=check_mode, wait=wait, wait_timeout=60,
                                   wait_sleep=5, sleep=sleep, monotonic=lambda: next(clock), **kwargs)


# --------------------------------------------------------------------------- create / re-run / check

def test_create_then_rerun_unchanged():
    fake = FakeHuawei()
    first = runner(fake).run()
    assert fake.paths() == [L, PKG, LIST, POST, get("op-0001")]
    assert first["changed"] is True and first["created"] is True and first["operation_id"] == "op-0001"
    assert fake.log[3]["body"] == {"fileId": FILE, "targets": {"devices": DEVS},
                                   "policy": {"executeType": "now", "retryType": False}}
    assert fake.log[2]["params"] == {"operationType": "firmware_upgrade", "deviceId": "hw-meter-0001",
                                     "pageNo": "0", "pageSize": "100"}
    assert first["summary"]["total"] == 2 and first["summary"]["in_progress"] == 2
    fake.calls[:] = []
    second = runner(fake, desired(targets={"devices": list(reversed(DEVS))})).run()
    assert fake.paths() == [L, PKG, LIST]
    assert second["changed"] is False and second["operation_id"] == "op-0001" and second["matched_by"] == "fileId"
    assert second["diff"]["before"] == second["diff"]["after"]


def test_login_form_encoded_and_headers():
    fake = FakeHuawei()
    runner(fake).run()
    login = fake.log[0]
    assert login["body"] == {"appId": APP_ID, "secret": SECRET}
    assert login["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    token = fake.tokens_issued[0]
    for entry in fake.log[1:]:
        assert entry["headers"]["app_key"] == APP_ID and entry["headers"]["Authorization"] == "Bearer " + token


def test_check_mode_only_reads():
    fake = FakeHuawei()
    result = runner(fake, check_mode=True, wait=True).run()
    assert fake.paths() == [L, PKG, LIST]
    assert result["changed"] is True and result["operation_id"] is None and result["wait"]["skipped"] is True
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["targets"] == {"devices": sorted(DEVS)}
    assert fake.tasks == {}


def test_check_mode_existing_task_unchanged():
    fake = FakeHuawei()
    op_id = fake.add_task(FILE, devices=DEVS)
    result = runner(fake, check_mode=True).run()
    assert result["changed"] is False and result["operation_id"] == op_id


def test_success_task_counts_as_existing_failed_and_stopped_do_not():
    fake = FakeHuawei()
    done = fake.add_task(FILE, devices=DEVS, status="success")
    assert runner(fake).run()["operation_id"] == done
    fake.set_status(done, "failed")
    stopped = fake.add_task(FILE, devices=DEVS, status="stop")
    result = runner(fake).run()
    assert result["changed"] is True and result["operation_id"] not in (done, stopped)


def test_other_package_or_targets_is_not_the_same_task():
    fake = FakeHuawei()
    fake.add_task("fw-wm100-1.0.0", devices=DEVS)
    fake.add_task(FILE, devices=DEVS + ["hw-meter-0003"])
    result = runner(fake).run()
    assert result["created"] is True and len(fake.tasks) == 3


def test_newest_same_task_is_returned():
    fake = FakeHuawei()
    fake.add_task(FILE, devices=DEVS, status="success")
    newer = fake.add_task(FILE, devices=DEVS)
    assert runner(fake).run()["operation_id"] == newer


def test_policy_difference_warns_and_does_not_create():
    fake = FakeHuawei()
    op_id = fake.add_task(FILE, devices=DEVS)
    run = runner(fake, desired(policy={"execute_type": "now", "retry_type": True, "retry_times": 3}))
    result = run.run()
    assert result["changed"] is False and result["operation_id"] == op_id
    assert result["policy_differences"] == ["retry_times", "retry_type"]
    assert "policy differs in retry_times, retry_type" in run.warnings[0]
    assert result["diff"]["before"]["policy"] != result["diff"]["after"]["policy"]
    assert "POST " + CREATE not in fake.paths()


def test_group_targets_list_filter_and_match():
    fake = FakeHuawei()
    groups = {"device_groups": ["south", "north"], "device_type": "WaterMeter", "model": "WM-100",
              "manufacturer_name": "Acme"}
    first = runner(fake, desired(targets=groups)).run()
    assert first["created"] and first["summary"]["total"] == 20
    assert fake.log[2]["params"]["deviceType"] == "WaterMeter" and "deviceId" not in fake.log[2]["params"]
    second = runner(fake, desired(targets=dict(groups, device_groups=["north", "south"]))).run()
    assert second["changed"] is False and second["operation_id"] == first["operation_id"]


def test_group_targets_not_matching_package_fail_before_post():
    fake = FakeHuawei()
    groups = {"device_groups": ["north"], "device_type": "WaterMeter", "model": "WM-999", "manufacturer_name": "Acme"}
    with pytest.raises(ht.TaskValidationError) as err:
        runner(fake, desired(targets=groups)).run()
    assert "targets.model" in str(err.value) and "123016" in str(err.value)
    assert fake.paths() == [L, "GET %s/%s" % (CATEGORY, FILE)]


def test_missing_package_is_a_clear_error():
    fake = FakeHuawei()
    with pytest.raises(IoTError) as err:
        runner(fake, desired(file_id="fw-nope")).run()
    assert "file_id fw-nope does not exist" in err.value.message and err.value.code == "123002"
    assert fake.paths() == [L, "GET %s/fw-nope" % CATEGORY]


def test_past_start_fails_only_when_creating():
    fake = FakeHuawei()
    window = {"execute_type": "custom", "start_time": "20251231T000000Z", "end_time": "20251231T010000Z",
              "retry_type": False}
    want = desired(policy=window)
    assert want["deferred_errors"]
    with pytest.raises(ht.TaskValidationError) as err:
        runner(fake, want).run()
    assert "must not be in the past" in str(err.value) and POST not in fake.paths()
    op_id = fake.add_task(FILE, devices=DEVS, policy={"executeType": "custom", "startTime": "20251231T000000Z",
                                                      "endTime": "20251231T010000Z", "retryType": False})
    result = runner(fake, want).run()
    assert result["changed"] is False and result["operation_id"] == op_id and result["policy_differences"] == []


# --------------------------------------------------------------------------- "same task" without extendPara.fileId

def test_fallback_to_package_version_from_subtasks():
    fake = FakeHuawei(echo_file_id=False, expose_version=True)
    op_id = fake.add_task(FILE, devices=DEVS)
    fake.add_task("fw-wm100-1.0.0", devices=DEVS)
    fake.calls[:] = []
    result = runner(fake).run()
    assert result["changed"] is False and result["operation_id"] == op_id and result["matched_by"] == "version"
    assert fake.paths() == [L, PKG, LIST, subs("op-0002"), subs(op_id)]


def test_undecidable_task_is_not_adopted_and_warned():
    fake = FakeHuawei(echo_file_id=False, expose_version=False)
    other = fake.add_task(FILE, devices=DEVS)
    run = runner(fake)
    result = run.run()
    assert result["created"] is True and result["operation_id"] != other
    assert other in run.warnings[0] and "not counted as the same task" in run.warnings[0]


def test_list_entries_without_targets_are_read_in_full():
    fake = FakeHuawei(list_targets=False)
    op_id = fake.add_task(FILE, devices=DEVS)
    fake.calls[:] = []
    result = runner(fake).run()
    assert result["operation_id"] == op_id and result["changed"] is False
    assert fake.paths() == [L, PKG, LIST, get(op_id)]


def test_total_size_key_and_paging():
    fake = FakeHuawei(total_key="totalSize")
    for n in range(150):
        fake.add_task("fw-wm100-1.0.0", devices=["hw-meter-0001"], status="success")
    fake.calls[:] = []
    result = runner(fake).run()
    assert result["created"] is True
    assert fake.paths()[:4] == [L, PKG, LIST, LIST]
    assert [entry["params"]["pageNo"] for entry in fake.log if entry["path"] == OPS][-2:] == ["0", "1"]


# --------------------------------------------------------------------------- lost create answers

def test_lost_create_answer_is_reconciled_without_duplicate():
    fake = FakeHuawei()
    fake.fault("POST", CREATE, "drop")
    run = runner(fake)
    result = run.run()
    assert fake.paths() == [L, PKG, LIST, POST, LIST]
    assert len(fake.tasks) == 1 and fake.count("POST", CREATE) == 1
    assert result["changed"] is True and result["reconciled"] is True and result["created"] is False
    assert result["operation_id"] == "op-0001" and "answer to the create request was lost" in run.warnings[0]


def test_lost_create_of_a_task_that_failed_at_once_is_still_adopted():
    fake = FakeHuawei()
    fake.fault("POST", CREATE, "drop")
    original = fake._create

    def create_failed(*args):
        op_id = original(*args)
        fake.set_status(op_id, "failed")
        return op_id

    fake._create = create_failed
    result = runner(fake).run()
    assert result["reconciled"] is True and result["task"]["status"] == "failed" and len(fake.tasks) == 1


def test_create_lost_before_commit_is_posted_again_after_lookups():
    fake = FakeHuawei()
    fake.fault("POST", CREATE, "timeout")
    run = runner(fake)
    result = run.run()
    assert fake.paths() == [L, PKG, LIST, POST, LIST, LIST, LIST, POST, get("op-0001")]
    assert run.sleep.slept == [1, 3]
    assert result["created"] is True and len(fake.tasks) == 1


def test_create_lost_twice_stops_without_third_post():
    fake = FakeHuawei()
    fake.fault("POST", CREATE, "timeout", "timeout")
    with pytest.raises(IoTError) as err:
        runner(fake).run()
    assert fake.count("POST", CREATE) == 2 and fake.tasks == {}
    assert "nothing more was sent to avoid a duplicate" in err.value.message


def test_http_500_on_create_is_reconciled():
    fake = FakeHuawei()
    fake.fault("POST", CREATE, "http_500")
    result = runner(fake).run()
    assert fake.paths() == [L, PKG, LIST, POST, LIST, LIST, LIST, POST, get("op-0001")]
    assert result["created"] is True


def test_throttled_or_refused_create_is_retried_directly():
    fake = FakeHuawei()
    fake.fault("POST", CREATE, "throttle", "refused")
    client = make_client(fake)
    result = runner(fake, client=client).run()
    assert fake.paths() == [L, PKG, LIST, POST, POST, POST, get("op-0001")]
    assert result["created"] is True and len(fake.tasks) == 1
    assert [r["error_code"] for r in client.retries] == ["1010009", "ConnectionError"]


def test_lookup_failure_after_lost_create_stops():
    fake = FakeHuawei()
    fake.fault("POST", CREATE, "timeout")
    original_route = fake._route
    lists = []

    def route(method, path, params, body, headers):
        if method == "GET" and path == OPS:
            lists.append(params)
            if len(lists) == 2:  # the reconciliation lookup, not the one before the create
                return FakeResponse(400, {"error_code": "120015", "error_desc": "Bad request error."})
        return original_route(method, path, params, body, headers)

    fake._route = route
    with pytest.raises(IoTError) as err:
        runner(fake).run()
    assert "looking the task up failed too" in err.value.message and fake.count("POST", CREATE) == 1
    assert fake.paths() == [L, PKG, LIST, POST, LIST]


# --------------------------------------------------------------------------- throttling, errors, tokens

def test_throttled_reads_are_retried_with_backoff():
    fake = FakeHuawei()
    fake.fault("GET", OPS, "throttle", "throttle", "http_503")
    client = make_client(fake)
    result = runner(fake, client=client).run()
    assert fake.paths() == [L, PKG, LIST, LIST, LIST, LIST, POST, get("op-0001")]
    assert [r["error_code"] for r in client.retries] == ["1010009", "1010009", "HTTP503"]
    assert len(client.sleep.slept) == 3 and all(0 <= s <= 10 for s in client.sleep.slept)
    assert result["created"] is True


def test_throttle_beyond_attempts_fails():
    fake = FakeHuawei()
    fake.fault("GET", OPS, *(["throttle"] * 6))
    with pytest.raises(IoTError) as err:
        runner(fake).run()
    assert err.value.code == "1010009" and "100 calls per minute" in err.value.message
    assert fake.count("GET", OPS) == 6


def test_error_code_with_http_200_is_an_error_numeric_code():
    fake = FakeHuawei()
    fake.fault("GET", "%s/%s" % (CATEGORY, FILE), "error200")
    with pytest.raises(IoTError) as err:
        runner(fake).run()
    assert err.value.code == "100217" and err.value.http_status == 200
    assert "has not been authorized" in err.value.message


def test_documented_create_error_is_explained():
    fake = FakeHuawei()
    fake.fault("POST", CREATE, ("error", 400, "123016", "The parameter is error, targetversion not match with device."))
    with pytest.raises(IoTError) as err:
        runner(fake).run()
    assert err.value.code == "123016" and "deviceType, manufacturerName and model" in err.value.message
    assert fake.count("POST", CREATE) == 1


def test_token_expiry_relogin_once():
    fake = FakeHuawei()
    fake.fault("GET", OPS, "expire")
    client = make_client(fake)
    result = runner(fake, client=client).run()
    assert fake.paths() == [L, PKG, LIST, L, LIST, POST, get("op-0001")]
    assert client.logins == 2 and client.relogins == 1 and result["created"] is True
    assert client.tokens_seen[0] == fake.tokens_issued[0] and fake.tokens_issued[1] in client.tokens_seen


def test_token_expiry_on_create_is_safe_to_repeat():
    fake = FakeHuawei()
    fake.fault("POST", CREATE, "expire")
    result = runner(fake).run()
    assert fake.paths() == [L, PKG, LIST, POST, L, POST, get("op-0001")]
    assert len(fake.tasks) == 1 and result["created"] is True


def test_relogin_is_bounded():
    fake = FakeHuawei()
    fake.fault("GET", OPS, "expire", "expire")
    with pytest.raises(IoTError) as err:
        runner(fake).run()
    assert err.value.code == "1010005"
    assert fake.paths() == [L, PKG, LIST, L, LIST]


def test_given_access_token_skips_login_and_fails_clearly_when_rejected():
    fake = FakeHuawei()
    make_client(fake).login()
    token = fake.token
    fake.calls[:] = []
    client = make_client(fake, access_token=token)
    runner(fake, client=client).run()
    assert L not in fake.paths()
    fake.calls[:] = []
    fake.fault("GET", OPS, "expire")
    with pytest.raises(IoTError) as err:
        runner(fake, client=make_client(fake, access_token=token)).run()
    assert fake.paths() == [PKG, LIST] and "access_token given to the module was rejected" in err.value.message
    assert token not in err.value.message


def test_wrong_secret():
    fake = FakeHuawei()
    client = huawei_iot.HuaweiIoTClient("https://127.0.0.1:8743", APP_ID, secret="wrong-secret", session=fake,
                                        sleep=NoSleep())
    with pytest.raises(IoTError) as err:
        client.get_task("x")
    assert err.value.code == "100208" and "check app_id and secret" in err.value.message
    assert "wrong-secret" not in err.value.message


def test_secrets_and_tokens_are_redacted_from_errors():
    fake = FakeHuawei()
    client = make_client(fake)
    client.login()
    fake.fault("GET", OPS, ("error", 400, "120015", "echo %s %s" % (SECRET, fake.token)))
    with pytest.raises(IoTError) as err:
        runner(fake, client=client).run()
    assert SECRET not in err.value.message and fake.token not in err.value.message and "********" in err.value.message


def test_non_json_answers():
    fake = FakeHuawei()
    client = make_client(fake)
    fake._route = lambda *args: FakeResponse(200, text="<html>proxy</html>")
    with pytest.raises(IoTError) as err:
        client.login()
    assert err.value.code == "InvalidResponse" and err.value.maybe_committed is True
    fake._route = lambda *args: FakeResponse(502, text="<html>bad gateway</html>")
    with pytest.raises(IoTError) as err:
        client.login()
    assert err.value.code == "HTTP502" and err.value.retryable is True
    assert fake.count("POST", LOGIN) == 1 + 6  # a login is repeated on 5xx (bounded)


@pytest.mark.parametrize("endpoint", ["iot.example.com:8743", "ftp://iot:21", "https://host:8743/?a=1", ""])
def test_bad_endpoint(endpoint):
    with pytest.raises(IoTError) as err:
        huawei_iot.HuaweiIoTClient(endpoint, APP_ID, secret=SECRET, session=FakeHuawei())
    assert err.value.code == "InvalidEndpoint"


def test_endpoint_with_path_prefix():
    client = huawei_iot.HuaweiIoTClient("https://127.0.0.1:8743/", APP_ID, secret=SECRET, session=FakeHuawei())
    assert client.base_url == "https://127.0.0.1:8743"


# --------------------------------------------------------------------------- wait

def test_wait_until_success_with_counts():
    fake = FakeHuawei()
    fake.script_progress("op-0001", ["processing", "processing", "success"])
    result = runner(fake, wait=True).run()
    # the GET right after the create consumes the first step
    assert fake.paths() == [L, PKG, LIST, POST, get("op-0001"), get("op-0001"), get("op-0001")]
    assert result["wait"] == {"status": "success", "elapsed": 10, "timed_out": False, "polls": 2}
    assert result["summary"] == {"total": 2, "succeeded": 2, "failed": 0, "in_progress": 0, "finished": 2,
                                 "success_percent": 100.0, "failure_percent": 0.0}
    assert result["counts"]["success"] == 2 and result["elapsed"] == 10


def test_wait_times_out_without_failing():
    fake = FakeHuawei()
    result = runner(fake, wait=True).run()
    assert result["wait"]["timed_out"] is True and result["wait"]["status"] == "wait"
    assert result["summary"]["in_progress"] == 2


def test_wait_on_finished_task_does_not_poll():
    fake = FakeHuawei()
    op_id = fake.add_task(FILE, devices=DEVS, status="success")
    result = runner(fake, wait=True).run()
    assert result["wait"]["polls"] == 0 and result["operation_id"] == op_id


def test_operation_id_present_and_wait():
    fake = FakeHuawei()
    op_id = fake.add_task(FILE, devices=DEVS)
    fake.script_progress(op_id, ["processing", "success"])
    fake.calls[:] = []
    want = ht.validate({"state": "present", "operation_id": op_id}, now=NOW)
    result = runner(fake, want, wait=True).run()
    assert fake.paths() == [L, get(op_id), get(op_id)]
    assert result["matched_by"] == "operation_id" and result["wait"]["status"] == "success"
    with pytest.raises(IoTError) as err:
        runner(fake, ht.validate({"state": "present", "operation_id": "op-9999"}, now=NOW)).run()
    assert "does not exist" in err.value.message


def test_counts_from_subtasks_when_no_sta_result():
    fake = FakeHuawei()
    op_id = fake.add_task(FILE, devices=DEVS, status="success")
    del fake.tasks[op_id]["staResult"]
    result = runner(fake).run()
    assert result["counts"]["success"] == 2 and subs(op_id) in fake.paths()


# --------------------------------------------------------------------------- absent

def test_absent_without_task_is_ok():
    fake = FakeHuawei()
    result = runner(fake, desired(state="absent")).run()
    assert result["changed"] is False and result["operation_id"] is None
    assert fake.paths() == [L, LIST]


def test_absent_with_running_task_fails_clearly():
    fake = FakeHuawei()
    op_id = fake.add_task(FILE, devices=DEVS)
    with pytest.raises(IoTError) as err:
        runner(fake, desired(state="absent"), check_mode=True).run()
    assert err.value.code == "StopNotSupported" and op_id in err.value.message
    assert "no call to stop or cancel" in err.value.message and "console" in err.value.message


def test_absent_with_finished_task_is_ok():
    fake = FakeHuawei()
    op_id = fake.add_task(FILE, devices=DEVS, status="success")
    result = runner(fake, desired(state="absent")).run()
    assert result["changed"] is False and result["operation_id"] == op_id and result["summary"]["succeeded"] == 2
    gone = runner(fake, ht.validate({"state": "absent", "operation_id": "op-9999"}, now=NOW)).run()
    assert gone["changed"] is False and gone["tasks"] == []


# --------------------------------------------------------------------------- info

def test_info_by_ids_with_subtasks():
    fake = FakeHuawei()
    a = fake.add_task(FILE, devices=DEVS, status="success")
    b = fake.add_task(FILE, devices=["hw-meter-0003"], status="failed")
    fake.calls[:] = []
    client = make_client(fake)
    result = huawei_iot.run_info(client, {"operation_ids": [a, b, a], "include_subtasks": True,
                                          "sub_operation_status": "success"})
    assert fake.paths() == [L, get(a), get(b), subs(a), subs(b)]
    assert fake.log[3]["params"]["subOperationStatus"] == "success"
    assert result["operation_ids"] == [a, b] and len(result["tasks"][0]["subtasks"]) == 2
    assert result["tasks"][1]["subtasks"] == []
    assert result["summary"] == {"total": 3, "succeeded": 2, "failed": 1, "in_progress": 0, "finished": 3,
                                 "success_percent": 66.67, "failure_percent": 33.33}
    assert result["all_done"] is True and result["per_task"][b]["status"] == "failed"


def test_info_missing_id_fails():
    fake = FakeHuawei()
    with pytest.raises(IoTError) as err:
        huawei_iot.run_info(make_client(fake), {"operation_id": "nope"})
    assert "nope" in err.value.message


def test_info_list_one_page_and_all_pages():
    fake = FakeHuawei()
    for n in range(1, 8):
        fake.add_task(FILE, devices=["hw-meter-%04d" % n], status="success" if n % 2 else "processing")
    client = make_client(fake)
    page = huawei_iot.run_info(client, {"operation_type": "firmware_upgrade", "page_no": 1, "page_size": 3})
    assert page["total"] == 7 and page["operation_ids"] == ["op-0004", "op-0005", "op-0006"]
    assert page["page_no"] == 1 and page["page_size"] == 3
    assert fake.log[-1]["params"] == {"operationType": "firmware_upgrade", "pageNo": "1", "pageSize": "3"}
    running = huawei_iot.run_info(client, {"operation_status": "processing", "all_pages": True})
    assert running["operation_ids"] == ["op-0002", "op-0004", "op-0006"] and running["all_done"] is False
    assert running["summary"]["in_progress"] == 3


def test_ca_path_wins_over_requests_ca_bundle(monkeypatch):
    """common.HttpSession passes verify per request: REQUESTS_CA_BUNDLE must not replace ca_path (mTLS setups)."""
    import requests
    from ansible_collections.iotfleet.firmware.plugins.module_utils.common import HttpSession

    seen = {}

    def fake_send(self, request, **kwargs):
        seen.update(kwargs)
        response = requests.Response()
        response.status_code = 204
        response._content = b""
        return response

    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
    monkeypatch.setattr(requests.Session, "send", fake_send)
    session = HttpSession(ca_path="/tmp/platform-ca.pem", client_cert="/tmp/c.pem", client_key="/tmp/c.key")
    session.request("GET", "https://127.0.0.1:8743/x")
    assert seen["verify"] == "/tmp/platform-ca.pem" and seen["cert"] == ("/tmp/c.pem", "/tmp/c.key")
    HttpSession(validate_certs=False).request("GET", "https://127.0.0.1:8743/x")
    assert seen["verify"] is False


def test_login_retries_are_not_multiplied_by_the_call_retries():
    fake = FakeHuawei()
    fake.fault("POST", LOGIN, *(["throttle"] * 10))
    with pytest.raises(IoTError) as err:
        runner(fake).run()
    assert err.value.code == "1010009" and fake.count("POST", LOGIN) == 6 and len(fake.calls) == 6
