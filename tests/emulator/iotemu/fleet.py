"""Fleet definitions: the built-in demo fleet, JSON fleet files and their normalisation.

A fleet is a JSON object with a ``huawei``, a ``tencent`` and a ``huawei_iotda`` part (all optional; the demo
fleet's IoTDA v5 part is ``iotda_demo()``)::

    {"huawei": {
        "apps": [{"appId": "demo-app", "secret": "demo-secret"}],
        "packages": [{"fileId": "fw-wm100-2.0.0", "version": "2.0.0", "fileType": "firmwarePackage",
                      "deviceType": "WaterMeter", "model": "WM-100", "manufacturerName": "Acme", ...}],
        "devices": [{"deviceId": "hw-meter-0001", "deviceType": "WaterMeter", "model": "WM-100",
                     "manufacturerName": "Acme", "version": "1.0.0", "softwareVersion": "1.0.0",
                     "groups": ["north", "lab"], "online": true}]},
     "tencent": {
        "credentials": [{"secret_id": "AKID...", "secret_key": "...", "session_token": null,
                         "uin": 100000000001, "nickname": "demo"}],
        "products": [{"ProductId": "TCPROD0001", "ProductName": "SmartSensor"}],
        "firmwares": [{"ProductId": "TCPROD0001", "Version": "2.0.0", "FwType": "mcu", "Md5sum": "...", ...}],
        "devices": [{"ProductId": "TCPROD0001", "DeviceName": "tc-sensor-0001",
                     "versions": {"mcu": "1.0.0"}, "online": true}],
        "device_list_files": {"canary.txt": ["tc-sensor-0001", "tc-sensor-0002"]}}}

``load_fleet`` accepts such a dict, a path to a JSON file, ``"demo"``, ``"demo:N"`` (N devices per
platform) or ``"demo:H+T"`` (H Huawei and T Tencent devices) and returns the normalised form the platforms use (see ``normalize_fleet``).
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
from typing import Any, Optional, Union

DEMO_DEVICES = 300
DEMO_CREATE_TIME = 1767225600  # 2026-01-01T00:00:00Z, upload time of the demo firmware
DEMO_HUAWEI_APP = {"appId": "demo-app", "secret": "demo-secret"}
DEMO_TENCENT_CREDENTIAL = {
    "secret_id": "AKIDdemo0000000000000000000000000000",
    "secret_key": "demo-secret-key-000000000000000000",
    "session_token": None,
    "uin": 100000000001,
    "nickname": "demo",
}
DEMO_PRODUCT = "TCPROD0001"
DEFAULT_FW_TYPE = "mcu"

# Huawei IoTDA v5 (iotda.py): one account (project) with AK/SK, kept apart from the legacy and Tencent fleets
IOTDA_DEVICES = 300
IOTDA_PROJECT = "iotda-demo-project"
IOTDA_REGION = "cn-north-4"
IOTDA_AK = "IOTDADEMOAK0000000000"
IOTDA_SK = "IOTDADEMOSK0000000000000000000000000000000"
IOTDA_APP = "iotda-demo-app"
IOTDA_PRODUCT = "iotda-meter"

PACKAGE_FIELDS = ("fileId", "name", "version", "fileType", "deviceType", "model", "manufacturerName", "protocolType",
                  "description", "date", "uploadTime")


class FleetError(ValueError):
    """The fleet definition is not usable."""


def md5_hex(data: bytes) -> str:
    """MD5 as lower-case hex (a checksum, not a security measure)."""
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


# --------------------------------------------------------------------------- demo


def _huawei_package(version: str) -> dict:
    return {
        "fileId": "fw-wm100-%s" % version,
        "name": "WM-100 firmware %s" % version,
        "version": version,
        "fileType": "firmwarePackage",
        "deviceType": "WaterMeter",
        "model": "WM-100",
        "manufacturerName": "Acme",
        "protocolType": "CoAP",
        "description": "Acme WM-100 water meter firmware %s" % version,
        "date": "20260101T000000Z",
        "uploadTime": "20260101T000000Z",
    }


def _huawei_device(number: int) -> dict:
    groups = ["north" if number % 2 else "south"]
    if number <= 10:
        groups.append("lab")
    return {
        "deviceId": "hw-meter-%04d" % number,
        "deviceType": "WaterMeter",
        "model": "WM-100",
        "manufacturerName": "Acme",
        "version": "1.0.0",
        "softwareVersion": "1.0.0",
        "groups": groups,
        "online": True,
    }


def _tencent_firmware(version: str) -> dict:
    return {
        "ProductId": DEMO_PRODUCT,
        "Version": version,
        "FwType": DEFAULT_FW_TYPE,
        "Name": "SmartSensor MCU %s" % version,
        "Description": "SmartSensor MCU firmware %s" % version,
        "Md5sum": md5_hex(("SmartSensor-mcu-" + version).encode("utf-8")),
        "CreateTime": DEMO_CREATE_TIME,
        "UserDefined": "",
    }


def _demo_counts(spec: str) -> tuple[int, int]:
    """``demo:N`` -> (N, N); ``demo:H+T`` -> (H, T) Huawei and Tencent devices."""
    size = spec.split(":", 1)[1]
    huawei, plus, tencent = size.partition("+")
    try:
        counts = (int(huawei), int(tencent if plus else huawei))
    except ValueError as exc:
        raise FleetError("bad demo size in %r (demo:N or demo:HUAWEI+TENCENT)" % spec) from exc
    if min(counts) < 0 or sum(counts) < 1:
        raise FleetError("the demo fleet needs at least one device (demo:H+T may have 0 on one side): %r" % spec)
    return counts


def demo_fleet(count: int = DEMO_DEVICES, tencent_count: Optional[int] = None) -> dict:
    """The built-in demo fleet with ``count`` Huawei and ``tencent_count`` (default: as many) Tencent devices.

    Raw, not yet normalised.
    """
    tencent_count = count if tencent_count is None else tencent_count
    if count < 0 or tencent_count < 0 or count + tencent_count < 1:
        raise FleetError("the demo fleet needs at least one device")
    sensors = ["tc-sensor-%04d" % number for number in range(1, tencent_count + 1)]
    return {
        "huawei": {
            "apps": [dict(DEMO_HUAWEI_APP)],
            "packages": [_huawei_package("1.0.0"), _huawei_package("2.0.0")],
            "devices": [_huawei_device(number) for number in range(1, count + 1)],
        },
        "tencent": {
            "credentials": [dict(DEMO_TENCENT_CREDENTIAL)],
            "products": [{"ProductId": DEMO_PRODUCT, "ProductName": "SmartSensor"}],
            "firmwares": [_tencent_firmware("1.0.0"), _tencent_firmware("2.0.0")],
            "devices": [{"ProductId": DEMO_PRODUCT, "DeviceName": name, "versions": {DEFAULT_FW_TYPE: "1.0.0"},
                         "online": True} for name in sensors],
            # The device-list file of filename mode cannot be uploaded through the API: the fleet defines it.
            "device_list_files": {"canary-devices.txt": sensors[:5]},
        },
    }


def iotda_demo() -> dict:
    """The IoTDA v5 part of the demo fleet: 300 devices ``iotda-meter-0001..0300`` on 1.0.0, a firmware and a
    software package 2.0.0 (the same whatever ``demo:N`` says, so that the legacy and Tencent counts do not move)."""
    packages = [{"package_id": "iotda-fw-2.0.0", "package_type": "firmwarePackage", "version": "2.0.0"},
                {"package_id": "iotda-sw-2.0.0", "package_type": "softwarePackage", "version": "2.0.0"}]
    for package in packages:
        package.update({"app_id": IOTDA_APP, "product_id": IOTDA_PRODUCT})
    devices = []
    for number in range(1, IOTDA_DEVICES + 1):
        groups = ["iotda-north" if number % 2 else "iotda-south"] + (["iotda-lab"] if number <= 10 else [])
        devices.append({"device_id": "iotda-meter-%04d" % number, "product_id": IOTDA_PRODUCT, "fw_version": "1.0.0",
                        "sw_version": "1.0.0", "groups": groups, "online": True})
    return {"project_id": IOTDA_PROJECT, "region": IOTDA_REGION, "default_app_id": IOTDA_APP,
            "credentials": [{"ak": IOTDA_AK, "sk": IOTDA_SK}], "auth_tokens": [], "packages": packages,
            "devices": devices}


# --------------------------------------------------------------------------- loading


def load_fleet(spec: Union[None, str, dict]) -> dict:
    """A normalised fleet from a dict, a JSON file path, ``"demo"`` or ``"demo:N"`` (None = demo)."""
    if spec is None:
        spec = "demo"
    if isinstance(spec, str):
        if spec == "demo" or spec.startswith("demo:"):
            count = DEMO_DEVICES
            counts = (count, count)
            if ":" in spec:
                counts = _demo_counts(spec)
            raw = demo_fleet(*counts)
            raw["huawei_iotda"] = iotda_demo()
        else:
            if not os.path.isfile(spec):
                raise FleetError("fleet file not found: %s" % spec)
            with open(spec, encoding="utf-8") as handle:
                try:
                    raw = json.load(handle)
                except ValueError as exc:
                    raise FleetError("fleet file %s is not JSON: %s" % (spec, exc)) from exc
    elif isinstance(spec, dict):
        raw = copy.deepcopy(spec)
    else:
        raise FleetError("a fleet is a dict, a JSON file path, 'demo', 'demo:N' or 'demo:HUAWEI+TENCENT'")
    return normalize_fleet(raw)


def normalize_fleet(raw: Any) -> dict:
    """Validate a raw fleet and fill in defaults.

    Result: ``{"huawei": {"apps": {appId: secret}, "packages": {fileId: package},
    "devices": {deviceId: device}}, "tencent": {"credentials": {secret_id: credential},
    "products": {ProductId: product}, "firmwares": [firmware], "devices": {(ProductId, DeviceName): device},
    "device_list_files": {name: {"devices", "md5", "size"}}}}``.
    """
    if not isinstance(raw, dict):
        raise FleetError("a fleet must be a JSON object")
    return {"huawei": _normalize_huawei(raw.get("huawei") or {}), "tencent": _normalize_tencent(raw.get("tencent") or {}),
            "huawei_iotda": _normalize_iotda(raw.get("huawei_iotda") or {})}


def _require(item: Any, keys: tuple, what: str) -> dict:
    if not isinstance(item, dict):
        raise FleetError("%s must be an object: %r" % (what, item))
    missing = [key for key in keys if not item.get(key)]
    if missing:
        raise FleetError("%s lacks %s: %r" % (what, ", ".join(missing), item))
    return item


def _normalize_huawei(part: dict) -> dict:
    apps = {}
    for app in part.get("apps") or []:
        _require(app, ("appId", "secret"), "huawei app")
        apps[app["appId"]] = app["secret"]
    packages = {}
    for package in part.get("packages") or []:
        _require(package, ("fileId", "version", "deviceType", "model", "manufacturerName"), "huawei package")
        full = dict((key, "") for key in PACKAGE_FIELDS)
        full.update({"name": package["fileId"], "fileType": "firmwarePackage", "protocolType": "CoAP"})
        full.update(package)
        packages[package["fileId"]] = full
    devices = {}
    for device in part.get("devices") or []:
        _require(device, ("deviceId", "deviceType", "model", "manufacturerName"), "huawei device")
        full = {"version": "1.0.0", "softwareVersion": "1.0.0", "groups": [], "online": True}
        full.update(device)
        full["groups"] = list(full["groups"] or [])
        full["online"] = bool(full["online"])
        devices[device["deviceId"]] = full
    return {"apps": apps, "packages": packages, "devices": devices}


def _normalize_iotda(part: dict) -> dict:
    """``{"project_id", "region", "default_app_id", "credentials": {ak: sk}, "auth_tokens": [token],
    "packages": {package_id: package}, "devices": {device_id: device}}`` (no credentials: every v5 call is 401)."""
    credentials = {}
    for credential in part.get("credentials") or []:
        _require(credential, ("ak", "sk"), "huawei_iotda credential")
        credentials[credential["ak"]] = credential["sk"]
    tokens = part.get("auth_tokens") or []
    if not isinstance(tokens, list) or not all(isinstance(token, str) and token for token in tokens):
        raise FleetError("huawei_iotda auth_tokens must be a list of IAM token strings")
    app_id = part.get("default_app_id") or IOTDA_APP
    packages = {}
    for package in part.get("packages") or []:
        _require(package, ("package_id", "product_id", "version"), "huawei_iotda package")
        full = {"app_id": app_id, "package_type": "firmwarePackage"}
        full.update(package)
        if full["package_type"] not in ("firmwarePackage", "softwarePackage"):
            raise FleetError("huawei_iotda package_type must be firmwarePackage or softwarePackage: %r" % package)
        packages[package["package_id"]] = full
    devices = {}
    for device in part.get("devices") or []:
        _require(device, ("device_id", "product_id"), "huawei_iotda device")
        full = {"app_id": app_id, "fw_version": "1.0.0", "sw_version": "1.0.0", "groups": [], "online": True}
        full.update(device)
        full["groups"] = list(full["groups"] or [])
        full["online"] = bool(full["online"])
        devices[device["device_id"]] = full
    return {"project_id": part.get("project_id") or IOTDA_PROJECT, "region": part.get("region") or IOTDA_REGION,
            "default_app_id": app_id, "credentials": credentials, "auth_tokens": list(tokens), "packages": packages,
            "devices": devices}


def _normalize_tencent(part: dict) -> dict:
    credentials = {}
    for credential in part.get("credentials") or []:
        _require(credential, ("secret_id", "secret_key"), "tencent credential")
        full = {"session_token": None, "uin": 100000000001, "nickname": "iotemu"}
        full.update(credential)
        credentials[credential["secret_id"]] = full
    products = {}
    for product in part.get("products") or []:
        _require(product, ("ProductId",), "tencent product")
        products[product["ProductId"]] = {"ProductId": product["ProductId"],
                                          "ProductName": product.get("ProductName") or product["ProductId"]}
    firmwares = [_normalize_firmware(firmware, products) for firmware in part.get("firmwares") or []]
    devices = {}
    for device in part.get("devices") or []:
        full = _normalize_tencent_device(device, products)
        devices[(full["ProductId"], full["DeviceName"])] = full
    files = dict((name, _normalize_list_file(name, spec)) for name, spec in (part.get("device_list_files") or {}).items())
    return {"credentials": credentials, "products": products, "firmwares": firmwares, "devices": devices,
            "device_list_files": files}


def _normalize_firmware(firmware: dict, products: dict) -> dict:
    _require(firmware, ("ProductId", "Version"), "tencent firmware")
    if firmware["ProductId"] not in products:
        raise FleetError("tencent firmware of an unknown product: %r" % firmware)
    full = {"FwType": DEFAULT_FW_TYPE, "Name": firmware["Version"], "Description": "", "UserDefined": "",
            "CreateTime": DEMO_CREATE_TIME,
            "Md5sum": md5_hex(("%s-%s" % (firmware["ProductId"], firmware["Version"])).encode("utf-8"))}
    full.update(firmware)
    return full


def _normalize_tencent_device(device: dict, products: dict) -> dict:
    _require(device, ("ProductId", "DeviceName"), "tencent device")
    if device["ProductId"] not in products:
        raise FleetError("tencent device of an unknown product: %r" % device)
    versions = device.get("versions")
    if versions is None:
        versions = {device.get("FwType") or DEFAULT_FW_TYPE: device.get("version") or "1.0.0"}
    if not isinstance(versions, dict):
        raise FleetError("tencent device versions must map FwType to version: %r" % device)
    full = {"ProductId": device["ProductId"], "DeviceName": device["DeviceName"], "versions": dict(versions),
            "online": bool(device.get("online", True))}
    if "CreateTime" in device:
        full["CreateTime"] = int(device["CreateTime"])
    return full


def device_list_content(devices: list) -> bytes:
    """The bytes of a device-list file as the emulator pictures it: one device name per line."""
    return "".join(name + "\n" for name in devices).encode("utf-8")


def _normalize_list_file(name: str, spec: Any) -> dict:
    if isinstance(spec, list):
        spec = {"devices": spec}
    if not isinstance(spec, dict) or not isinstance(spec.get("devices"), list):
        raise FleetError("device_list_files[%r] must be a list of device names or {\"devices\": [...]}" % name)
    content = device_list_content(spec["devices"])
    return {"devices": list(spec["devices"]), "md5": spec.get("md5") or md5_hex(content),
            "size": spec.get("size") or len(content), "ProductId": spec.get("ProductId")}
