"""RetryBatchTask through huawei_iotda_batch_task (state=retried): real ansible-playbook against the emulator."""
import json

import pytest

from kit.iotda import TASKS  # /v5/iot/{the demo project}/batchtasks

pytestmark = pytest.mark.integration


def test_retry_check_mode_named_every_and_refused(emulator, run_playbook, tmp_path, monkeypatch):
    monkeypatch.setenv("IOTFLEET_PACING_DIR", str(tmp_path / "pacing"))
    emulator.behaviour(time_scale=1)  # the playbook moves the emulator's clock itself
    result_file = tmp_path / "result.json"
    env = dict(emulator.iotda_env(), HUAWEICLOUD_SDK_PROJECT_ID="", HW_REGION_NAME="")
    result = run_playbook("huawei_iotda/retry.yml", env=env,
                          extra_vars={"emulator_url": emulator.url, "result_file": str(result_file)})
    assert result.host()["failed"] == 0 and result.host()["ignored"] == 1, result.stdout[-4000:]
    with open(str(result_file)) as handle:
        task_id = json.load(handle)["task_id"]
    writes = [(entry["method"], entry["path"]) for entry in emulator.requests("huawei_iotda")
              if entry["method"] != "GET"]
    # one create, the named retry and the retry of every failed device; no write from check mode or the refusal
    assert writes == [("POST", TASKS), ("POST", "%s/%s/retry" % (TASKS, task_id)),
                      ("POST", "%s/%s/retry" % (TASKS, task_id))]
    assert len(emulator.state()["huawei_iotda"]["tasks"]) == 1
    assert "Not retried (not in a retriable state in task %s): iotda-meter-0023" % task_id in " ".join(
        (result.stdout + result.stderr).split())
    assert [row["status"] for row in emulator.state()["huawei_iotda"]["tasks"][0]["task_details"]] == ["Success"] * 3
