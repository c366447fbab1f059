"""Benchmark of the platform emulator at fleet scale (not part of the test suite).

    PYTHONPATH=tests/emulator .venv/bin/python tests/benchmarks/bench_emulator.py [--devices 50000] [--seconds 2]

Starts an in-process emulator with ``demo:N`` (N devices per platform, so 2N in all; default 50,000 + 50,000),
creates upgrade tasks covering every device (Huawei: tasks of 256 devices, the create limit; Tencent: tasks of
1,000 devices), lets part of them finish, then prints requests/s for a 100-row page of each list API
(one client, one keep-alive connection, throttles off).
"""
import argparse
import json
import os
import sys
import time

import requests

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))  # the test kit (tests/kit)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "emulator"))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "unit", "emulator"))

from emu_helpers import API, PRODUCT, SEC, tc3_headers  # noqa: E402
from iotemu.server import EmulatorServer  # noqa: E402
from kit.control import EmulatorControl  # noqa: E402
from kit.credentials import HUAWEI_APP_ID, HUAWEI_SECRET, TENCENT_SECRET_ID, TENCENT_SECRET_KEY  # noqa: E402

HW_TASK_SIZE = 256
TC_TASK_SIZE = 1000


class Bench:
    def __init__(self, url):
        self.url = url
        self.host = url.split("://", 1)[1]
        self.session = requests.Session()
        login = self.session.post(url + SEC + "/login", data={"appId": HUAWEI_APP_ID, "secret": HUAWEI_SECRET},
                                  timeout=30)
        self.hw_headers = {"app_key": HUAWEI_APP_ID, "Authorization": "Bearer " + login.json()["accessToken"]}

    def huawei(self, method, path, body=None, params=None):
        response = self.session.request(method, self.url + path, json=body, params=params, headers=self.hw_headers,
                                        timeout=60)
        assert response.status_code == 200, response.text[:300]
        return response.json()

    def tencent(self, action, params):
        body = json.dumps(params).encode("utf-8")
        headers = tc3_headers(TENCENT_SECRET_ID, TENCENT_SECRET_KEY, action, body, int(time.time()), self.host)
        response = self.session.post(self.url + "/", data=body, headers=headers, timeout=60)
        answer = response.json()["Response"]
        assert "Error" not in answer, answer
        return answer


def rate(call, seconds):
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        call()
        count += 1
    return count / (time.perf_counter() - started)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=50000, help="devices per platform (default 50000)")
    parser.add_argument("--seconds", type=float, default=2.0, help="measuring time per API (default 2)")
    args = parser.parse_args()
    started = time.perf_counter()
    server = EmulatorServer(fleet="demo:%d" % args.devices,
                            behaviour={"huawei_calls_per_minute": 0, "tencent_calls_per_second": 0}).start()
    print("fleet demo:%d (%d devices) loaded in %.2f s" % (args.devices, 2 * args.devices, time.perf_counter() - started))
    try:
        bench = Bench(server.url)
        started = time.perf_counter()
        hw_ids = ["hw-meter-%04d" % number for number in range(1, args.devices + 1)]
        hw_tasks = []
        for first in range(0, len(hw_ids), HW_TASK_SIZE):
            hw_tasks.append(bench.huawei("POST", API + "/operations/firmwareUpgrade", {
                "fileId": "fw-wm100-2.0.0", "targets": {"devices": hw_ids[first:first + HW_TASK_SIZE]}})["operationId"])
        names = ["tc-sensor-%04d" % number for number in range(1, args.devices + 1)]
        tc_tasks = []
        for first in range(0, len(names), TC_TASK_SIZE):
            tc_tasks.append(bench.tencent("BatchUpdateFirmware", {
                "ProductID": PRODUCT, "FirmwareVersion": "2.0.0", "DeviceNames": names[first:first + TC_TASK_SIZE]})["TaskId"])
        print("%d Huawei + %d Tencent tasks created in %.2f s" % (len(hw_tasks), len(tc_tasks), time.perf_counter() - started))
        EmulatorControl(server, timeout=60).advance(300)  # about half have finished
        middle = args.devices // 2
        cases = [
            ("huawei GET /operations (task list)",
             lambda: bench.huawei("GET", API + "/operations", params={"pageNo": 0, "pageSize": 100})),
            ("huawei GET /operations?operationStatus=processing",
             lambda: bench.huawei("GET", API + "/operations", params={"operationStatus": "processing", "pageSize": 100})),
            ("huawei GET /operations?deviceId=...",
             lambda: bench.huawei("GET", API + "/operations", params={"deviceId": hw_ids[middle], "pageSize": 100})),
            ("huawei GET /operations/{id}",
             lambda: bench.huawei("GET", API + "/operations/" + hw_tasks[len(hw_tasks) // 2])),
            ("huawei GET /operations/{id}/subOperations",
             lambda: bench.huawei("GET", API + "/operations/%s/subOperations" % hw_tasks[len(hw_tasks) // 2],
                                  params={"pageNo": 1, "pageSize": 100})),
            ("huawei GET /iocm/app/dm/v1.4.0/devices",
             lambda: bench.huawei("GET", "/iocm/app/dm/v1.4.0/devices", params={"pageNo": 250, "pageSize": 100})),
            ("huawei GET /iocm/app/dm/v1.4.0/devices?status=ONLINE",
             lambda: bench.huawei("GET", "/iocm/app/dm/v1.4.0/devices", params={"status": "ONLINE", "pageNo": 250,
                                                                                "pageSize": 100})),
            ("huawei GET /category", lambda: bench.huawei("GET", API + "/category", params={"pageSize": 100})),
            ("tencent DescribeFirmwareTasks", lambda: bench.tencent("DescribeFirmwareTasks", {
                "ProductID": PRODUCT, "FirmwareVersion": "2.0.0", "Offset": 0, "Limit": 100})),
            ("tencent DescribeFirmwareTaskDevices (all tasks)", lambda: bench.tencent("DescribeFirmwareTaskDevices", {
                "ProductID": PRODUCT, "FirmwareVersion": "2.0.0", "Offset": middle, "Limit": 100})),
            ("tencent DescribeFirmwareTaskDevices (TaskId filter)", lambda: bench.tencent("DescribeFirmwareTaskDevices", {
                "ProductID": PRODUCT, "FirmwareVersion": "2.0.0", "Offset": 500, "Limit": 100,
                "Filters": [{"Key": "TaskId", "Value": str(tc_tasks[len(tc_tasks) // 2])}]})),
            ("tencent DescribeFirmwareTask", lambda: bench.tencent("DescribeFirmwareTask", {
                "ProductID": PRODUCT, "FirmwareVersion": "2.0.0", "TaskId": tc_tasks[len(tc_tasks) // 2]})),
            ("tencent GetDeviceList", lambda: bench.tencent("GetDeviceList", {
                "ProductId": PRODUCT, "Offset": middle, "Limit": 100})),
            ("tencent GetDeviceList (FirmwareVersion filter)", lambda: bench.tencent("GetDeviceList", {
                "ProductId": PRODUCT, "FirmwareVersion": "2.0.0", "Offset": 0, "Limit": 100})),
            ("tencent DescribeFirmwareUpdateStatus", lambda: bench.tencent("DescribeFirmwareUpdateStatus", {
                "ProductId": PRODUCT, "DeviceName": names[middle]})),
            ("tencent ListFirmwares", lambda: bench.tencent("ListFirmwares", {"PageNum": 1, "PageSize": 100})),
        ]
        print("%-56s %10s" % ("API (100-row page where it applies)", "requests/s"))
        for name, call in cases:
            print("%-56s %10.1f" % (name, rate(call, args.seconds)))
    finally:
        server.stop()


if __name__ == "__main__":
    main()
