"""The create planner: the lookups of a scope in one ``find_many`` call, the module parameters of a chunk."""
from ansible_collections.iotfleet.firmware.plugins.plugin_utils._engine import planner

from kit.providers import lookup


class Shared:
    def __init__(self):
        self.calls = []

    def find_many(self, works, known_versions=None):
        self.calls.append(("find_many", [w["devices"] for w in works], known_versions))
        return [lookup(remaining=w["devices"]) for w in works]

    def find(self, work, exclude=(), known_versions=None):
        raise AssertionError("the lookups of a scope go through find_many")


def test_the_lookups_of_a_scope_are_one_find_many_call():
    provider = Shared()
    found = planner.find_many(provider, [{"devices": ["a"]}, {"devices": ["b"]}], known_versions={"a": ""})
    assert [f.remaining for f in found] == [["a"], ["b"]]
    assert provider.calls == [("find_many", [["a"], ["b"]], {"a": ""})]


def test_chunk_parameters_leave_out_what_is_not_set():
    targets = {"huawei_file_id": "fw-2", "tencent_firmware_version": "2.0.0", "tencent_fw_type": None}
    huawei = planner.chunk_params({"key": "w/huawei/1", "platform": "huawei", "devices": ["a"]}, targets, {}, "r", "w")
    assert huawei == {"file_id": "fw-2", "targets": {"devices": ["a"]}, "state": "present", "wait": False}
    tencent = planner.chunk_params({"key": "w/tencent/P/1", "platform": "tencent", "product_id": "P", "devices": ["b"]},
                                   targets, {"tencent_max_retry_num": 0, "tencent_rate_limit": None}, "r", "w")
    assert tencent["max_retry_num"] == 0 and "rate_limit" not in tencent and "fw_type" not in tencent
    assert tencent["task_user_define"] == {"rollout": "r", "wave": "w", "chunk": "w/tencent/P/1"}
