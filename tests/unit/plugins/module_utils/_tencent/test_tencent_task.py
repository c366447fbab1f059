"""Pure logic of the Tencent module: validation, modes, request, marker, matching, summary."""
import json

import pytest

from ansible_collections.iotfleet.firmware.plugins.module_utils._tencent import task as tt
from ansible_collections.iotfleet.firmware.plugins.module_utils._tencent import task_state as tts


def opts(**overrides):
    params = dict((key, None) for key, _field in tt.REQUEST_FIELDS)
    params.update(state="present", task_id=None, product_id="TCPROD0001", firmware_version="2.0.0")
    params.update(overrides)
    return params


def names(n, start=1):
    return ["tc-sensor-%04d" % i for i in range(start, start + n)]


def errors_of(**overrides):
    with pytest.raises(tt.TaskValidationError) as info:
        tt.validate(opts(**overrides))
    return info.value.errors


# --------------------------------------------------------------------------- mode detection

@pytest.mark.parametrize("overrides, mode", [
    ({"firmware_ori_version": "1.0.0"}, "originalVersion"),
    ({"file_name": "list.csv"}, "filename"),
    ({"device_names": ["a"]}, "devicenames"),
    ({}, None),
    ({"device_names": []}, None),
    ({"firmware_ori_version": "1.0.0", "device_names": ["a"]}, "ambiguous"),
    ({"file_name": "f", "device_names": ["a"]}, "ambiguous"),
])
def test_detect_mode(overrides, mode):
    assert tt.detect_mode(opts(**overrides)) == mode


# --------------------------------------------------------------------------- validation rules

def test_valid_modes_pass():
    assert tt.validate(opts(firmware_ori_version="1.0.0"))["mode"] == "originalVersion"
    assert tt.validate(opts(device_names=names(2)))["mode"] == "devicenames"
    desired = tt.validate(opts(file_name="list.csv", file_md5="608AFE29A06B19D3033C5F8787EC75FA", file_size=120))
    assert desired["mode"] == "filename"
    assert desired["file_md5"] == "608afe29a06b19d3033c5f8787ec75fa"


@pytest.mark.parametrize("overrides, fragment", [
    ({"product_id": None, "device_names": ["a"]}, "product_id is required"),
    ({"product_id": "  ", "device_names": ["a"]}, "product_id is required"),
    ({"product_id": " P", "device_names": ["a"]}, "product_id must not have leading or trailing spaces"),
    ({"firmware_version": "", "device_names": ["a"]}, "firmware_version is required"),
    ({}, "an upgrade mode is required"),
    ({"firmware_ori_version": "1.0.0", "device_names": ["a"]},
     "give exactly one upgrade mode, got firmware_ori_version and device_names"),
    ({"firmware_ori_version": "1.0.0", "file_name": "f", "file_md5": "0" * 32, "file_size": 1},
     "give exactly one upgrade mode"),
    ({"firmware_ori_version": "2.0.0"}, "firmware_ori_version must differ from firmware_version"),
    ({"file_name": "f", "file_size": 1}, "file_md5 is required with file_name"),
    ({"file_name": "f", "file_md5": "xyz", "file_size": 1}, "file_md5 must be 32 hexadecimal characters"),
    ({"file_name": "f", "file_md5": "0" * 32}, "file_size is required with file_name"),
    ({"file_name": "f", "file_md5": "0" * 32, "file_size": 0}, "file_size must be at least 1"),
    ({"device_names": ["a"], "file_md5": "0" * 32}, "file_md5 is only used with file_name"),
    ({"device_names": ["a"], "file_size": 3}, "file_size is only used with file_name"),
    ({"device_names": ["a", ""]}, "device_names must be non-empty strings"),
    ({"device_names": "a"}, "device_names must be a list"),
    ({"device_names": ["a"], "timeout_interval": 119}, "timeout_interval must be between 120 and 900, got 119"),
    ({"device_names": ["a"], "timeout_interval": 901}, "timeout_interval must be between 120 and 900, got 901"),
    ({"device_names": ["a"], "upgrade_method": 2}, "upgrade_method must be one of 0, 1"),
    ({"device_names": ["a"], "type": 2}, "type must be one of 1, 7"),
    ({"device_names": ["a"], "override_mode": 3}, "override_mode must be one of 0, 1"),
    ({"device_names": ["a"], "delay_time": -1}, "delay_time must be at least 0"),
    ({"device_names": ["a"], "max_retry_num": -1}, "max_retry_num must be at least 0"),
    ({"device_names": ["a"], "retry_interval": 0}, "retry_interval must be at least 1"),
    ({"device_names": ["a"], "rate_limit": 0}, "rate_limit must be at least 1"),
    ({"device_names": ["a"], "start_time": -5}, "start_time must be at least 0"),
    ({"device_names": ["a"], "end_time": -5}, "end_time must be at least 0"),
    ({"device_names": ["a"], "start_time": 2000, "end_time": 1000}, "end_time (1000) must be later than start_time (2000)"),
    ({"device_names": ["a"], "start_time": 2000, "end_time": 2000}, "must be later than start_time"),
    ({"device_names": ["a"], "task_id": 0}, "task_id must be at least 1"),
    ({"device_names": ["a"], "fw_type": " "}, "fw_type must be a non-empty string"),
    ({"device_names": ["a"], "task_user_define": 5}, "task_user_define must be a string or a dict"),
    ({"device_names": ["a"], "task_user_define": {"iotfleet": "x"}}, "must not contain the key 'iotfleet'"),
    ({"device_names": ["a"], "task_user_define": '{"iotfleet": "x"}'}, "must not contain the key 'iotfleet'"),
    ({"device_names": ["a"], "timeout_interval": "300"}, "timeout_interval must be an integer"),
])
def test_every_validation_rule(overrides, fragment):
    errors = errors_of(**overrides)
    assert any(fragment in error for error in errors), errors


def test_all_problems_reported_at_once():
    errors = errors_of(timeout_interval=50, rate_limit=0, upgrade_method=5)
    assert len(errors) == 4  # three ranges + missing mode
    assert "; ".join(errors) == str(tt.TaskValidationError(errors))


def test_boundaries_accepted():
    for value in (120, 900):
        tt.validate(opts(device_names=["a"], timeout_interval=value))
    tt.validate(opts(device_names=["a"], start_time=0, end_time=0, delay_time=0, max_retry_num=0))
    tt.validate(opts(device_names=["a"], start_time=1000, end_time=1001))
    tt.validate(opts(device_names=["a"], end_time=1001))


def test_task_id_makes_the_mode_optional():
    desired = tt.validate(opts(task_id=1000, state="absent"))
    assert desired["mode"] is None and desired["marker"] is None
    assert tt.validate(opts(task_id=1000))["task_id"] == 1000


def test_absent_without_task_id_needs_a_mode():
    assert any("an upgrade mode is required" in e for e in errors_of(state="absent"))


def test_device_names_deduplicated_keep_order():
    assert tt.validate(opts(device_names=["b", "a", "b"]))["device_names"] == ["b", "a"]


# --------------------------------------------------------------------------- request building and marker

def test_request_fields_and_casing():
    desired = tt.validate(opts(device_names=["b", "a"], upgrade_method=1, timeout_interval=300, type=7, delay_time=10,
                               override_mode=1, max_retry_num=2, retry_interval=3, fw_type="mcu", rate_limit=50,
                               start_time=1800000000, end_time=1800003600, task_user_define={"wave": 1}))
    request = tt.build_create_request(desired)
    assert request == {
        "ProductID": "TCPROD0001", "FirmwareVersion": "2.0.0", "DeviceNames": ["b", "a"], "UpgradeMethod": 1,
        "TimeoutInterval": 300, "Type": 7, "DelayTime": 10, "OverrideMode": 1, "MaxRetryNum": 2, "RetryInterval": 3,
        "FwType": "mcu", "RateLimit": 50, "StartTime": 1800000000, "EndTime": 1800003600,
        "TaskUserDefine": '{"iotfleet":"%s","wave":1}' % desired["marker"],
    }


def test_request_leaves_out_unset_fields():
    desired = tt.validate(opts(firmware_ori_version="1.0.0"))
    assert tt.build_create_request(desired) == {
        "ProductID": "TCPROD0001", "FirmwareVersion": "2.0.0", "FirmwareOriVersion": "1.0.0",
        "TaskUserDefine": json.dumps({"iotfleet": desired["marker"]}, separators=(",", ":"))}


def test_file_mode_request():
    desired = tt.validate(opts(file_name="list.csv", file_md5="0" * 32, file_size=120))
    request = tt.build_create_request(desired)
    assert (request["FileName"], request["FileMd5"], request["FileSize"]) == ("list.csv", "0" * 32, 120)
    assert "DeviceNames" not in request and "FirmwareOriVersion" not in request


def test_marker_is_stable_and_order_insensitive():
    one = tt.validate(opts(device_names=["a", "b", "c"], task_user_define={"x": 1, "y": 2}))
    two = tt.validate(opts(device_names=["c", "a", "b", "a"], task_user_define='{"y": 2, "x": 1}'))
    assert one["marker"] == two["marker"]
    assert len(one["marker"]) == 20
    assert one["task_user_define_sent"] == two["task_user_define_sent"]
    # pinned: the marker must not change between releases, or re-runs would create duplicates
    assert tt.compute_marker(tt.validate(opts(device_names=["a"]))) == tt.compute_marker(tt.validate(opts(device_names=["a"])))


def test_marker_pinned_value():
    desired = tt.validate(opts(device_names=["tc-sensor-0001"], fw_type="mcu"))
    spec = tt.marker_spec(desired)
    assert spec == {"v": 1, "product_id": "TCPROD0001", "firmware_version": "2.0.0", "fw_type": "mcu",
                    "mode": "devicenames", "selector": ["tc-sensor-0001"], "shape": {"upgrade_method": 0, "type": 1},
                    "user": {}}
    import hashlib
    assert desired["marker"] == hashlib.sha256(tt.canonical_json(spec).encode()).hexdigest()[:20]


def test_defaults_equal_explicit_defaults():
    assert (tt.validate(opts(device_names=["a"]))["marker"]
            == tt.validate(opts(device_names=["a"], upgrade_method=0, type=1))["marker"])


@pytest.mark.parametrize("change", [
    {"device_names": ["a", "b", "d"]}, {"firmware_version": "3.0.0"}, {"product_id": "OTHER"}, {"fw_type": "module"},
    {"timeout_interval": 300}, {"upgrade_method": 1}, {"type": 7}, {"delay_time": 5}, {"override_mode": 1},
    {"max_retry_num": 1}, {"retry_interval": 2}, {"rate_limit": 10}, {"start_time": 1800000000},
    {"end_time": 1800000000}, {"task_user_define": {"wave": 2}},
])
def test_marker_changes_with_the_definition(change):
    base = dict(device_names=["a", "b", "c"])
    assert tt.validate(opts(**base))["marker"] != tt.validate(opts(**dict(base, **change)))["marker"]


def test_marker_differs_between_modes_and_selectors():
    markers = {
        tt.validate(opts(firmware_ori_version="1.0.0"))["marker"],
        tt.validate(opts(firmware_ori_version="1.1.0"))["marker"],
        tt.validate(opts(file_name="a.csv", file_md5="0" * 32, file_size=1))["marker"],
        tt.validate(opts(file_name="a.csv", file_md5="1" * 32, file_size=1))["marker"],
        tt.validate(opts(device_names=["1.0.0"]))["marker"],
    }
    assert len(markers) == 5


def test_text_user_define_has_no_marker_and_is_sent_verbatim():
    desired = tt.validate(opts(device_names=["a"], task_user_define="wave 2 of spring"))
    assert desired["marker"] is None and desired["user_define_kind"] == "text"
    assert tt.build_create_request(desired)["TaskUserDefine"] == "wave 2 of spring"
    # a JSON value that is not an object is text too
    assert tt.validate(opts(device_names=["a"], task_user_define="[1, 2]"))["marker"] is None


def test_task_marker_parsing():
    assert tt.task_marker({"TaskUserDefine": '{"iotfleet":"abc","x":1}'}) == "abc"
    assert tt.task_marker({"TaskUserDefine": "plain"}) is None
    assert tt.task_marker({"TaskUserDefine": None}) is None
    assert tt.task_marker({"TaskUserDefine": '{"iotfleet": 5}'}) is None
    assert tt.task_marker({}) is None


# --------------------------------------------------------------------------- matching

def task_for(desired, **fields):
    task = {"TaskId": 1001, "Status": 1, "ProductId": "TCPROD0001", "UpgradeMode": desired["mode"],
            "FwType": desired.get("fw_type") or "mcu", "TaskUserDefine": desired["task_user_define_sent"] or "",
            "UpgradeMethod": 0, "Type": 1, "TimeoutInterval": 0, "DelayTime": 0, "OverrideMode": 0,
            "MaxRetryNum": 0, "RetryInterval": 0, "RateLimit": 0}
    if desired["mode"] == "originalVersion":
        task["OriginalVersion"] = desired["firmware_ori_version"]
    task.update(fields)
    return task


def test_marker_match():
    desired = tt.validate(opts(device_names=["a", "b"]))
    assert tts.match_task(desired, task_for(desired))
    other = tt.validate(opts(device_names=["a"]))
    assert not tts.match_task(desired, task_for(other))
    assert not tts.match_task(desired, task_for(desired, TaskUserDefine="something else"))


def test_cancelled_task_never_matches():
    desired = tt.validate(opts(device_names=["a"]))
    assert not tts.match_task(desired, task_for(desired, Status=6))
    assert tts.match_task(desired, task_for(desired, Status=5))  # undocumented finished-like status still counts


def test_field_match_without_marker_original_version():
    desired = tt.validate(opts(firmware_ori_version="1.0.0", task_user_define="legacy", timeout_interval=300))
    assert tts.match_task(desired, task_for(desired, TimeoutInterval=300))
    assert not tts.match_task(desired, task_for(desired, TimeoutInterval=600))
    assert not tts.match_task(desired, task_for(desired, TimeoutInterval=300, OriginalVersion="0.9.0"))
    assert not tts.match_task(desired, task_for(desired, TimeoutInterval=300, TaskUserDefine="other"))
    assert not tts.match_task(desired, task_for(desired, TimeoutInterval=300, UpgradeMethod=1))
    assert not tts.match_task(desired, task_for(desired, TimeoutInterval=300, Type=7))
    assert not tts.match_task(desired, task_for(desired, TimeoutInterval=300, UpgradeMode="devicenames"))
    # unset shaping options are "don't care" except the documented defaults
    assert tts.match_task(desired, task_for(desired, TimeoutInterval=300, RateLimit=99, Type=None))


def test_field_match_without_marker_device_names_needs_the_device_set():
    desired = tt.validate(opts(device_names=["a", "b"], task_user_define="legacy"))
    assert tts.needs_device_rows(desired)
    task = task_for(desired)
    assert not tts.match_task(desired, task)  # no rows given: cannot prove it
    assert tts.match_task(desired, task, {"b", "a"})
    assert not tts.match_task(desired, task, {"a"})
    assert not tts.match_task(desired, task, {"a", "b", "c"})
    assert not tts.needs_device_rows(tt.validate(opts(device_names=["a"])))


def test_candidate_infos_newest_first_skips_cancelled_and_other_modules():
    desired = tt.validate(opts(device_names=["a"], fw_type="mcu"))
    infos = [{"TaskId": 1, "Status": 1, "CreateTime": 10, "FwType": "mcu"},
             {"TaskId": 2, "Status": 6, "CreateTime": 20, "FwType": "mcu"},
             {"TaskId": 3, "Status": 1, "CreateTime": 30, "FwType": "module"},
             {"TaskId": 4, "Status": 5, "CreateTime": 40, "FwType": "mcu"},
             {"TaskId": 5, "Status": 1, "CreateTime": 40, "FwType": None}]
    assert [tts.task_id_of(i) for i in tts.candidate_infos(desired, infos)] == [5, 4, 1]


# --------------------------------------------------------------------------- rows and summary

def row(task_id, name, status, err="", t=0):
    return {"TaskId": task_id, "DeviceName": name, "Status": status, "ErrMsg": err, "LastProcessTime": t}


def test_rows_filtered_by_task_and_deduplicated():
    rows = [row(1, "a", 1, t=1), row(2, "a", 6), row(1, "a", 6, t=5), row(1, "b", 3), row("1", "c", 5)]
    kept = tts.rows_for_tasks(rows, [1])
    assert [(r["DeviceName"], r["Status"]) for r in kept] == [("a", 6), ("b", 3), ("c", 5)]


def test_rows_by_task_reads_a_stream_once_and_keeps_only_the_progress_fields_of_the_tasks_asked():
    rows = [dict(row(1, "a", 1, t=1), Percent=10, SrcVersion="1.0"), row(2, "a", 6), row(1, "a", 6, t=5),
            dict(row(3, "b", 5, "download timeout"), Retcode=-1), row(9, "z", 6)]
    read = []

    def stream():
        for item in rows:
            read.append(item["TaskId"])
            yield item

    grouped = tts.rows_by_task(stream(), [1, "3"])
    assert read == [1, 2, 1, 3, 9]  # one pass
    assert sorted(grouped) == [1, 3]
    assert grouped[1] == [{"TaskId": 1, "DeviceName": "a", "Status": 6, "LastProcessTime": 5, "ErrMsg": "",
                           "Retcode": None}]
    assert tts.classify_row(grouped[3][0]) == ("failed", "failed") and grouped[3][0]["Retcode"] == -1
    assert tts.rows_by_task([], [1]) == {}


def test_summary_and_counts():
    rows = [row(1, "a", 6), row(1, "b", 5, "firmware no need update."), row(1, "c", 5, "download timeout"),
            row(1, "d", 10), row(1, "e", 0), row(1, "f", 8), row(1, "g", 3), row(1, "h", 20), row(1, "i", 42)]
    summary, counts = tts.summarize(rows)
    assert summary == {"total": 9, "succeeded": 2, "failed": 2, "in_progress": 5, "finished": 4,
                       "success_percent": 22.22, "failure_percent": 22.22}
    assert counts["succeeded"] == 1 and counts["already_current"] == 1 and counts["failed"] == 1
    assert counts["timed_out"] == 1 and counts["offline"] == 1 and counts["awaiting_confirmation"] == 1
    assert counts["downloading"] == 1 and counts["downloaded"] == 1 and counts["status_42"] == 1
    assert counts["pending"] == 0


def test_summary_of_nothing():
    summary, counts = tts.summarize([])
    assert summary == {"total": 0, "succeeded": 0, "failed": 0, "in_progress": 0, "finished": 0,
                       "success_percent": 0, "failure_percent": 0}
    assert set(counts) >= {"offline", "succeeded", "failed", "already_current"}


def test_no_need_update_variants():
    assert tts.is_already_current(row(1, "a", 5, "Firmware no need update"))
    assert tts.is_already_current(row(1, "a", "5", " firmware no need update. "))
    assert not tts.is_already_current(row(1, "a", 6, "firmware no need update."))


def test_all_final_and_needs_cancel():
    assert not tts.all_final([])
    assert tts.all_final([row(1, "a", 6), row(1, "b", 10)])
    assert not tts.all_final([row(1, "a", 6), row(1, "b", 0)])
    assert tts.needs_cancel([])
    assert tts.needs_cancel([row(1, "a", 6), row(1, "b", 8)])
    assert not tts.needs_cancel([row(1, "a", 6), row(1, "b", 5)])


def test_task_and_device_status_six_are_different_code_spaces():
    # task-level 6 = cancelled; device-level 6 = upgrade complete
    assert tts.is_cancelled({"Status": 6}) and tt.TASK_STATUS_CANCELLED == 6
    assert tts.classify_row(row(1, "a", 6)) == ("succeeded", "succeeded")


def test_views():
    desired = tt.validate(opts(device_names=["a"]))
    view = tts.desired_view(desired)
    assert view["request"]["DeviceNames"] == ["a"] and view["marker"] == desired["marker"]
    assert tts.task_view(task_for(desired)) == {"state": "present", "task_id": 1001, "status": 1,
                                                "upgrade_mode": "devicenames", "marker": desired["marker"]}
    assert tts.clean_response({"TaskId": 1, "RequestId": "x"}) == {"TaskId": 1}
