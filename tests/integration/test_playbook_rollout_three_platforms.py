"""A mixed rollout over Huawei legacy, Huawei Cloud IoTDA v5 and Tencent devices of the emulator's demo fleet: the
engine takes the third platform from the registry; a re-run creates nothing; an abort stops the v5 tasks."""
import os

import pytest

from ansible_collections.iotfleet.firmware.plugins.plugin_utils import _rollout as rollout
from ansible_collections.iotfleet.firmware.plugins.plugin_utils._engine import recover

from kit.credentials import IOTDA_PROJECT_ID
from kit.iotda import TASKS as IOTDA_CREATE
from test_playbook_rollout import INVENTORIES, PLAYBOOK, ROLLOUT, env_of, state_of, writes

pytestmark = pytest.mark.integration

INVENTORY = INVENTORIES + [os.path.join(ROLLOUT, "inventories", "iotda.yml")]
IOTDA = ["iotda-meter-%04d" % n for n in range(1, 21)]
TARGETS = {"staged_rollout_huawei_iotda_package_id": "iotda-fw-2.0.0",
           "staged_rollout_huawei_iotda_target_version": "2.0.0"}


@pytest.fixture
def dirs(tmp_path):
    return {"staged_rollout_state_dir": str(tmp_path / "state"), "staged_rollout_report_dir": str(tmp_path / "reports")}


def three_platform_env(emulator):
    env = env_of(emulator)
    env.update(emulator.iotda_env())
    return env


def iotda_tasks(emulator):
    return emulator.state()["huawei_iotda"]["tasks"]


def iotda_writes(emulator):
    return [e for e in emulator.requests() if e["platform"] == "huawei_iotda" and e["method"] == "POST"]


def test_a_mixed_rollout_over_three_platforms_then_a_rerun_creates_nothing(run_playbook, emulator, dirs):
    env = three_platform_env(emulator)
    extra = dict(dirs, staged_rollout_id="it-three", **TARGETS)
    result = run_playbook(PLAYBOOK, inventory=INVENTORY, env=env, extra_vars=extra)
    assert "Rollout it-three: COMPLETED" in result.stdout
    assert "60 devices in the fleet, 60 to upgrade (20 Huawei, 20 Tencent, 20 IoTDA)" in result.stdout
    state = state_of(dirs, "it-three")
    chunks = [c for wave in state["waves"].values() for c in wave["chunks"] if c["platform"] == "huawei_iotda"]
    assert sorted(d for c in chunks for d in c["devices"]) == IOTDA and all(c["task_id"] for c in chunks)
    assert len(iotda_tasks(emulator)) == len(chunks) == len(state["waves"])  # one v5 task per wave (<= 30,000)
    devices = dict((d["device_id"], d) for d in emulator.state()["huawei_iotda"]["devices"])
    assert all(devices[name]["fw_version"] == "2.0.0" for name in IOTDA)

    before = (len(writes(emulator)), len(iotda_writes(emulator)))
    rerun = run_playbook(PLAYBOOK, inventory=INVENTORY, env=env, extra_vars=extra)
    assert "Rollout it-three: COMPLETED" in rerun.stdout
    assert (len(writes(emulator)), len(iotda_writes(emulator))) == before


def test_an_abort_stops_the_running_v5_tasks(run_playbook, emulator, dirs):
    """The canary's v5 devices: the first fails, the others are offline (they stay in progress): the error threshold
    aborts the canary and its v5 task is stopped (StopBatchTask), like the Tencent ones are cancelled."""
    rollout_id = "it-three-abort"
    raws = ([{"platform": "huawei", "id": "hw-meter-%04d" % n} for n in range(1, 21)]
            + [{"platform": "tencent", "id": "tc-sensor-%04d" % n, "product_id": "TCPROD0001"} for n in range(1, 21)]
            + [{"platform": "huawei_iotda", "id": name} for name in IOTDA])
    devices = rollout.normalize_devices(raws)[0]
    stages = rollout.normalize_stages("canary:12,rest:100%")
    canary = [d["id"] for d in recover.wave_members(rollout_id, devices, stages)["canary"]
              if d["platform"] == "huawei_iotda"]
    assert len(canary) >= 2, "the ranking of this rollout id puts v5 devices in the canary"
    emulator.behaviour(failure_rates={canary[0]: 1.0})
    emulator.control("POST", "devices", {"huawei_iotda": dict((name, {"online": False}) for name in canary[1:])})
    result = run_playbook(PLAYBOOK, inventory=INVENTORY, env=three_platform_env(emulator), expect_rc=2,
                          extra_vars=dict(dirs, staged_rollout_id=rollout_id, staged_rollout_stages="canary:12,rest:100%",
                                          staged_rollout_min_finished=1, **TARGETS))
    assert "Rollout it-three-abort ABORTED in wave canary" in result.stdout
    state = state_of(dirs, rollout_id)
    v5 = [c["task_id"] for c in state["waves"]["canary"]["chunks"] if c["platform"] == "huawei_iotda"]
    assert len(v5) == 1 and v5[0] in state["waves"]["canary"]["cancelled"]
    stops = [e for e in emulator.requests() if e["platform"] == "huawei_iotda" and e["path"].endswith("/stop")]
    assert len(stops) == 1
    task = [t for t in iotda_tasks(emulator) if t["task_id"] == v5[0]][0]
    assert task["status"] in ("Stopping", "Stopped")
    assert "rest" not in state["waves"]


def test_a_small_v5_rollout_reads_the_canary_one_by_one_before_its_first_create(run_playbook, emulator, dirs):
    """20 v5 devices of the demo product (300 devices, 6 ListDevices pages), canary 4: before the canary's first
    CreateBatchTask the versions come from one ShowDevice per canary device, plus the one listing page that tells the
    product's size (page.count) - never a walk of the listing. ShowDevice answers auth_info with a fake device secret:
    it appears nowhere in the output (-vvv), the state or the reports."""
    from iotemu.iotda import device_secret

    rollout_id = "it-v5-canary-reads"
    result = run_playbook(PLAYBOOK, inventory=[os.path.join(ROLLOUT, "inventories", "iotda.yml")],
                          env=three_platform_env(emulator), verbosity=3,
                          extra_vars=dict(dirs, staged_rollout_id=rollout_id, **TARGETS))
    assert "Rollout it-v5-canary-reads: COMPLETED" in result.stdout
    canary = state_of(dirs, rollout_id)["waves"]["canary"]["chunks"][0]["devices"]
    log = emulator.requests("huawei_iotda")
    first_create = next(index for index, entry in enumerate(log)
                        if entry["method"] == "POST" and entry["path"] == IOTDA_CREATE)
    devices = IOTDA_CREATE.replace("/batchtasks", "/devices")
    reads = [entry["path"] for entry in log[:first_create] if entry["path"].startswith(devices)]
    shown = sorted(devices + "/" + name for name in canary)
    # the plan reads the canary first; the later waves' read (a thread, the listing) may start before the create
    assert len(canary) == 4 and reads[0] == devices and sorted(reads[1:5]) == shown, reads
    assert sorted(path for path in reads if path != devices) == shown, reads
    assert all(entry["status"] == 200 for entry in log[:first_create])
    assert "Versions of 4 huawei_iotda devices read from the platform (6 API calls)" in result.stdout
    secrets = [device_secret(IOTDA_PROJECT_ID, name) for name in IOTDA]
    written = [result.stdout, result.stderr]
    for folder in dirs.values():
        for root, _dirs, names in os.walk(folder):
            for name in names:
                with open(os.path.join(root, name), errors="replace") as handle:
                    written.append(handle.read())
    assert not [secret for secret in secrets if any(secret in text for text in written)]
