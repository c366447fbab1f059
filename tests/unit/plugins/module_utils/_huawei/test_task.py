"""Pure logic of the Huawei module: every validation rule, body, matching, counters and summary."""
from datetime import datetime, timezone

import pytest

from ansible_collections.iotfleet.firmware.plugins.module_utils._errors import IoTError
from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei import task as ht
from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei import task_state as hts

NOW = datetime(2026, 3, 1, 0, 0, 0, tzinfo=timezone.utc)
DEVS = ["hw-meter-0002", "hw-meter-0001"]
GROUP_TARGETS = {"device_groups": ["north", "south"], "device_type": "WaterMeter", "model": "WM-100",
                 "manufacturer_name": "Acme"}


def params(**kwargs):
    base = {"state": "present", "operation_id": None, "file_id": "fw-wm100-2.0.0",
            "targets": {"devices": list(DEVS)}, "policy": None}
    base.update(kwargs)
    return base


def errors_of(**kwargs):
    with pytest.raises(ht.TaskValidationError) as err:
        ht.validate(params(**kwargs), now=NOW)
    return err.value.errors


def custom(start, end, **extra):
    policy = {"execute_type": "custom", "start_time": start, "end_time": end, "retry_type": False, "retry_times": None}
    policy.update(extra)
    return policy


# --------------------------------------------------------------------------- validation: the happy paths

def test_valid_devices_defaults():
    desired = ht.validate(params(), now=NOW)
    assert desired["targets"] == {"devices": DEVS}
    assert desired["policy"] == {"execute_type": "now", "retry_type": False}
    assert desired["deferred_errors"] == []


def test_devices_are_stripped_and_deduplicated():
    desired = ht.validate(params(targets={"devices": [" a ", "b", "a"]}), now=NOW)
    assert desired["targets"]["devices"] == ["a", "b"]


def test_valid_groups_and_custom_window():
    desired = ht.validate(params(targets=dict(GROUP_TARGETS),
                                 policy=custom("20260301T010000Z", "20260301T010500Z", retry_type=True, retry_times=5)),
                          now=NOW)
    assert desired["targets"]["device_groups"] == ["north", "south"]
    assert desired["policy"] == {"execute_type": "custom", "start_time": "20260301T010000Z",
                                 "end_time": "20260301T010500Z", "retry_type": True, "retry_times": 5}


def test_operation_id_alone_is_enough():
    desired = ht.validate({"state": "present", "operation_id": " op-1 ", "file_id": None, "targets": None,
                           "policy": None}, now=NOW)
    assert desired["operation_id"] == "op-1" and desired["targets"] is None


# --------------------------------------------------------------------------- validation: every documented rule

def test_file_id_and_targets_required():
    errs = errors_of(file_id=None, targets=None)
    assert any(e.startswith("file_id is required") for e in errs)
    assert any(e.startswith("targets is required") for e in errs)


def test_exactly_one_of_devices_and_groups():
    both = errors_of(targets={"devices": ["a"], "device_groups": ["north"], "device_type": "T", "model": "M",
                              "manufacturer_name": "X"})
    assert len(both) == 1 and "123023" in both[0] and "not both" in both[0]
    neither = errors_of(targets={"devices": [], "device_groups": None})
    assert len(neither) == 1 and "123022" in neither[0] and "exactly one" in neither[0]


def test_groups_need_type_model_and_manufacturer():
    errs = errors_of(targets={"device_groups": ["north"], "model": "WM-100"})
    assert len(errs) == 1
    assert "targets.device_type, targets.manufacturer_name" in errs[0]
    assert "123020" in errs[0] and "123019" in errs[0] and "123021" not in errs[0]


@pytest.mark.parametrize("key", ["devices", "device_groups"])
def test_at_most_256(key):
    targets = {key: ["x%03d" % n for n in range(257)]}
    if key == "device_groups":
        targets.update(device_type="T", model="M", manufacturer_name="X")
    errs = errors_of(targets=targets)
    assert len(errs) == 1 and "257" in errs[0] and "at most 256" in errs[0] and "123024" in errs[0]
    targets[key] = targets[key][:256]
    ht.validate(params(targets=targets), now=NOW)


def test_empty_device_ids_rejected():
    assert "must not contain empty device IDs" in errors_of(targets={"devices": ["a", " "]})[0]


def test_retry_times_required_with_retry_type():
    errs = errors_of(policy={"execute_type": "now", "retry_type": True, "retry_times": None})
    assert errs == [e for e in errs if "policy.retry_times is required when policy.retry_type=true" in e]
    assert "123028" in errs[0]


@pytest.mark.parametrize("times", [0, 6, -1])
def test_retry_times_range(times):
    errs = errors_of(policy={"execute_type": "now", "retry_type": True, "retry_times": times})
    assert len(errs) == 1 and "between 1 and 5" in errs[0]


@pytest.mark.parametrize("times", [1, 5])
def test_retry_times_bounds_ok(times):
    desired = ht.validate(params(policy={"execute_type": "now", "retry_type": True, "retry_times": times}), now=NOW)
    assert desired["policy"]["retry_times"] == times


def test_retry_times_only_with_retry_type():
    errs = errors_of(policy={"execute_type": "now", "retry_type": False, "retry_times": 2})
    assert len(errs) == 1 and "only allowed with policy.retry_type=true" in errs[0]


def test_custom_needs_start_and_end():
    errs = errors_of(policy=custom(None, None))
    assert len(errs) == 1 and "policy.start_time and policy.end_time" in errs[0] and "123026" in errs[0]
    errs = errors_of(policy=custom("20260301T010000Z", None))
    assert len(errs) == 1 and "requires policy.end_time" in errs[0]


def test_start_end_only_with_custom():
    errs = errors_of(policy={"execute_type": "now", "start_time": "20260301T010000Z"})
    assert len(errs) == 1 and "only apply to policy.execute_type=custom" in errs[0]


@pytest.mark.parametrize("value", ["2026-03-01T01:00:00Z", "20260301T0100Z", "20261301T010000Z", "20260301T250000Z",
                                   "20260301t010000z", "20260301T010000"])
def test_time_format(value):
    errs = errors_of(policy=custom(value, "20260302T000000Z"))
    assert any("policy.start_time must use the format yyyyMMdd'T'HHmmss'Z'" in e for e in errs)


def test_start_before_end():
    errs = errors_of(policy=custom("20260301T020000Z", "20260301T010000Z"))
    assert len(errs) == 1 and "must be earlier than policy.end_time" in errs[0] and "123032" in errs[0]
    errs = errors_of(policy=custom("20260301T020000Z", "20260301T020000Z"))
    assert "123032" in errs[0]


def test_end_at_least_five_minutes_after_start():
    errs = errors_of(policy=custom("20260301T010000Z", "20260301T010459Z"))
    assert len(errs) == 1 and "at least 5 minutes after" in errs[0] and "123034" in errs[0]
    ht.validate(params(policy=custom("20260301T010000Z", "20260301T010500Z")), now=NOW)


def test_start_in_the_past_is_deferred():
    desired = ht.validate(params(policy=custom("20260228T235959Z", "20260301T010000Z")), now=NOW)
    assert len(desired["deferred_errors"]) == 1
    assert "must not be in the past" in desired["deferred_errors"][0] and "123033" in desired["deferred_errors"][0]
    assert "20260301T000000Z" in desired["deferred_errors"][0]  # names the injected now


def test_start_now_is_not_past():
    assert ht.validate(params(policy=custom("20260301T000000Z", "20260301T000500Z")), now=NOW)["deferred_errors"] == []


def test_all_errors_reported_together():
    errs = errors_of(file_id=None, targets={"device_groups": ["g"]},
                     policy=custom("bad", "20260301T010000Z", retry_type=True, retry_times=9))
    assert len(errs) == 4


# --------------------------------------------------------------------------- validation: types (the rollout engine)
# The rollout engine passes huawei_policy as the play gave it (no AnsibleModule): validate converts targets and
# policy like AnsibleModule, and every type error names its option.

@pytest.mark.parametrize("kwargs, start, end", [
    ({"targets": "abc"}, "targets: dictionary requested, could not parse JSON or key=value (got 'abc')", ""),
    ({"policy": "abc"}, "policy: dictionary requested, could not parse JSON or key=value (got 'abc')", ""),
    ({"policy": ["now"]}, "policy: ", "cannot be converted to a dict (got ['now'])"),
    ({"policy": {"retry_type": True, "retry_times": "x"}}, "policy.retry_times: ", "to an int (got 'x')"),
    ({"policy": {"retry_type": "maybe", "retry_times": 2}}, "policy.retry_type: The value 'maybe' is not a valid "
                                                            "boolean", "(got 'maybe')"),
    ({"targets": {"devices": {"a": 1}}}, "targets.devices: ", "to a list (got {'a': 1})"),
], ids=["targets", "policy", "policy-list", "retry-times", "retry-type", "devices"])
def test_type_errors_name_the_option(kwargs, start, end):
    errs = errors_of(**kwargs)
    assert len(errs) == 1 and errs[0].startswith(start) and errs[0].endswith(end), errs


def test_type_errors_come_with_the_other_rules():
    errs = errors_of(file_id=None, targets="abc", policy={"execute_type": "custom"})
    assert errs[0].startswith("targets: dictionary requested")
    assert "file_id is required (the fileId of the firmware package) unless operation_id is given" in errs
    assert any(error.startswith("policy.execute_type=custom requires") for error in errs)
    assert not any(error.startswith("targets is required") for error in errs)  # given, of the wrong type


def test_strings_convert_like_ansible_module():
    desired = ht.validate(params(targets={"devices": "hw-meter-0001,hw-meter-0002"},
                                 policy={"retry_type": "false", "execute_type": "now"}), now=NOW)
    assert desired["targets"] == {"devices": ["hw-meter-0001", "hw-meter-0002"]}
    assert desired["policy"] == {"execute_type": "now", "retry_type": False}  # not bool("false")
    desired = ht.validate(params(policy={"retry_type": "yes", "retry_times": "3"}), now=NOW)
    assert desired["policy"] == {"execute_type": "now", "retry_type": True, "retry_times": 3}


def test_the_module_takes_targets_and_policy_from_the_same_spec():
    from ansible_collections.iotfleet.firmware.plugins.modules import huawei_iot_firmware_task as module

    spec = module.argument_spec()
    assert dict((name, spec[name]) for name in ("targets", "policy")) == ht.task_argument_spec()


# --------------------------------------------------------------------------- body and list filters

def test_build_body_devices():
    body = ht.build_body(ht.validate(params(), now=NOW))
    assert body == {"fileId": "fw-wm100-2.0.0", "targets": {"devices": DEVS},
                    "policy": {"executeType": "now", "retryType": False}}


def test_build_body_groups_custom_retry():
    desired = ht.validate(params(targets=dict(GROUP_TARGETS), policy=custom(
        "20260301T010000Z", "20260301T020000Z", retry_type=True, retry_times=3)), now=NOW)
    assert ht.build_body(desired) == {
        "fileId": "fw-wm100-2.0.0",
        "targets": {"deviceGroups": ["north", "south"], "deviceType": "WaterMeter", "model": "WM-100",
                    "manufacturerName": "Acme"},
        "policy": {"executeType": "custom", "startTime": "20260301T010000Z", "endTime": "20260301T020000Z",
                   "retryType": True, "retryTimes": 3}}


def test_build_body_for_a_subset_of_the_devices():
    body = ht.build_body(ht.validate(params(), now=NOW), devices=["hw-meter-0001"])
    assert body["targets"] == {"devices": ["hw-meter-0001"]}


PACKAGE = {"fileId": "fw-wm100-2.0.0", "version": "2.0.0", "deviceType": "WaterMeter", "model": "WM-100",
           "manufacturerName": "Acme"}


def test_package_filters():
    assert ht.package_filters(PACKAGE) == {"operationType": "firmware_upgrade", "deviceType": "WaterMeter",
                                           "model": "WM-100", "manufacturerName": "Acme"}
    assert ht.package_filters({"fileId": "x", "version": "1"}) == {"operationType": "firmware_upgrade"}


# --------------------------------------------------------------------------- reading tasks

CALL = "Huawei IoT GET /iodm/northbound/v1.5.0/operations"


def task(**kwargs):
    base = {"operationId": "op-1", "operateType": "firmware_upgrade", "status": "processing",
            "targets": {"devices": ["hw-meter-0001", "hw-meter-0002"]},
            "policy": {"executeType": "now", "retryType": False}, "extendPara": {"fileId": "fw-wm100-2.0.0"}}
    base.update(kwargs)
    return base


def test_task_info_documented_fields():
    info = hts.task_info(CALL, task(createTime="20260101T000000Z"))
    assert info.task_id == "op-1" and info.status == "processing" and info.active
    assert info.devices == frozenset(["hw-meter-0001", "hw-meter-0002"]) and info.groups is None
    assert info.created == "20260101T000000Z"
    for status, active in (("wait", True), ("success", False), ("failed", False), ("stop", False)):
        assert hts.task_info(CALL, task(status=status)).active is active
    groups = hts.task_info(CALL, task(targets={"deviceGroups": ["north"], "deviceType": "WaterMeter"}))
    assert groups.devices is None and groups.groups == frozenset(["north"])


@pytest.mark.parametrize("raw, field", [
    ({"status": "wait"}, "operationId"),
    (dict(task(), targets=["hw-meter-0001"]), "targets"),
    (dict(task(), targets={"devices": "hw-meter-0001"}), "targets.devices"),
    (dict(task(), targets={"devices": [1, 2]}), "targets.devices"),
    ("not an object", "Response"),
])
def test_task_info_rejects_wrong_types_naming_the_call(raw, field):
    with pytest.raises(IoTError) as err:
        hts.task_info(CALL, raw)
    assert err.value.code == "InvalidResponse" and CALL in err.value.message and field in err.value.message


def test_task_file_id_is_only_a_fast_path():
    assert hts.task_file_id(task()) == "fw-wm100-2.0.0"
    assert hts.task_file_id(task(extendPara=None)) is None and hts.task_file_id(task(extendPara="x")) is None


def test_same_group_targets():
    same = {"deviceGroups": ["south", "north"], "deviceType": "WaterMeter", "model": "WM-100",
            "manufacturerName": "Acme"}
    assert hts.same_group_targets(GROUP_TARGETS, task(targets=same))
    assert not hts.same_group_targets(GROUP_TARGETS, task(targets=dict(same, model="WM-200")))
    assert not hts.same_group_targets(GROUP_TARGETS, task(targets=dict(same, deviceGroups=["north"])))
    assert not hts.same_group_targets(GROUP_TARGETS, task(targets={"devices": ["hw-meter-0001"]}))
    assert not hts.same_group_targets(GROUP_TARGETS, task(targets=None))


def test_package_mismatches():
    assert ht.package_mismatches(GROUP_TARGETS, PACKAGE) == []
    errs = ht.package_mismatches(dict(GROUP_TARGETS, model="WM-200"), PACKAGE)
    assert len(errs) == 1 and "targets.model" in errs[0] and "123016" in errs[0]


def test_policy_differences():
    desired = {"execute_type": "now", "retry_type": True, "retry_times": 2}
    assert hts.policy_differences(desired, hts.task_policy(task())) == ["retry_times", "retry_type"]
    assert hts.policy_differences({"execute_type": "now", "retry_type": False}, hts.task_policy(task(policy=None))) == []
    window = {"execute_type": "custom", "start_time": "20260301T010000Z", "end_time": "20260301T020000Z",
              "retry_type": False}
    other = task(policy={"executeType": "custom", "startTime": "20260301T010000Z", "endTime": "20260301T030000Z"})
    assert hts.policy_differences(window, hts.task_policy(other)) == ["end_time"]


def test_views_for_diff():
    desired = ht.validate(params(), now=NOW)
    assert hts.desired_view(desired) == {"file_id": "fw-wm100-2.0.0", "targets": {"devices": sorted(DEVS)},
                                         "policy": {"execute_type": "now", "retry_type": False}}
    assert hts.desired_view(desired, ["hw-meter-0001"])["targets"] == {"devices": ["hw-meter-0001"]}
    assert hts.task_view(task()) == hts.desired_view(desired)
    assert hts.task_view(task(extendPara=None), file_id="fw-wm100-2.0.0") == hts.desired_view(desired)
    assert "file_id" not in hts.task_view(task(extendPara=None))


# --------------------------------------------------------------------------- counters and summary

def test_summary_from_counts():
    counts = hts.counts_of(CALL, task(staResult={"total": 10, "wait": 1, "processing": 2, "success": 4, "fail": 1,
                                                 "stop": 1, "timeout": 1}))
    assert hts.summarize(counts) == {"total": 10, "succeeded": 4, "failed": 3, "in_progress": 3, "finished": 7,
                                     "success_percent": 40.0, "failure_percent": 30.0}


def test_summary_empty():
    assert hts.counts_of(CALL, {}) is None
    assert hts.summarize(hts.counts_of(CALL, {"staResult": {}}))["success_percent"] == 0.0


@pytest.mark.parametrize("value", ["1", "x", 1.5, True, -1, [1]])
def test_non_integer_counters_are_an_error_never_all_done(value):
    with pytest.raises(IoTError) as err:
        hts.counts_of(CALL, task(staResult={"total": 2, "success": value}))
    assert err.value.code == "InvalidResponse" and CALL in err.value.message
    assert "staResult.success" in err.value.message


def test_counts_of_subtasks():
    subs = [{"status": "success"}, {"status": "fail"}, {"status": "failed"}, {"status": "timeout"},
            {"status": "weird"}, {"status": "wait"}]
    counts = hts.counts_of_subtasks(subs)
    assert counts == {"total": 6, "wait": 1, "processing": 1, "success": 1, "fail": 2, "stop": 0, "timeout": 1}


def test_task_done():
    assert hts.task_done("success", {}) and hts.task_done("failed", {}) and hts.task_done("stop", {})
    assert not hts.task_done("processing", {"total": 2, "success": 1, "processing": 1})
    assert hts.task_done("processing", {"total": 2, "success": 1, "timeout": 1})
    assert not hts.task_done("wait", {"total": 0})


def test_time_helpers():
    assert ht.parse_time("20260301T010203Z") == datetime(2026, 3, 1, 1, 2, 3, tzinfo=timezone.utc)
    assert ht.parse_time("20260230T000000Z") is None
    assert ht.format_time(NOW) == "20260301T000000Z"
