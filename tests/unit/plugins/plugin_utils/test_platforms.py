"""The platform registry: the engine and the rollout logic name no platform; a third one plugs in."""
import io
import os
import tokenize

import pytest

from ansible_collections.iotfleet.firmware.plugins.module_utils._rollout_facts import RolloutFacts
from ansible_collections.iotfleet.firmware.plugins.plugin_utils import _platforms as registry
from ansible_collections.iotfleet.firmware.plugins.plugin_utils import _rollout as rollout

from kit.providers import ScriptedProvider

PLUGIN_UTILS = os.path.dirname(os.path.abspath(registry.__file__))


def engine_sources():
    for folder in ("_engine", "_rollout"):
        for name in sorted(os.listdir(os.path.join(PLUGIN_UTILS, folder))):
            if name.endswith(".py"):
                yield os.path.join(PLUGIN_UTILS, folder, name)


@pytest.mark.parametrize("path", list(engine_sources()), ids=os.path.basename)
def test_the_engine_and_the_rollout_logic_contain_no_platform_literal(path):
    """No string, name or comment of the engine or the rollout package names a platform of the registry."""
    with open(path) as handle:
        text = handle.read()
    found = []
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type in (tokenize.STRING, tokenize.NAME, tokenize.COMMENT):
            found += ["%d: %s" % (token.start[0], token.string) for name in registry.names()
                      if name in token.string.lower()]
    assert found == []


class FleetFacts(RolloutFacts):
    """A made-up third platform: devices unique per product, tasks of at most 3 devices, a cancel call."""
    name = "acme"
    label = "Acme Fleet Cloud"
    short = "Acme"
    product_scoped = True
    max_chunk = 3
    default_chunk = 3
    target_keys = ("release",)
    required_targets = ("release",)
    version_key = "release"
    create_call = "StartRelease"
    progress_call = "ListReleaseDevices pages"
    progress_per_product = True
    can_cancel = True
    connection_hint = "ACME_TOKEN"

    def chunk_params(self, chunk, targets, options, rollout_id, wave_name):
        return {"product": chunk["product_id"], "release": self.target(targets, "release"), "devices": chunk["devices"]}

    def describe_create(self, chunk, targets, sample):
        return "Acme StartRelease release=%s devices=[%d: %s]" % (self.target(targets, "release"),
                                                                  len(chunk["devices"]), sample)


@pytest.fixture
def third_platform(monkeypatch):
    known = registry.facts
    monkeypatch.setattr(registry, "PACKAGES", registry.PACKAGES + ("acme",))
    monkeypatch.setattr(registry, "facts", lambda name: FleetFacts() if name == "acme" else known(name))


def test_a_third_platform_is_planned_without_touching_the_engine(third_platform):
    raws = [{"platform": "acme", "id": "a%02d" % n, "product_id": "P%d" % (n % 2), "version": "1"} for n in range(8)]
    raws += [{"platform": "acme", "id": "a99", "product_id": "P1", "version": "2"}]  # already on the release
    devices, errors, dummy = rollout.normalize_devices(raws)
    assert errors == []
    plan = rollout.plan_rollout("r1", devices, [{"name": "all", "percent": 100}], {"acme_release": "2"},
                                chunk_sizes=registry.per_platform({}, "chunk_size"))
    wave = plan["waves"][0]
    assert wave["acme"] == 8 and wave["devices"] == 8 and wave["skipped"] == 1
    assert [(c["key"], len(c["devices"])) for c in wave["chunks"]] == [
        ("all/acme/P0/1", 3), ("all/acme/P0/2", 1), ("all/acme/P1/1", 3), ("all/acme/P1/2", 1)]
    lines = rollout.plan_lines(plan)
    assert "8 to upgrade (8 Acme)" in lines[0]
    assert any("Acme StartRelease release=2 devices=[3: " in line for line in lines)
    assert any("Acme ListReleaseDevices pages (product P0)" in line for line in lines)
    assert rollout.validate_targets({}, {"acme"}) == ["the fleet has Acme devices: staged_rollout_acme_release is "
                                                      "required"]


def test_unknown_platforms_are_named_with_the_known_ones():
    device, error = rollout.normalize_device({"platform": "nokia", "id": "x"})
    assert device is None and error == "device: platform must be one of %s, got 'nokia'" % "/".join(registry.names())
    with pytest.raises(KeyError, match="unknown platform 'nokia'"):
        registry.facts("nokia")


def test_the_registry_gives_each_platform_its_options():
    assert registry.per_platform({"huawei_connection": {"a": 1}}, "connection") == dict(
        (name, {"a": 1} if name == "huawei" else None) for name in registry.names())
    assert "huawei_file_id" in registry.target_args() and "tencent_rate_limit" in registry.task_option_args()
    assert registry.platform_of_call("Huawei IoT POST /iodm/northbound/v1.5.0/operations/firmwareUpgrade") == "huawei"
    assert registry.platform_of_call("Tencent Cloud BatchUpdateFirmware") == "tencent"
    assert registry.platform_of_call("Huawei IoTDA CreateBatchTask") == "huawei_iotda"
    assert registry.platform_of_call("somewhere else") is None


def quota_provider(platform, counts):
    """The kit's fake provider answering the quota wait's questions: its count of unfinished tasks, read by read."""
    return ScriptedProvider(platform, [("active_tasks", None, count) for count in counts])


def test_a_full_quota_of_unfinished_tasks_is_waited_out_before_a_create():
    from ansible_collections.iotfleet.firmware.plugins.plugin_utils._engine import planner

    slept, beats, lines = [], [], []
    provider = quota_provider("huawei_iotda", [10, 11, 9])
    creator = planner.ScopeCreator(provider, record=None, sleep=slept.append, quota_poll_seconds=30,
                                   heartbeat=lambda: beats.append(1), display=lines.append)
    creator.wait_for_quota({"task_type": "firmwareUpgrade"})
    assert slept == [30, 30] and len(beats) == 2 and creator.stats["quota_waits"] == 2
    provider.assert_done()  # three reads
    assert "10 unfinished tasks, the account's quota is 10: waiting 30 s" in lines[0]
    # a platform without a documented quota is not asked
    free = quota_provider("tencent", [])
    planner.ScopeCreator(free, record=None, sleep=slept.append).wait_for_quota({})
    assert slept == [30, 30]
