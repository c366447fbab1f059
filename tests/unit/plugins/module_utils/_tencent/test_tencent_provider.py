"""TencentProvider through the generic module bodies against the emulator in documented-only mode (no
``TaskUserDefine`` echo): the exact actions of each scenario, in order (see conftest.py)."""
import base64
import json
from urllib.parse import quote, quote_plus

import pytest

from tencent_calls import BUF, CANCEL, DEVICES, DF, DFT, DFTS, GDL, PRODUCT, ROWS

from ansible_collections.iotfleet.firmware.plugins.module_utils._errors import IoTError
from ansible_collections.iotfleet.firmware.plugins.module_utils._http import HttpSession
from ansible_collections.iotfleet.firmware.plugins.module_utils._pacing import RateLimiter
from ansible_collections.iotfleet.firmware.plugins.module_utils._retry import RetryPolicy
from ansible_collections.iotfleet.firmware.plugins.module_utils._tencent.api import WINDOW_SECONDS, TencentApi

from kit.credentials import TENCENT_REGION, TENCENT_SECRET_ID, TENCENT_SECRET_KEY

TASK = {"product_id": PRODUCT, "firmware_version": "2.0.0", "fw_type": "mcu", "device_names": DEVICES,
        "task_user_define": {"wave": "canary"}}
FIND = (ROWS, GDL)  # find in devicenames mode with no active task: the rows, then the devices on the target version
CREATED = (BUF, DFT, ROWS)  # the create, the task read back, its progress
ADOPTED = (DFT, ROWS)  # the covering task read once, its progress


def one_task_per_device(emulator):
    stats = emulator.stats()
    assert stats["duplicates"] == []
    return stats


def test_create_then_rerun_without_echo_is_unchanged(emulator, calls, run_module):
    calls.expect(DF, *FIND + CREATED)
    first, _out = run_module(TASK)
    assert first["changed"] is True and first["created"] is True
    calls.assert_done()

    calls.expect(DF, ROWS, *ADOPTED)
    second, _out = run_module(TASK)
    calls.assert_done()
    assert second["changed"] is False and second["created"] is False
    assert second["task_id"] == first["task_id"] and second["task_ids"] == [first["task_id"]]
    assert second["matched_by"] == "rows"  # decided from the documented rows: the marker is not echoed
    assert "TaskUserDefine" not in second["task"]
    assert second["api_calls"] == 4 and second["marker"] == first["marker"] and len(first["marker"]) == 20
    assert len(emulator.tasks()) == 1
    one_task_per_device(emulator)


def test_rerun_after_completion_reports_every_device_up_to_date(emulator, calls, run_module):
    calls.expect(DF, *FIND + CREATED)
    first, _out = run_module(TASK)
    emulator.advance(100000)  # every device finished: the task is no longer active
    calls.expect(DF, ROWS, GDL)
    again, _out = run_module(TASK)
    calls.assert_done()
    assert again["changed"] is False and again["task_id"] is None
    assert sorted(again["up_to_date_devices"]) == DEVICES
    assert again["summary"]["total"] == 0 and first["task_id"] not in again["task_ids"]
    assert len(emulator.tasks()) == 1


def test_devices_already_on_the_target_are_left_out(emulator, calls, run_module):
    calls.expect(DF, *FIND + CREATED)
    run_module(dict(TASK, device_names=DEVICES[:1]))
    emulator.advance(100000)
    calls.expect(DF, ROWS, GDL, *CREATED)
    result, _out = run_module(TASK)
    calls.assert_done()
    assert result["changed"] is True and result["up_to_date_devices"] == DEVICES[:1]
    assert result["request"]["DeviceNames"] == DEVICES[1:]
    one_task_per_device(emulator)


def test_device_is_updating_on_create_is_looked_up_and_adopted(emulator, calls, run_module, provider_for,
                                                               connection_args):
    other = TencentApi(TENCENT_SECRET_ID, TENCENT_SECRET_KEY, TENCENT_REGION, emulator.url,
                       session=HttpSession(timeout=10), pacing_dir=connection_args["pacing_dir"])

    def competitor():  # another controller creates the same work between our lookup and our create
        other.batch_update_firmware({"ProductID": PRODUCT, "FirmwareVersion": "2.0.0", "FwType": "mcu",
                                     "DeviceNames": DEVICES})

    calls.before[3] = competitor
    calls.expect(DF, *FIND + (BUF,) + (ROWS,) + ADOPTED)  # refused create -> one lookup finds it
    result, _out = run_module(TASK)
    calls.assert_done()
    assert result["changed"] is False and result["reconciled"] is True and result["created"] is False
    assert result["task_id"] == emulator.tasks()[0]["TaskId"]
    assert len(emulator.tasks()) == 1
    one_task_per_device(emulator)


def test_device_in_a_task_of_another_version_fails_naming_it(emulator, calls, run_module, connection_args):
    other = TencentApi(TENCENT_SECRET_ID, TENCENT_SECRET_KEY, TENCENT_REGION, emulator.url,
                       session=HttpSession(timeout=10), pacing_dir=connection_args["pacing_dir"])
    # an active task towards 1.0.0 for the first device (its rows are not among the 2.0.0 rows)
    emulator.control("POST", "devices", {"tencent": {"%s/%s" % (PRODUCT, DEVICES[0]): {"versions": {"mcu": "0.9.0"}}}})
    other.batch_update_firmware({"ProductID": PRODUCT, "FirmwareVersion": "1.0.0", "FwType": "mcu",
                                 "DeviceNames": DEVICES[:1]})
    calls.expect(DF, *FIND + (BUF,) + FIND * 4)
    result, _out = run_module(dict(TASK, reconcile_timeout=5))
    calls.assert_done()
    assert result["failed"] is True and "FailedOperation.DeviceIsUpdating" in result["msg"]
    assert "another active task" in result["msg"] and len(emulator.tasks()) == 1


def test_busy_devices_in_another_task_of_the_version_fail_before_any_write(emulator, calls, run_module):
    calls.expect(DF, *FIND + CREATED)
    first, _out = run_module(dict(TASK, device_names=DEVICES[:2]))
    calls.expect(DF, ROWS, GDL)
    result, _out = run_module(TASK)
    calls.assert_done()
    busy = {DEVICES[0]: first["task_id"], DEVICES[1]: first["task_id"]}
    assert result["failed"] is True and result["busy_devices"] == busy
    assert "No task was created" in result["msg"] and len(emulator.tasks()) == 1


def test_slow_commit_within_reconcile_timeout_is_adopted(emulator, calls, run_module, fake_time):
    # executed 2.5 s after receipt; the answer is lost. Each fake sleep of the lookup loop moves the emulator's
    # clock (and its pending commit) by the same seconds, so no test time passes.
    emulator.inject(kind="slow_commit", action=BUF, commit_after=2.5, delay=0.05)
    fake_time.hooks.append(emulator.advance)
    # the lost create, lookups at 0 s and 1 s (not there yet), the one at 3 s finds it
    calls.expect(DF, *FIND + (BUF,) + FIND * 2 + (ROWS,) + ADOPTED)
    result, _out = run_module(TASK)
    calls.assert_done()
    assert result["changed"] is True and result["reconciled"] is True and result["created"] is False
    assert fake_time.sleeps == [1.0, 2.0] and calls.actions.count(BUF) == 1
    assert len(emulator.tasks()) == 1
    one_task_per_device(emulator)


def test_slow_commit_beyond_reconcile_timeout_fails_clearly_after_one_create(emulator, calls, run_module):
    emulator.inject(kind="slow_commit", action=BUF, commit_after=600, delay=0.05)
    calls.expect(DF, *FIND + (BUF,) + FIND * 3)  # lookups at 0, 1 and 3 s of the 3 s window
    result, _out = run_module(dict(TASK, reconcile_timeout=3))
    calls.assert_done()
    assert result["failed"] is True
    assert "may still appear" in result["msg"] and "re-run will reconcile" in result["msg"]
    assert result["call"] == "Tencent Cloud BatchUpdateFirmware"
    assert calls.actions.count(BUF) == 1 and emulator.tasks() == []


def test_throttle_answer_waits_for_the_window_then_succeeds(emulator, calls, run_module, fake_time):
    emulator.inject(kind="throttle", action=ROWS)
    calls.expect(DF, ROWS, *FIND + CREATED)
    result, _out = run_module(TASK)
    calls.assert_done()
    assert result["changed"] is True
    assert result["throttle_waits"] >= 1 and any(entry["attempt"] == 2 for entry in result["retries"])
    assert pytest.approx(sum(fake_time.sleeps), abs=0.01) == WINDOW_SECONDS  # one limiter window, on fake time


def test_each_action_is_paced_at_its_own_documented_limit(emulator, calls, run_module, fake_time):
    calls.expect(*(DF, ROWS, GDL) * 11)
    for _run in range(11):
        calls.before[len(calls.requests)] = None
        result, _out = run_module(dict(TASK, state="present"), check=True)
        assert result["changed"] is True
    calls.assert_done()
    # 11 calls of each action: GetDeviceList (10 per second) waits once for its window (1.1 s); DescribeFirmware and
    # DescribeFirmwareTaskDevices (20 per second) do not wait, and do not wait for GetDeviceList's budget either
    assert pytest.approx(sum(fake_time.sleeps), abs=0.01) == WINDOW_SECONDS


# --------------------------------------------------------------------------- garbage answers

@pytest.mark.parametrize("rule, expected, fragment", [
    ({"kind": "mutate", "action": ROWS, "set": {"Response.Total": "many"}}, (DF, ROWS),
     "field 'Total' is a string \"many\", expected an integer"),
    ({"kind": "mutate", "action": ROWS, "set": {"Response.Devices": None}}, (DF, ROWS),
     "field 'Devices' is null, expected a list"),
    ({"kind": "mutate", "action": ROWS, "set": {"Response.Devices.0.Status": "done"}}, (DF, ROWS),
     "expected an integer"),
    ({"kind": "garbage", "action": ROWS, "body": "{}"}, (DF, ROWS), "Response is null, expected an object"),
    ({"kind": "empty_body", "action": ROWS}, (DF, ROWS), "empty answer (HTTP 200)"),
    ({"kind": "html_error", "action": ROWS, "times": -1}, (DF,) + (ROWS,) * 5, "HTTP 502"),
])
def test_garbage_is_a_clear_failure_naming_the_action(emulator, calls, run_module, rule, expected, fragment):
    if rule["kind"] == "mutate":
        calls.before[0] = lambda: _one_task(emulator)  # rows exist, so a row can be broken
    emulator.inject(**rule)
    calls.expect(*expected)
    result, out = run_module(TASK)
    calls.assert_done()
    assert result["failed"] is True and "Tencent Cloud DescribeFirmwareTaskDevices" in result["msg"]
    assert fragment in result["msg"], result["msg"]
    assert "Traceback" not in out and BUF not in calls.actions


def test_null_task_list_is_not_read_as_no_tasks(emulator, calls, run_module):
    emulator.inject(kind="mutate", action=DFTS, set={"Response.TaskInfos": None})
    calls.expect(DF, ROWS, DFTS)
    result, _out = run_module({"product_id": PRODUCT, "firmware_version": "2.0.0", "firmware_ori_version": "1.0.0"})
    calls.assert_done()
    assert result["failed"] is True and "DescribeFirmwareTasks: field 'TaskInfos' is null" in result["msg"]
    assert emulator.tasks() == []


def test_create_answer_without_integer_task_id_is_reconciled(emulator, calls, run_module):
    emulator.inject(kind="mutate", action=BUF, set={"Response.TaskId": "abc"})
    calls.expect(DF, *FIND + (BUF,) + (ROWS,) + ADOPTED)
    result, _out = run_module(TASK)
    calls.assert_done()
    assert result["changed"] is True and result["reconciled"] is True and len(emulator.tasks()) == 1


def test_trickling_server_hits_the_overall_deadline(emulator, connection_args, tmp_path):
    emulator.inject(kind="trickle", action=DF, rate=2)
    limiter = RateLimiter("t", 20, 1.0, state_dir=str(tmp_path / "p"))
    api = TencentApi(TENCENT_SECRET_ID, TENCENT_SECRET_KEY, TENCENT_REGION, emulator.url, timeout=1,
                     limiter=limiter, retry=RetryPolicy(limiter, attempts=1))
    with pytest.raises(IoTError) as caught:
        api.describe_firmware(PRODUCT, "2.0.0", "mcu")
    assert caught.value.call == "Tencent Cloud DescribeFirmware" and caught.value.code == "DeadlineExceeded"


def _one_task(emulator):
    TencentApi(TENCENT_SECRET_ID, TENCENT_SECRET_KEY, TENCENT_REGION, emulator.url,
               session=HttpSession(timeout=10), pacing_dir="/tmp/iotfleet-test-pacing-other").batch_update_firmware(
        {"ProductID": PRODUCT, "FirmwareVersion": "2.0.0", "FwType": "mcu", "DeviceNames": ["tc-sensor-0010"]})


# --------------------------------------------------------------------------- secrets

SESSION_TOKEN = "sess/Token+v@lue=xyz-0123456789"


def _encodings(secret):
    return [secret, quote(secret, safe=""), quote_plus(secret), json.dumps(secret)[1:-1],
            base64.b64encode(secret.encode()).decode()]


@pytest.mark.parametrize("failing", [False, True])
def test_secret_key_and_session_token_never_in_any_output(emulator, calls, run_module, failing):
    if failing:  # a gateway that echoes the credentials in every encoding
        echo = " ".join(_encodings(TENCENT_SECRET_KEY) + _encodings(SESSION_TOKEN))
        emulator.inject(kind="garbage", action=DF, body="<html>bad gateway %s</html>" % echo)
        calls.expect(DF)
    else:
        calls.expect(DF, *FIND + CREATED)
    result, out = run_module(dict(TASK, session_token=SESSION_TOKEN), diff=True)
    calls.assert_done()
    assert result.get("failed", False) is failing
    for secret in (TENCENT_SECRET_KEY, SESSION_TOKEN):
        for form in _encodings(secret):
            assert form not in out, form


# --------------------------------------------------------------------------- other modes and absent

def test_original_version_mode_rerun_and_nothing_left(emulator, calls, run_module):
    args = {"product_id": PRODUCT, "firmware_version": "2.0.0", "firmware_ori_version": "1.0.0", "fw_type": "mcu"}
    calls.expect(DF, ROWS, DFTS, GDL, *CREATED)
    first, _out = run_module(args)
    assert first["changed"] is True
    calls.expect(DF, ROWS, DFTS, DFT, ROWS)  # the active task described once: same OriginalVersion
    second, _out = run_module(args)
    assert second["changed"] is False and second["task_id"] == first["task_id"]
    emulator.advance(100000)
    calls.expect(DF, ROWS, DFTS, GDL)  # finished, no device left on 1.0.0
    third, _out = run_module(args)
    calls.assert_done()
    assert third["changed"] is False and third["task_id"] is None and len(emulator.tasks()) == 1


def test_check_mode_sends_no_write(emulator, calls, run_module):
    calls.expect(DF, *FIND)
    result, _out = run_module(TASK, check=True, diff=True)
    calls.assert_done()
    assert result["changed"] is True and result["request"]["DeviceNames"] == DEVICES
    assert result["diff"]["after"]["request"]["TaskUserDefine"].startswith('{"iotfleet":')
    assert emulator.tasks() == []


def test_absent_cancels_the_active_task_then_is_unchanged(emulator, calls, run_module):
    calls.expect(DF, *FIND + CREATED)
    first, _out = run_module(TASK)
    calls.expect(DF, ROWS, DFT, CANCEL, DFT, ROWS)
    gone, _out = run_module(dict(TASK, state="absent"))
    assert gone["changed"] is True and gone["cancelled_task_ids"] == [first["task_id"]]
    calls.expect(DF, ROWS)
    again, _out = run_module(dict(TASK, state="absent"))
    calls.assert_done()
    assert again["changed"] is False and again["cancelled_task_ids"] == []
    assert emulator.tasks()[0]["Status"] == 6


def test_info_reads_the_rows_once_for_all_tasks(emulator, calls, run_module):
    calls.expect(DF, *FIND + CREATED)
    first, _out = run_module(TASK)
    calls.expect(DF, ROWS, GDL, *CREATED)
    second, _out = run_module(dict(TASK, device_names=["tc-sensor-0004"]))
    calls.expect(ROWS, DFT, DFT, ROWS)
    info, _out = run_module({"product_id": PRODUCT, "firmware_version": "2.0.0",
                             "task_ids": [first["task_id"], second["task_id"]], "include_devices": True}, info=True)
    calls.assert_done()
    assert info["task_ids"] == [first["task_id"], second["task_id"]] and info["summary"]["total"] == 4
    assert len(info["devices"]) == 4 and info["all_done"] is False


def chunk_params(devices):
    """The parameters the rollout engine validates for one chunk (plugin_utils/_engine/planner.chunk_params)."""
    return {"product_id": PRODUCT, "firmware_version": "2.0.0", "fw_type": "mcu", "device_names": list(devices),
            "state": "present", "wait": False, "task_user_define": {"rollout": "r", "wave": "w", "chunk": "c"}}


def test_find_many_reads_the_rows_once_for_all_chunks_and_tasks_carry_their_scope(emulator, calls, run_module,
                                                                                  provider_for, connection_args):
    calls.expect(DF, *FIND + CREATED)
    first, _out = run_module(dict(TASK, device_names=DEVICES[:1]))
    provider = provider_for(dict(connection_args))
    works = [provider.validate(chunk_params([device])) for device in DEVICES]
    calls.expect(ROWS, DFT)  # one listing of the version's rows for three chunks; the covering task described once
    lookups = provider.find_many(works, known_versions=dict((device, "1.0.0") for device in DEVICES))
    calls.assert_done()
    assert [task.task_id for task in lookups[0].same] == [first["task_id"]]
    assert [lookup.remaining for lookup in lookups[1:]] == [[DEVICES[1]], [DEVICES[2]]]
    assert "describe_firmware_task_devices" not in vars(provider.api)

    # a task recorded by an earlier run: its reference carries the product and version, no prepare is needed
    fresh = provider_for(dict(connection_args))
    ref = fresh.task_ref(works[0], first["task_id"])
    assert ref.scope == (PRODUCT, "2.0.0", "mcu") and ref.devices == frozenset(DEVICES[:1])
    calls.expect(ROWS)
    assert fresh.progress([ref])[first["task_id"]].summary["total"] == 1
    calls.assert_done()


def test_history_reads_the_version_rows_once_and_groups_them_by_task(
        emulator, calls, run_module, provider_for, connection_args):
    """What a rollout reads back when its journal is lost: the tasks of the version with their devices."""
    calls.expect(DF, *FIND + CREATED)
    first, _out = run_module(dict(TASK, device_names=DEVICES[:2]))
    provider = provider_for(dict(connection_args))
    calls.expect(ROWS)
    found = provider.history(provider.validate(chunk_params([DEVICES[2]])))
    calls.assert_done()
    assert [(task.task_id, task.devices, task.matched_by, task.scope) for task in found] == [
        (first["task_id"], frozenset(DEVICES[:2]), "rows", (PRODUCT, "2.0.0", "mcu"))]
