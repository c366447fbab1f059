"""Garbage-answer faults: garbage, html_error, empty_body, trickle, mutate."""

import time

import pytest
import requests

from emu_helpers import PRODUCT
from iotemu.faults import apply_mutations

BUF = {"ProductID": PRODUCT, "FirmwareVersion": "2.0.0", "DeviceNames": ["tc-sensor-0001"]}
HW_BODY = {"fileId": "fw-wm100-2.0.0", "targets": {"devices": ["hw-meter-0001"]}}
DESCRIBE = {"ProductID": PRODUCT, "FirmwareVersion": "2.0.0"}


@pytest.mark.parametrize("body", ["{}", '{"data": null}', "not json", ""])
def test_garbage_is_a_literal_json_200(emulator, huawei, body):
    emulator.inject(platform="huawei", kind="garbage", body=body)
    response = huawei.create(HW_BODY)
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/json"
    assert response.content == body.encode("utf-8")
    assert emulator.state()["huawei"]["tasks"] == []  # nothing was done
    assert emulator.requests()[-1]["fault"] == "garbage"


def test_garbage_with_execute_does_the_work(emulator, tencent):
    emulator.inject(platform="tencent", action="BatchUpdateFirmware", kind="garbage", body='{"Response": {}}', execute=True)
    response = tencent.raw("BatchUpdateFirmware", BUF)
    assert response.json() == {"Response": {}}
    assert len(emulator.state()["tencent"]["tasks"]) == 1


def test_html_error(emulator, tencent):
    emulator.inject(platform="tencent", kind="html_error")
    response = tencent.raw("DescribeFirmware", DESCRIBE)
    assert response.status_code == 502 and response.headers["Content-Type"] == "text/html"
    assert response.text.startswith("<html>") and "502 Bad Gateway" in response.text


def test_empty_body(emulator, huawei):
    emulator.inject(platform="huawei", kind="empty_body", execute=True)
    response = huawei.create(HW_BODY)
    assert response.status_code == 200 and response.content == b"" and response.headers["Content-Length"] == "0"
    assert len(emulator.state()["huawei"]["tasks"]) == 1


def test_trickle_sends_the_real_answer_slowly(emulator, tencent):
    emulator.inject(platform="tencent", kind="trickle", rate=1000)
    started = time.monotonic()
    response = tencent.raw("DescribeFirmware", DESCRIBE)
    elapsed = time.monotonic() - started
    assert response.json()["Response"]["Version"] == "2.0.0"
    assert elapsed >= (len(response.content) - 100) / 1000.0  # the last chunk goes out without a pause


def test_trickle_defeats_a_client_deadline(emulator, huawei):
    emulator.inject(platform="huawei", kind="trickle")  # 1 byte per second
    with pytest.raises(requests.exceptions.ConnectionError, match="Read timed out"):
        huawei.session.get(huawei.url + "/iodm/northbound/v1.5.0/operations", headers=huawei.headers(), timeout=(5, 0.5))
    assert emulator.requests()[-1]["fault"] == "trickle"


def test_mutate_one_field_of_the_real_answer(emulator, tencent, huawei):
    tencent.create(DeviceNames=["tc-sensor-0001"])
    listing = dict(DESCRIBE, Offset=0, Limit=10)
    emulator.inject(platform="tencent", action="DescribeFirmwareTasks", kind="mutate", set={"Response.Total": "many"})
    answer = tencent.call("DescribeFirmwareTasks", listing)
    assert answer["Total"] == "many" and len(answer["TaskInfos"]) == 1
    assert tencent.call("DescribeFirmwareTasks", listing)["Total"] == 1  # once only
    huawei.create_ok(HW_BODY)
    emulator.inject(platform="huawei", path="/iodm/northbound/v1.5.0/operations", kind="mutate",
                    set={"data.0.staResult.success": "x", "pageNo": None})
    page = huawei.get("/operations").json()
    assert page["data"][0]["staResult"]["success"] == "x" and page["pageNo"] is None
    assert page["data"][0]["staResult"]["total"] == 1


def test_mutate_leaves_a_non_json_answer_alone(emulator, huawei):
    emulator.inject(platform="huawei", kind="mutate", set={"a": 1})
    assert requests.post(huawei.url + "/iocm/app/sec/v1.1.0/logout", json={}, timeout=5).status_code == 204


def test_apply_mutations_paths():
    payload = {"data": [{"a": 1}], "n": 2, "s": "x"}
    assert apply_mutations(payload, {"data.0.a": 5, "data.3.a": 9, "s.y": 1, "new.deep": True}) == {
        "data": [{"a": 5}], "n": 2, "s": "x", "new": {"deep": True}}
    assert apply_mutations({"data": [1]}, {"data": None}) == {"data": None}
    assert apply_mutations([0, 1], {"1": "one"}) == [0, "one"]


@pytest.mark.parametrize("rule", [
    {"kind": "garbage"},
    {"kind": "garbage", "body": 5},
    {"kind": "trickle", "rate": 0},
    {"kind": "trickle", "body": "{}"},
    {"kind": "mutate"},
    {"kind": "mutate", "set": {}},
    {"kind": "mutate", "set": ["data"]},
    {"kind": "http_500", "execute": True},
    {"kind": "html_error", "execute": "yes"},
])
def test_bad_garbage_rules(emulator, rule):
    emulator.control("POST", "faults", {"faults": [rule]}, expect=400)
    assert emulator.control("GET", "faults")["faults"] == []
