"""The Huawei provider through the generic module body against the emulator (documented-only: no echo).

Every scenario lists the exact HTTP requests (``Recorder`` fails on the first unexpected one) and checks the
emulator's state: one task per device, zero duplicates.
"""
import time
from fnmatch import fnmatchcase
from urllib.parse import quote_plus

import pytest

from ansible_collections.iotfleet.firmware.plugins.module_utils._errors import IoTError
from ansible_collections.iotfleet.firmware.plugins.module_utils._pacing import TOKEN_MARGIN, TokenCache
from ansible_collections.iotfleet.firmware.plugins.module_utils._provider import TaskInfo, ValidationError

from huawei_calls import DEVICES, FILE, LIST, LOGIN, PKG, POST, TASK, device, subtasks, task

from kit.credentials import HUAWEI_APP_ID, HUAWEI_SECRET

D1, D2, D3 = "hw-meter-0001", "hw-meter-0002", "hw-meter-0003"
FIRST_RUN = [LOGIN, PKG, LIST, device(D1), device(D2), POST, TASK]


def logins(harness):
    return sum(line == LOGIN for recorder in harness.recorders for line in recorder.lines)


def one_task_per_device(harness):
    assert harness.duplicates() == []
    covered = [dev for item in harness.tasks() for dev in item["targets"].get("devices", [])]
    assert len(covered) == len(set(covered))


# --------------------------------------------------------------------------- identity without any echo

def test_create_then_rerun_is_unchanged_without_echo(hw, capsys):
    first = hw.run(capsys, expect=FIRST_RUN)
    assert first["changed"] is True and first["created"] is True and first["reconciled"] is False
    assert first["api_calls"] == 7 and first["up_to_date_devices"] == [] and first["busy_devices"] == {}
    assert "extendPara" not in first["task"]  # documented-only: nothing echoed
    second = hw.run(capsys, expect=[PKG, LIST])  # the shared token: no second login
    assert second["changed"] is False and second["operation_id"] == first["operation_id"]
    assert second["matched_by"] == "targets" and second["task_ids"] == [first["operation_id"]]
    assert second["summary"]["total"] == 2
    assert len(hw.tasks()) == 1
    one_task_per_device(hw)


def test_order_of_devices_does_not_matter_and_a_covering_task_is_the_same(hw, capsys):
    first = hw.run(capsys, targets={"devices": [D1, D2, D3]})
    again = hw.run(capsys, expect=[PKG, LIST], targets={"devices": [D2, D1]})
    assert again["changed"] is False and again["operation_id"] == first["operation_id"]
    assert len(hw.tasks()) == 1


def test_rerun_after_completion_reports_every_device_up_to_date(hw, capsys):
    first = hw.run(capsys, expect=FIRST_RUN)
    hw.clock.sleep(1000)  # both upgrades (300 s +-25 %) are done
    again = hw.run(capsys, expect=[PKG, LIST, device(D1), device(D2)])
    assert again["changed"] is False and again["operation_id"] is None
    assert again["up_to_date_devices"] == [D1, D2] and again["task_ids"] == []
    assert [item["status"] for item in hw.tasks()] == ["success"] and first["created"]


def test_only_the_devices_not_up_to_date_get_a_task(hw, capsys):
    hw.run(capsys, targets={"devices": [D1]})
    hw.clock.sleep(1000)
    result = hw.run(capsys, expect=[PKG, LIST, device(D1), device(D2), POST, TASK])
    assert result["changed"] is True and result["up_to_date_devices"] == [D1]
    assert result["request"]["targets"] == {"devices": [D2]}
    assert result["task"]["targets"] == {"devices": [D2]}
    one_task_per_device(hw)


def test_many_devices_are_read_from_the_listing(hw, capsys):
    devices = ["hw-meter-%04d" % number for number in range(1, 11)]
    result = hw.run(capsys, expect=[LOGIN, PKG, LIST, DEVICES + "?deviceType=WaterMeter&pageNo=0&pageSize=100",
                                    POST, TASK], targets={"devices": devices})
    assert result["changed"] is True and sorted(result["request"]["targets"]["devices"]) == devices


def test_devices_in_another_active_task_are_busy_and_nothing_is_created(hw, capsys):
    other = hw.run(capsys, targets={"devices": [D1, D3]})
    result = hw.run(capsys, expect=[PKG, LIST, device(D2)])
    assert result["failed"] is True and result["busy_devices"] == {D1: other["operation_id"]}
    assert D1 in result["msg"] and other["operation_id"] in result["msg"] and D2 in result["msg"]
    assert len(hw.tasks()) == 1


def test_check_mode_sends_no_write(hw, capsys):
    result = hw.run(capsys, expect=[LOGIN, PKG, LIST, device(D1), device(D2)], check=True, diff=True)
    assert result["changed"] is True and result["diff"]["before"] == {}
    assert result["diff"]["after"]["targets"] == {"devices": [D1, D2]}
    assert hw.tasks() == []


def test_device_groups_same_active_task_then_all_up_to_date(hw, capsys):
    groups = {"device_groups": ["lab"], "device_type": "WaterMeter", "model": "WM-100", "manufacturer_name": "Acme"}
    first = hw.run(capsys, expect=[LOGIN, PKG, LIST, DEVICES + "?deviceType=WaterMeter&pageNo=0&pageSize=100", POST,
                                   TASK], targets=groups)
    assert first["changed"] is True and first["task"]["targets"]["deviceGroups"] == ["lab"]
    again = hw.run(capsys, expect=[PKG, LIST], targets=groups)
    assert again["changed"] is False and again["operation_id"] == first["operation_id"]
    hw.clock.sleep(1000)
    # finished, no echo: only "every device of the package's type on the target version" proves it done; the lab
    # group is 10 of the 20 devices, so the listing's first device still on 1.0.0 (hw-meter-0011) means "create"
    third = hw.run(capsys, check=True, expect=[PKG, LIST, DEVICES + "?deviceType=WaterMeter&pageNo=0&pageSize=100"],
                   targets=groups)
    assert third["changed"] is True


def test_operation_id_is_returned_and_waited_for(hw, capsys):
    first = hw.run(capsys)
    op = first["operation_id"]
    # the given task, one poll after wait_sleep, the body's final read of the task
    result = hw.run(capsys, expect=[task(op), task(op), task(op)], operation_id=op, file_id=None, targets=None,
                    wait=True, wait_sleep=600)
    assert result["changed"] is False and result["matched_by"] == "operation_id"
    assert result["wait"]["status"] == "success" and result["wait"]["polls"] == 1


def test_absent_with_an_active_task_fails_naming_it(hw, capsys):
    first = hw.run(capsys)
    result = hw.run(capsys, expect=[PKG, LIST], state="absent")
    assert result["failed"] is True and result["error_code"] == "StopNotSupported"
    assert first["operation_id"] in result["msg"] and "v1.5.0" in result["msg"]


# --------------------------------------------------------------------------- lost and slow creates

def test_slow_commit_within_the_reconcile_timeout_is_adopted_with_one_post(hw, capsys):
    hw.inject(method="POST", path="/iodm/northbound/v1.5.0/operations/firmwareUpgrade", kind="slow_commit",
              delay=0.05, commit_after=7)
    # lookups at +0, +1, +3, +7 s (the loop doubles its delay); the task appears 7 s after receipt
    result = hw.run(capsys, expect=[LOGIN, PKG, LIST, device(D1), device(D2), POST, LIST, LIST, LIST, LIST])
    assert result["changed"] is True and result["reconciled"] is True and result["created"] is False
    assert result["operation_id"] == hw.tasks()[0]["operationId"]
    assert hw.clock.sleeps == pytest.approx([1.0, 2.0, 4.0])
    assert len(hw.tasks()) == 1
    again = hw.run(capsys, expect=[PKG, LIST])
    assert again["changed"] is False and again["operation_id"] == result["operation_id"]


def test_slow_commit_beyond_the_reconcile_timeout_fails_clearly_with_one_post(hw, capsys):
    hw.inject(method="POST", path="/iodm/northbound/v1.5.0/operations/firmwareUpgrade", kind="slow_commit",
              delay=0.05, commit_after=30)
    result = hw.run(capsys, expect=[LOGIN, PKG, LIST, device(D1), device(D2), POST, LIST, LIST, LIST, LIST, LIST],
                    reconcile_timeout=10)
    assert result["failed"] is True
    assert "may still appear" in result["msg"] and "a re-run will reconcile it" in result["msg"]
    assert hw.clock.slept == 10 and hw.tasks() == []
    hw.clock.sleep(20)  # the platform executes the create late
    again = hw.run(capsys, expect=[PKG, LIST])
    assert again["changed"] is False and len(hw.tasks()) == 1


def test_lost_answer_of_an_executed_create_is_adopted(hw, capsys):
    hw.inject(method="POST", path="/iodm/northbound/v1.5.0/operations/firmwareUpgrade", kind="drop_response")
    result = hw.run(capsys, expect=[LOGIN, PKG, LIST, device(D1), device(D2), POST, LIST])
    assert result["reconciled"] is True and result["changed"] is True and len(hw.tasks()) == 1


@pytest.mark.parametrize("kind", ["http_500", "http_503", "reset"])
def test_unanswered_create_is_never_posted_twice(hw, capsys, kind):
    hw.inject(method="POST", path="/iodm/northbound/v1.5.0/operations/firmwareUpgrade", kind=kind)
    result = hw.run(capsys, expect=[LOGIN, PKG, LIST, device(D1), device(D2), POST] + [LIST] * 5,
                    reconcile_timeout=10)
    assert result["failed"] is True and "a re-run will reconcile it" in result["msg"] and hw.tasks() == []
    again = hw.run(capsys, expect=[PKG, LIST, device(D1), device(D2), POST, TASK])
    assert again["created"] is True and len(hw.tasks()) == 1


def test_create_answer_without_a_string_operation_id_is_reconciled(hw, capsys):
    hw.inject(method="POST", path="/iodm/northbound/v1.5.0/operations/firmwareUpgrade", kind="mutate",
              set={"operationId": 12})
    result = hw.run(capsys, expect=[LOGIN, PKG, LIST, device(D1), device(D2), POST, LIST])
    assert result["reconciled"] is True and len(hw.tasks()) == 1


# --------------------------------------------------------------------------- tokens

def test_two_providers_share_one_token(hw):
    first, second = hw.provider(), hw.provider()
    for provider in (first, second):
        work = provider.validate(hw.params())
        provider.prepare(work)
    assert logins(hw) == 1
    assert first.api.token == second.api.token


def test_a_refused_cached_token_is_replaced_once(hw, capsys):
    hw.run(capsys)
    hw.inject(method="GET", path="/iodm/northbound/v1.5.0/category", kind="expire_token")
    result = hw.run(capsys, expect=[PKG, LOGIN, PKG, LIST])
    assert result["changed"] is False and logins(hw) == 2


def test_a_token_refused_right_after_a_login_is_an_error_not_a_loop(hw, capsys):
    hw.inject(method="GET", path="/iodm/northbound/v1.5.0/category", kind="expire_token", times=2)
    result = hw.run(capsys, expect=[LOGIN, PKG])
    assert result["failed"] is True and result["error_code"] == "1010005" and "just now" in result["msg"]


def test_a_given_access_token_is_never_replaced(hw, capsys):
    result = hw.run(capsys, expect=[PKG], secret=None, access_token="not-a-valid-token")
    assert result["failed"] is True and "access_token given to the module was rejected" in result["msg"]
    assert "not-a-valid-token" not in str(result)


def test_wait_over_ten_token_lifetimes_logs_in_only_when_the_token_expired(make_hw, capsys):
    hw = make_hw(behaviour={"huawei_token_ttl": 310, "upgrade_seconds": 3000, "jitter": 0.0})
    result = hw.run(capsys, wait=True, wait_sleep=30, wait_timeout=7200, targets={"devices": [D1]})
    assert result["wait"]["status"] == "success" and result["wait"]["elapsed"] >= 3000  # > 9 token lifetimes
    recorder = hw.recorders[-1]
    start = recorder.requests[0].time
    assert [line for line in recorder.lines if line != LOGIN and not fnmatchcase(line, TASK)] == [
        PKG, LIST, device(D1), POST]
    # a token is handed out for its 310 s minus the cache's margin (60 s, at most a tenth of the lifetime): the
    # polls every 30 s log in again at the first poll after that, and the platform never refuses a token
    usable = 310 - min(TOKEN_MARGIN, 31.0)
    expected, last = [0], 0
    for poll in range(30, int(result["wait"]["elapsed"]) + 1, 30):
        if poll >= last + usable:
            expected.append(poll)
            last = poll
    assert [round(request.time - start) for request in recorder.requests if request.line == LOGIN] == expected
    assert len(expected) >= 10
    log = hw.control("GET", "requests")["requests"]
    assert not [entry for entry in log if entry.get("error_code") == "1010005"]


# --------------------------------------------------------------------------- throttle

def test_throttle_answers_wait_for_the_window_then_succeed(hw, capsys):
    hw.inject(method="GET", path="/iodm/northbound/v1.5.0/operations", kind="throttle", times=2)
    hw.inject(method="POST", path="/iodm/northbound/v1.5.0/operations/firmwareUpgrade", kind="throttle")
    result = hw.run(capsys, expect=[LOGIN, PKG, LIST, LIST, LIST, device(D1), device(D2), POST, POST, TASK])
    assert result["changed"] is True and result["created"] is True and len(hw.tasks()) == 1
    assert result["throttle_waits"] == 3 and len(result["retries"]) == 3
    assert hw.clock.slept >= 3 * 60  # the window, each time


def test_calls_are_paced_at_api_calls_per_minute(hw, capsys):
    hw.control("POST", "behaviour", {"huawei_calls_per_minute": 3})
    result = hw.run(capsys, api_calls_per_minute=3)
    assert result["changed"] is True and result["api_calls"] == 7
    # 7 calls at 3 per minute: two waits, and the platform never had to refuse one
    assert result["throttle_waits"] == 0 and hw.clock.sleeps == pytest.approx([61.0, 61.0])  # the window plus 1 s of margin
    log = hw.control("GET", "requests")["requests"]
    assert len(log) == 7 and not [entry for entry in log if entry.get("error_code") == "1010009"]


# --------------------------------------------------------------------------- garbage answers

@pytest.mark.parametrize("rule, fragment", [
    ({"kind": "garbage", "body": "{}"}, "'data'"),
    ({"kind": "garbage", "body": "{\"data\": null}"}, "'data'"),
    ({"kind": "garbage", "body": "not json"}, "not JSON"),
    ({"kind": "empty_body"}, "empty answer"),
    ({"kind": "mutate", "set": {"totalCount": "many", "totalSize": "many"}}, "totalCount"),
    ({"kind": "mutate", "set": {"data": {"operationId": "x"}}}, "'data'"),
], ids=["empty-object", "data-null", "not-json", "empty-body", "total-not-int", "data-not-list"])
def test_garbage_task_list_is_an_error_naming_the_call(hw, capsys, rule, fragment):
    hw.inject(method="GET", path="/iodm/northbound/v1.5.0/operations", **rule)
    result = hw.run(capsys, expect=[LOGIN, PKG, LIST])
    assert result["failed"] is True and result["error_code"] == "InvalidResponse"
    assert "Huawei IoT GET /iodm/northbound/v1.5.0/operations" in result["msg"] and fragment in result["msg"]
    assert hw.tasks() == []


def test_html_502_is_retried_then_named(hw, capsys):
    hw.inject(method="GET", path="/iodm/northbound/v1.5.0/category", kind="html_error", times=-1)
    result = hw.run(capsys, expect=[LOGIN] + [PKG] * 5)
    assert result["failed"] is True and result["http_status"] == 502
    assert "Huawei IoT GET /iodm/northbound/v1.5.0/category/%s" % FILE in result["msg"] and "<" not in result["msg"]


def test_devices_null_is_an_error(hw, capsys):
    hw.inject(method="GET", path="/iocm/app/dm/v1.4.0/devices", kind="mutate", set={"devices": None})
    result = hw.run(capsys, expect=[LOGIN, PKG, LIST, DEVICES + "?deviceType=WaterMeter&pageNo=0&pageSize=100"],
                    targets={"devices": [D1, D2, D3]})
    assert result["failed"] is True and "'devices'" in result["msg"] and hw.tasks() == []


def test_non_integer_counters_fail_naming_the_call_never_all_done(hw, capsys):
    first = hw.run(capsys)
    hw.inject(method="GET", path="/iodm/northbound/v1.5.0/operations/" + first["operation_id"], kind="mutate",
              set={"staResult.success": "x"})
    result = hw.run(capsys, expect=[task(first["operation_id"])], operation_id=first["operation_id"], file_id=None,
                    targets=None)
    assert result["failed"] is True and "staResult.success" in result["msg"]
    assert first["operation_id"] in result["msg"]


def test_trickling_server_hits_the_overall_deadline(hw, capsys):
    hw.inject(method="GET", path="/iodm/northbound/v1.5.0/category", kind="trickle", rate=20, times=-1)
    result = hw.run(capsys, expect=[LOGIN] + [PKG] * 5, factory=hw.factory(), timeout=1)
    assert result["failed"] is True and result["error_code"] == "DeadlineExceeded"
    assert "Huawei IoT GET /iodm/northbound/v1.5.0/category" in result["msg"]


# --------------------------------------------------------------------------- secrets

def test_a_secret_echoed_url_encoded_is_redacted(hw, capsys):
    secret = "p@ss w+rd/&%s" % "x"
    hw.inject(method="POST", path="/iocm/app/sec/v1.1.0/login", kind="mutate",
              set={"error_desc": "bad request appId=%s&secret=%s" % (HUAWEI_APP_ID, quote_plus(secret))})
    result = hw.run(capsys, expect=[LOGIN], secret=secret)
    assert result["failed"] is True and result["error_code"] == "100208"
    text = str(result)
    assert quote_plus(secret) not in text and secret not in text and "********" in result["msg"]
    assert "Login to" in result["msg"]


def test_tokens_never_appear_in_results(hw, capsys):
    result = hw.run(capsys, wait=False)
    digest = __import__("hashlib").sha256(HUAWEI_SECRET.encode()).hexdigest()
    cache = TokenCache("huawei-token|%s|%s|%s" % (hw.url, HUAWEI_APP_ID, digest), state_dir=hw.pacing_dir,
                       clock=hw.clock.time)
    token = cache.get()["token"]
    assert token not in str(result)


# --------------------------------------------------------------------------- progress and devices

def test_progress_of_many_tasks_reads_the_task_list(hw, capsys):
    ids = [hw.run(capsys, targets={"devices": [dev]})["operation_id"] for dev in (D1, D2, D3)]
    provider = hw.provider()
    provider.prepare(provider.validate(hw.params()))
    tasks = [TaskInfo(task_id=op, active=True) for op in ids]
    provider.api.session.expect(LIST)
    progress = provider.progress(tasks)
    provider.api.session.assert_done()
    assert sorted(progress) == sorted(ids) and all(item.counts["total"] == 1 for item in progress.values())


def test_find_many_lists_the_tasks_once_for_all_chunks(hw, capsys):
    """The engine's lookup of a wave: N chunks, one task listing (no listing cached on the API object)."""
    first = hw.run(capsys, targets={"devices": [D1]})
    provider = hw.provider()
    works = [provider.validate(hw.params(targets={"devices": [dev]})) for dev in (D1, D2, D3)]
    provider.api.session.expect(PKG, LIST)
    provider.prepare(works[0])
    for work in works[1:]:  # what the engine's prepare_once hands on
        work.update(package=works[0]["package"], target_version=works[0]["target_version"])
    lookups = provider.find_many(works, known_versions={D2: "1.0.0", D3: "1.0.0"})
    provider.api.session.assert_done()
    assert [task.task_id for task in lookups[0].same] == [first["operation_id"]]
    assert [lookup.remaining for lookup in lookups[1:]] == [[D2], [D3]]
    assert all(lookup.seen == frozenset([first["operation_id"]]) for lookup in lookups)
    assert "task_pages" not in vars(provider.api)


class Unscannable(dict):
    """Known versions that may be asked for one device, never scanned whole."""

    def items(self):
        raise AssertionError("known_versions scanned")

    def __iter__(self):
        raise AssertionError("known_versions scanned")


def test_find_many_asks_the_known_versions_for_the_works_devices_only(hw, capsys):
    """The known versions of a wave (hundreds of thousands at fleet scale) are looked up per device of a chunk, not
    scanned for each chunk (that was quadratic: a million-device rollout spent its time there)."""
    hw.run(capsys, targets={"devices": [D1]})
    provider = hw.provider()
    works = [provider.validate(hw.params(targets={"devices": [dev]})) for dev in (D2, D3)]
    provider.api.session.expect(PKG, LIST)
    provider.prepare(works[0])
    works[1].update(package=works[0]["package"], target_version=works[0]["target_version"])
    known = Unscannable(("other-%d" % n, "1.0.0") for n in range(1000))
    known.update({D2: "1.0.0", D3: works[0]["target_version"]})
    lookups = provider.find_many(works, known_versions=known)
    provider.api.session.assert_done()
    assert [(lookup.remaining, lookup.up_to_date) for lookup in lookups] == [([D2], []), ([], [D3])]


def test_failures_come_from_the_failed_subtasks_only(make_hw, capsys):
    hw = make_hw(behaviour={"failure_rates": {"hw-meter-0001": 1.0}})
    first = hw.run(capsys)
    hw.clock.sleep(1000)
    provider = hw.provider()
    op = first["operation_id"]
    info = TaskInfo(task_id=op, active=True)
    provider.api.session.expect(task(op), subtasks(op, "fail"), subtasks(op, "timeout"))
    progress = provider.progress([info], with_failures=True)[op]
    provider.api.session.assert_done()
    assert progress.done and progress.failures == [{"device": D1, "status": "fail", "detail": "upgrade failed"}]


def test_iter_devices_filters_model_and_manufacturer_client_side(hw):
    provider = hw.provider()
    rows = list(provider.iter_devices({"device_type": "WaterMeter", "model": "WM-100", "status": "ONLINE"}))
    assert len(rows) == 20 and rows[0]["firmware_version"] == "1.0.0" and rows[0]["online"] is True
    assert list(provider.iter_devices({"model": "other"})) == []
    assert provider.device_versions([D1, "missing-device"]) == {D1: "1.0.0"}


def test_device_versions_from_the_listing_keep_the_id_and_version_of_each_row_only(hw, monkeypatch):
    """A listing for a wave of 50,000 devices held every row with its raw answer (138 MB, issue 17): the read keeps
    ``(device_id, firmware_version)`` pairs, and answers as the rows say."""
    from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei import devices as huawei_devices

    held = []

    def spy(ids, pages, get_one, id_of):
        found = cheapest_read(ids, pages, get_one, id_of)
        held.extend(found.values())
        return found

    cheapest_read = huawei_devices.cheapest_read
    monkeypatch.setattr(huawei_devices, "cheapest_read", spy)
    provider = hw.provider()
    rows = dict((row["device_id"], row["firmware_version"]) for row in provider.iter_devices({}))
    wanted = sorted(rows)[:6] + ["missing-device"]
    assert provider.device_versions(wanted) == dict((d, rows[d]) for d in wanted[:6])  # the listing
    assert provider.device_versions([D2, "missing-device"]) == {D2: rows[D2]}  # one by one
    assert held and all(isinstance(pair, tuple) and len(pair) == 2 for pair in held)


def test_unknown_package_is_a_clear_error(hw, capsys):
    result = hw.run(capsys, expect=[LOGIN, "GET /iodm/northbound/v1.5.0/category/nope"], file_id="nope")
    assert result["failed"] is True and "does not exist on the platform" in result["msg"]


def test_validation_fails_before_any_request(hw, capsys):
    result = hw.run(capsys, expect=[], policy={"execute_type": "now", "retry_type": True, "retry_times": 9,
                                               "start_time": None, "end_time": None})
    assert result["failed"] is True and "retry_times" in result["msg"]
    with pytest.raises(ValidationError) as err:
        hw.provider(endpoint="ftp://nowhere", secret=None)
    assert "endpoint must be a full URL" in str(err.value) and "secret" in str(err.value)


# --------------------------------------------------------------------------- the echo as a fast path only

def test_with_the_echo_a_finished_task_of_this_package_is_returned(make_hw, capsys):
    hw = make_hw(behaviour={"documented_only": False})
    first = hw.run(capsys)
    hw.clock.sleep(1000)
    again = hw.run(capsys, expect=[PKG, LIST])
    assert again["changed"] is False and again["operation_id"] == first["operation_id"]
    assert again["matched_by"] == "file_id" and again["task"]["status"] == "success"


def test_with_the_echo_an_active_task_of_another_package_makes_its_devices_busy(make_hw, capsys):
    hw = make_hw(behaviour={"documented_only": False})
    start = hw.clock.now + 3600
    window = {"execute_type": "custom", "start_time": time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(start)),
              "end_time": time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(start + 3600)), "retry_type": False,
              "retry_times": None}
    hw.control("POST", "devices", {"huawei": {D1: {"version": "0.9.0"}, D2: {"version": "0.9.0"}}})
    other = hw.run(capsys, file_id="fw-wm100-1.0.0", policy=window)
    assert other["changed"] is True and other["task"]["status"] == "wait"
    result = hw.run(capsys, expect=[PKG, LIST])
    assert result["failed"] is True and result["busy_devices"] == {D1: other["operation_id"],
                                                                   D2: other["operation_id"]}
    assert len(hw.tasks()) == 1


def test_history_lists_the_package_tasks_with_their_devices_in_one_listing(hw, capsys):
    """What a rollout reads back when its journal is lost: every task of the package, active or not, by devices."""
    first = hw.run(capsys, targets={"devices": [D1, D2]})
    provider = hw.provider()
    work = provider.validate(hw.params(targets={"devices": [D3]}))
    provider.api.session.expect(PKG, LIST)
    found = provider.history(work)
    provider.api.session.assert_done()
    assert [(task.task_id, task.devices, task.matched_by) for task in found] == [
        (first["operation_id"], frozenset([D1, D2]), "targets")]  # no echo: decided from the documented targets
    hw.clock.sleep(1000)  # the task finishes: it is still history
    provider.api.session.expect(LIST)
    assert [task.active for task in provider.history(work)] == [False]
    provider.api.session.assert_done()


def test_a_subtask_of_another_status_in_the_failed_listing_is_an_error_naming_the_call(make_hw, capsys):
    """A server that ignores subOperationStatus=fail must not turn every device of the task into a failed one."""
    hw = make_hw(behaviour={"failure_rates": {"hw-meter-0001": 1.0}})
    first = hw.run(capsys, targets={"devices": [D1, D2]})
    hw.clock.sleep(1000)
    op = first["operation_id"]
    hw.inject(method="GET", path="/iodm/northbound/v1.5.0/operations/%s/subOperations" % op, kind="mutate",
              set={"data.0.status": "success"})
    provider = hw.provider()
    with pytest.raises(IoTError, match=r"subOperationStatus=fail answered a subtask of status 'success'"):
        provider.failures(op)
