"""Integration tests of the device sources of the staged_rollout role: a rollout of the devices of a CSV file
(``staged_rollout_devices_file``) with real ansible-playbook against the emulator, with an inventory of localhost
alone (no inventory host per device)."""
import os

import pytest

from test_playbook_rollout import PLAYBOOK, assert_no_duplicate_tasks, env_of, platform_tasks, state_of, versions

pytestmark = pytest.mark.integration

METERS = ["hw-meter-%04d" % n for n in range(1, 11)]
SENSORS = ["tc-sensor-%04d" % n for n in range(1, 11)]
ALWAYS = '"{""start"": ""* * * * *"", ""duration"": ""1h""}"'  # a window open at every minute, as CSV quotes JSON


@pytest.fixture
def dirs(tmp_path):
    return {"staged_rollout_state_dir": str(tmp_path / "state"), "staged_rollout_report_dir": str(tmp_path / "reports")}


def write_csv(tmp_path, rows, name="fleet.csv"):
    """The file in the playbook's working directory (the run_playbook fixture runs ansible-playbook in tmp_path)."""
    lines = ["platform,id,product_id,version,host,maintenance_window,timezone"] + rows
    (tmp_path / name).write_text("\n".join(lines) + "\n")
    return name


def run(run_playbook, emulator, dirs, rollout_id, expect_rc=0, **extra):
    extra_vars = dict(dirs, staged_rollout_id=rollout_id,
                      staged_rollout_stages=[{"name": "canary", "count": 2}, {"name": "rest", "percent": 100}])
    extra_vars.update(extra)
    return run_playbook(PLAYBOOK, extra_vars=extra_vars, env=env_of(emulator), inventory=["localhost,"],
                        expect_rc=expect_rc)


def test_a_rollout_of_the_devices_of_a_csv_file(run_playbook, emulator, dirs, tmp_path):
    rows = ["huawei,%s,,1.0.0,meter-%d,,\n" % (device, n) for n, device in enumerate(METERS, 1)]
    rows += ["tencent,%s,TCPROD0001,1.0.0,,%s,Europe/Berlin" % (device, ALWAYS) for device in SENSORS]
    rows[3] = "huawei,hw-meter-0001,,1.0.0,,,"  # listed again: counted once
    rows.insert(3, "huawei,hw-meter-0004,,1.0.0,,,")
    path = write_csv(tmp_path, [row.strip() for row in rows])  # relative to the playbook's working directory
    result = run(run_playbook, emulator, dirs, "it-file", staged_rollout_devices_file=path)
    assert "Rollout it-file: 20 devices in the fleet, 20 to upgrade (10 Huawei, 10 Tencent) in 2 waves" in result.stdout
    assert "NOTE: 1 devices were listed more than once and are counted once (hw-meter-0001)" in result.stdout
    assert "Rollout it-file: COMPLETED" in result.stdout
    state = state_of(dirs, "it-file")
    assert state["status"] == "completed"
    huawei, tencent = platform_tasks(emulator)
    assert sorted(d for task in huawei for d in task["targets"]["devices"]) == METERS
    assert sorted(row["DeviceName"] for task in tencent for row in task["Devices"]) == SENSORS
    assert_no_duplicate_tasks(emulator, state)
    current = versions(emulator)
    assert all(current[device] == "2.0.0" for device in METERS + SENSORS)
    assert current["hw-meter-0011"] == "1.0.0" and current["tc-sensor-0011"] == "1.0.0"


def test_a_bad_devices_file_or_two_sources_fail_before_any_call(run_playbook, emulator, dirs, tmp_path):
    bad = write_csv(tmp_path, ["huawei,hw-meter-0001,,1.0.0,,,", "tencent,tc-sensor-0001,,1.0.0,,,"], "bad.csv")
    result = run(run_playbook, emulator, dirs, "it-file-bad", expect_rc=2, staged_rollout_devices_file=bad)
    assert "%s line 3: a Tencent device needs a product_id" % os.path.join(str(tmp_path), bad) in result.stdout
    both = run(run_playbook, emulator, dirs, "it-file-bad", expect_rc=2, staged_rollout_devices_file=bad,
               staged_rollout_devices=[{"platform": "huawei", "id": "hw-meter-0001"}])
    assert "staged_rollout_devices (1 entries) and staged_rollout_devices_file (bad.csv) are both set" in both.stdout
    assert [e for e in emulator.requests() if e["platform"] != "control"] == []
    assert not os.path.exists(os.path.join(dirs["staged_rollout_state_dir"], "it-file-bad.json"))
