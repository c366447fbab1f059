"""The create planner: one shared listing for the lookups of a scope, the module parameters of a chunk."""
from ansible_collections.iotfleet.firmware.plugins.plugin_utils._engine import planner

from engine_fakes import lookup


class Api:
    def __init__(self):
        self.reads = []

    def task_pages(self, filters):
        self.reads.append(filters)
        yield [{"operationId": "op-1"}], 2
        yield [{"operationId": "op-2"}], 2


class ListingProvider:
    """find() reads the whole task listing, as the Huawei provider does."""

    def __init__(self):
        self.api = Api()

    def find(self, work, exclude=(), known_versions=None):
        seen = [item["operationId"] for items, _pages in self.api.task_pages({"deviceType": "M"}) for item in items]
        return lookup(remaining=work["devices"], seen=seen)


def test_the_lookups_of_a_scope_share_one_listing_read_and_the_api_is_restored():
    provider = ListingProvider()
    works = [{"devices": ["a"]}, {"devices": ["b"]}, {"devices": ["c"]}]
    found = planner.find_many(provider, works, known_versions={})
    assert [sorted(f.seen) for f in found] == [["op-1", "op-2"]] * 3
    assert provider.api.reads == [{"deviceType": "M"}]  # one listing for three lookups
    provider.find({"devices": ["d"]})
    assert len(provider.api.reads) == 2  # outside the lookup phase (e.g. a reconcile) it reads afresh
    assert "task_pages" not in vars(provider.api)


def test_a_provider_with_find_many_is_asked_once():
    class Shared(ListingProvider):
        def find_many(self, works, known_versions=None):
            return [lookup(remaining=w["devices"]) for w in works]

    assert [f.remaining for f in planner.find_many(Shared(), [{"devices": ["a"]}, {"devices": ["b"]}])] == [["a"], ["b"]]


def test_chunk_parameters_leave_out_what_is_not_set():
    targets = {"huawei_file_id": "fw-2", "tencent_firmware_version": "2.0.0", "tencent_fw_type": None}
    huawei = planner.chunk_params({"key": "w/huawei/1", "platform": "huawei", "devices": ["a"]}, targets, {}, "r", "w")
    assert huawei == {"file_id": "fw-2", "targets": {"devices": ["a"]}, "state": "present", "wait": False}
    tencent = planner.chunk_params({"key": "w/tencent/P/1", "platform": "tencent", "product_id": "P", "devices": ["b"]},
                                   targets, {"tencent_max_retry_num": 0, "tencent_rate_limit": None}, "r", "w")
    assert tencent["max_retry_num"] == 0 and "rate_limit" not in tencent and "fw_type" not in tencent
    assert tencent["task_user_define"] == {"rollout": "r", "wave": "w", "chunk": "w/tencent/P/1"}
