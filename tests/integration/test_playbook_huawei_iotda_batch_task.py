"""The Huawei IoTDA v5 modules end to end: real ansible-playbook against the emulator (fixtures in conftest.py)."""
import json

import pytest

from kit.credentials import IOTDA_PROJECT_ID, IOTDA_SECRET_KEY as SECRET_KEY, iotda_env

pytestmark = pytest.mark.integration

TASKS = "/v5/iot/%s/batchtasks" % IOTDA_PROJECT_ID


def iotda_calls(emulator, method=None, path=None):
    return emulator.calls(platform="huawei_iotda", method=method, path=path)


def test_create_rerun_wait_info_check_and_stop(emulator, run_playbook, tmp_path, monkeypatch):
    monkeypatch.setenv("IOTFLEET_PACING_DIR", str(tmp_path / "pacing"))
    emulator.behaviour(time_scale=1)  # tasks stay unfinished until the playbook advances the emulator's clock
    result_file = tmp_path / "result.json"
    # credentials and endpoint from the environment; the project and the region from the group's module_defaults
    env = dict(iotda_env(emulator.url), HUAWEICLOUD_SDK_PROJECT_ID="", HW_REGION_NAME="")
    result = run_playbook("huawei_iotda/batch_task.yml", env=env, verbosity=3,
                          extra_vars={"emulator_url": emulator.url, "result_file": str(result_file)})
    assert result.host()["failed"] == 0 and result.host()["ignored"] == 1, result.stdout[-4000:]
    assert result.host()["changed"] == 5  # create, check-mode create, second create, check-mode stop, stop

    with open(str(result_file)) as handle:
        data = json.load(handle)
    creates = [entry for entry in iotda_calls(emulator, "POST") if entry["path"] == TASKS]
    assert len(creates) == 2  # the re-run and the check mode created nothing
    stops = iotda_calls(emulator, "POST", "%s/%s/stop" % (TASKS, data["second"]))
    assert len(stops) == 1  # check mode and the re-run sent no stop
    tasks = emulator.state()["huawei_iotda"]["tasks"]
    assert [(task["task_id"], task["status"]) for task in tasks] == [
        (data["first"], "Success"), (data["second"], "Stopped")]
    assert data["waited"]["wait"]["polls"] == 0 and data["waited"]["counts"]["total"] == 3

    output = result.stdout + result.stderr
    assert "invocation" in output.lower()  # -vvv really printed the module arguments
    assert SECRET_KEY not in output
    assert "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER" in output
