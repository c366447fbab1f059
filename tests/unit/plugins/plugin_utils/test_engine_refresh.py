"""Plan-time refresh of the devices' current versions: one scope read each, exact provider calls."""
import pytest

from ansible_collections.iotfleet.firmware.plugins.plugin_utils import _rollout as rollout
from ansible_collections.iotfleet.firmware.plugins.plugin_utils._engine import refresh

from kit.providers import ScriptedProvider

TARGETS = {"huawei_file_id": "fw-2", "huawei_target_version": "2.0.0", "tencent_firmware_version": "2.0.0",
           "tencent_fw_type": "mcu"}


def devices():
    raws = [{"platform": "huawei", "id": "hw-1", "version": "1.0.0"}, {"platform": "huawei", "id": "hw-2"},
            {"platform": "tencent", "id": "tc-1", "product_id": "P1", "version": "2.0.0"},
            {"platform": "tencent", "id": "tc-2", "product_id": "P2", "version": "1.0.0"}]
    return rollout.normalize_devices(raws)[0]


def test_the_platform_versions_replace_the_inventory_ones_and_decide_the_plan():
    scripts = {
        "huawei": [("prepare", [("hw-1",)], None),
                   ("device_versions", [("hw-1", "hw-2")], {"hw-1": "2.0.0", "hw-2": "1.0.0"})],
        # one provider for every product (one session); each product's firmware read, then its devices
        "tencent": [("prepare", [("tc-1",)], None), ("device_versions", [("tc-1",)], {"tc-1": "1.0.0"}),
                    ("prepare", [("tc-2",)], None), ("device_versions", [("tc-2",)], {})],
    }
    made = {}

    def factory(platform, params, on_secret):
        assert platform not in made
        made[platform] = ScriptedProvider(platform, scripts[platform])
        return made[platform]

    fleet = devices()
    stats = refresh.plan_hook({"refresh_versions": True, "rollout_id": "r", "huawei_connection": {"a": 1},
                               "tencent_connection": {"b": 1}}, fleet, TARGETS, None, factory=factory)
    for provider in made.values():
        provider.assert_done()
        assert provider.closed
    assert [(d["id"], d["version"]) for d in fleet] == [("hw-1", "2.0.0"), ("hw-2", "1.0.0"), ("tc-1", "1.0.0"),
                                                        ("tc-2", None)]
    assert [(s["platform"], s["product_id"], s["changed"], s["missing"]) for s in stats] == [
        ("huawei", None, 2, 0), ("tencent", "P1", 1, 0), ("tencent", "P2", 1, 1)]
    plan = rollout.plan_rollout("r", fleet, [{"name": "all", "percent": 100}], TARGETS)
    assert plan["totals"]["skipped"] == 1  # hw-1, current according to the platform (the inventory said 1.0.0)
    assert "WARNING: 1 devices report no version" in refresh.refresh_lines(stats)[2]


def test_refresh_off_reads_nothing_and_a_missing_connection_is_a_clear_error():
    assert refresh.plan_hook({"refresh_versions": False}, devices(), TARGETS,
                             factory=lambda *a: pytest.fail("no provider")) == []
    recorded, dummy = rollout.apply_event(None, "start", {"rollout_id": "r", "targets": TARGETS}, "2026-12-01T12:00:00Z")
    recorded["waves"] = {"w1": {"chunks": [
        {"platform": "huawei", "devices": ["hw-1", "hw-2"]},
        {"platform": "tencent", "product_id": "P1", "devices": ["tc-1"]},
        {"platform": "tencent", "product_id": "P2", "devices": ["tc-2"]}]}}
    args = {"refresh_versions": True, "rollout_id": "r"}
    assert refresh.plan_hook(args, devices(), TARGETS, recorded,
                             factory=lambda *a: pytest.fail("a finished rollout reads nothing")) == []
    recorded["status"] = "aborted"
    with pytest.raises(rollout.RolloutError, match="staged_rollout_resume_aborted"):
        refresh.plan_hook(args, devices(), TARGETS, recorded, factory=lambda *a: pytest.fail("refused first"))
    with pytest.raises(rollout.RolloutError, match="needs the Huawei connection settings"):
        refresh.plan_hook({"refresh_versions": True, "rollout_id": "r"}, devices(), TARGETS,
                          factory=lambda *a: pytest.fail("none"))


def test_a_platform_error_during_the_refresh_names_the_call_and_hides_the_secrets():
    from kit.providers import platform_error

    failing = platform_error("token s3cret-token rejected", "1010005", request_id="rq-9",
                             call="Huawei IoT GET /iocm/app/dm/v1.4.0/devices")
    huawei = ScriptedProvider("huawei", [("prepare", [("hw-1",)], None),
                                         ("device_versions", [("hw-1", "hw-2")], failing)])
    fleet = [d for d in devices() if d["platform"] == "huawei"]
    with pytest.raises(rollout.RolloutError) as info:
        refresh.plan_hook({"refresh_versions": True, "rollout_id": "r", "huawei_connection": {"secret": "x"}},
                          fleet, TARGETS, None, factory=lambda *a: huawei)
    message = str(info.value)
    assert "Huawei IoT GET /iocm/app/dm/v1.4.0/devices" in message and "error code 1010005" in message
    assert "request id rq-9" in message and "s3cret-token" not in message and huawei.closed


def test_a_live_run_reads_the_first_waves_versions_and_leaves_the_later_waves_to_the_prefetch():
    from ansible_collections.iotfleet.firmware.plugins.plugin_utils._engine import planning, recover

    fleet = rollout.normalize_devices([{"platform": "huawei", "id": "hw-%d" % n} for n in range(20)])[0]
    stages = [{"name": "canary", "count": 2}, {"name": "wave1", "percent": 50}, {"name": "rest", "percent": 100}]
    plan = rollout.plan_rollout("r1", fleet, stages, TARGETS)
    first, deferred = planning.first_wave_devices(plan, fleet)
    assert [d["uid"] for d in first] == [d["uid"] for d in recover.wave_members("r1", fleet, plan["waves"])["canary"]]
    assert deferred == ["wave1", "rest"]
    started = dict(plan, waves=[dict(plan["waves"][0], action="resume", recorded=True)] + plan["waves"][1:])
    first, deferred = planning.first_wave_devices(started, fleet)
    assert len(first) == 8 and deferred == ["rest"]  # a started wave keeps its chunks: the next one is read first


def test_the_prefetch_reads_in_its_thread_and_hands_its_error_to_the_run():
    fleet = devices()[:2]
    script = [("prepare", [("hw-1",)], None), ("device_versions", [("hw-1", "hw-2")], {"hw-1": "2.0.0"})]
    provider = ScriptedProvider("huawei", script)

    class Providers:
        def get(self, platform, product_id=None):
            return provider

        def all_secrets(self):
            return []

        def close(self):
            provider.close()

    stats = refresh.Prefetch(fleet, TARGETS, Providers).start().wait()
    assert stats[0]["devices"] == 2 and fleet[0]["version"] == "2.0.0" and fleet[1]["version"] is None
    assert provider.closed
    failing = ScriptedProvider("huawei", [])  # any call is unexpected: the error reaches wait()
    Providers.get = lambda self, platform, product_id=None: failing
    with pytest.raises(AssertionError, match="unexpected call prepare"):
        refresh.Prefetch(fleet, TARGETS, Providers).start().wait()


def test_versions_an_inventory_plugin_read_moments_ago_are_not_read_again():
    now = 1764950400.0  # 2025-12-05T16:00:00Z
    fleet = rollout.normalize_devices([
        {"platform": "huawei", "id": "hw-1", "version": "1.0.0", "version_read_at": "2025-12-05T15:59:00Z"},
        {"platform": "huawei", "id": "hw-2", "version": "1.0.0", "version_read_at": "2025-12-05T15:00:00Z"},
        {"platform": "huawei", "id": "hw-3", "version_read_at": "2025-12-05T15:59:00Z"},  # no version: read it
        {"platform": "huawei", "id": "hw-4", "version": "1.0.0", "version_read_at": "yesterday"},
    ])[0]
    stale, fresh = refresh.fresh_versions(fleet, 900, now)
    assert [d["id"] for d in fresh] == ["hw-1"] and [d["id"] for d in stale] == ["hw-2", "hw-3", "hw-4"]
    assert refresh.fresh_versions(fleet, 0, now) == (fleet, [])
    # the clock of plan_hook is the real one: with a huge max age both readable texts are fresh
    scripts = [("prepare", [("hw-3",)], None), ("device_versions", [("hw-3", "hw-4")], {})]
    made = []

    def factory(platform, params, on_secret):
        made.append(ScriptedProvider(platform, scripts))
        return made[-1]

    stats = refresh.plan_hook({"refresh_versions": True, "rollout_id": "r", "huawei_connection": {"a": 1},
                               "version_max_age": 10 ** 9}, fleet, TARGETS, None, factory=factory)
    made[0].assert_done()
    assert stats[0] == {"fresh": 2, "max_age": 10 ** 9}
    assert refresh.refresh_lines(stats)[0].startswith("Versions of 2 devices were read by the inventory source")
