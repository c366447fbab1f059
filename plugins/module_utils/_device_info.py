# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Devices, packages and firmware of the platforms, for the four ``_info`` modules and the inventory plugins.

* The device filters of the inventory plugins and of the device info modules (plural list options), mapped to the
  provider's listings (``Provider.iter_devices``): one listing per value of a filter the platform API accepts as a
  query parameter, every other filter applied on the controller, and the result checked on the controller too.
* The bodies of ``huawei_iot_device_info``, ``huawei_iot_package_info``, ``tencent_iot_device_info`` and
  ``tencent_iot_firmware_info`` (run by the generic edge ``_module._connection.run_body``: validation before any
  request, redaction, ``api_calls``, exactly one exit).

Calls the providers do not offer as a method (one page of a listing, one package, one device, the firmware
list) go through the platform package's ``api`` object, so pacing, retries, parsing and redaction are the
platform layer's.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import itertools
from typing import Any, Dict, Iterable, Iterator, List, Optional

from ansible_collections.iotfleet.firmware.plugins.module_utils._http import IoTError, expect_dict, expect_int
from ansible_collections.iotfleet.firmware.plugins.module_utils._http import expect_list, expect_str
from ansible_collections.iotfleet.firmware.plugins.module_utils._provider import ValidationError

# Filter option -> neutral device key, checked on the controller (exact whatever the platform did with it).
CLIENT_SIDE_FILTERS = (
    ("device_types", "device_type"),
    ("models", "model"),
    ("manufacturers", "manufacturer"),
    ("gateway_ids", "gateway_id"),
    ("firmware_versions", "firmware_version"),
    ("software_versions", "software_version"),
    ("product_ids", "product_id"),
)

HUAWEI_DEVICE_FILTERS = ("device_types", "models", "manufacturers", "gateway_ids", "firmware_versions")
TENCENT_DEVICE_FILTERS = ("product_ids", "firmware_versions")


def matches(device: Dict[str, Any], filters: Dict[str, List[str]]) -> bool:
    """True when ``device`` passes every non-empty filter list."""
    return all(not filters.get(option) or device.get(key) in filters[option] for option, key in CLIENT_SIDE_FILTERS)


def huawei_listings(filters: Dict[str, List[str]]) -> List[Dict[str, Any]]:
    """Provider filters of the Huawei listings: one per (device type, gateway) pair, the two documented query
    parameters of ``GET /iocm/app/dm/v1.4.0/devices``; models, manufacturers and versions are checked here."""
    return [{"device_type": device_type, "gateway_id": gateway_id}
            for device_type, gateway_id in itertools.product(filters.get("device_types") or [None],
                                                             filters.get("gateway_ids") or [None])]


def tencent_listings(filters: Dict[str, List[str]], fw_type: Optional[str] = None) -> List[Dict[str, Any]]:
    """Provider filters of the Tencent listings: every product, once per firmware version (``FirmwareVersion`` of
    ``GetDeviceList`` takes one version)."""
    if not filters.get("product_ids"):
        raise ValidationError(["product_ids must name at least one product (GetDeviceList lists one product)"])
    return [{"product_ids": list(filters["product_ids"]), "firmware_version": version, "fw_type": fw_type}
            for version in filters.get("firmware_versions") or [None]]


def listings(platform: str, filters: Dict[str, List[str]], fw_type: Optional[str] = None) -> List[Dict[str, Any]]:
    return huawei_listings(filters) if platform == "huawei" else tencent_listings(filters, fw_type)


def list_devices(provider, listings: Iterable[Dict[str, Any]], filters: Dict[str, List[str]]) -> Iterator[Dict]:
    """Every device of the listings that passes ``filters``, each once (paged and paced by the provider)."""
    seen = set()
    for listing in listings:
        for device in provider.iter_devices(listing):
            key = (device.get("product_id"), device.get("device_id"))
            if key in seen or not matches(device, filters):
                continue
            seen.add(key)
            yield device


def list_filters(params: Dict[str, Any], names: Iterable[str]) -> Dict[str, List[str]]:
    return dict((name, list(params[name])) for name in names if params.get(name))


def _one_page_only(params, page_keys, names):
    """One page of a listing is one request: it cannot be combined with several values of a query filter."""
    if all(params.get(key) is None for key in page_keys):
        return
    several = [name for name in names if len(params.get(name) or []) > 1]
    if several:
        raise ValidationError(["%s: one page (%s) is one listing, so at most one value may be given (got %d)"
                               % (name, " / ".join(page_keys), len(params[name])) for name in several])


def _minimum(params, rules):
    problems = ["%s must be at least %d, got %s" % (name, low, params[name])
                for name, low in rules if params.get(name) is not None and params[name] < low]
    if problems:
        raise ValidationError(problems)


# ---- Huawei ----------------------------------------------------------------------------------------------------


def huawei_devices(provider, params: Dict[str, Any]) -> Dict[str, Any]:
    """``huawei_iot_device_info``: given devices, or the (filtered) device listing, one page or all pages."""
    from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei import api as hapi
    from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei.provider import device_row

    _minimum(params, (("page_no", 0), ("page_size", 1)))
    if params.get("page_size") is not None and params["page_size"] > hapi.DEVICE_PAGE_SIZE:
        raise ValidationError(["page_size must be at most %d, got %s" % (hapi.DEVICE_PAGE_SIZE, params["page_size"])])
    _one_page_only(params, ("page_no", "page_size"), ("device_types", "gateway_ids"))
    filters = list_filters(params, HUAWEI_DEVICE_FILTERS)
    if params.get("device_ids"):
        devices, missing = [], []
        for device_id in params["device_ids"]:
            row = provider.get_device(device_id)
            if row is None:
                missing.append(device_id)
            elif matches(row, filters):
                devices.append(row)
        return {"devices": devices, "missing": missing, "total": len(devices)}
    if params.get("page_no") is None and params.get("page_size") is None:
        devices = list(list_devices(provider, huawei_listings(filters), filters))
        return {"devices": devices, "missing": [], "total": len(devices)}
    page_no, page_size = params.get("page_no") or 0, params.get("page_size") or hapi.DEVICE_PAGE_SIZE
    listing = huawei_listings(filters)[0]
    call = hapi.label("GET", hapi.DEVICES_PATH)
    answer = provider.api.call("GET", hapi.DEVICES_PATH, params={
        "deviceType": listing["device_type"], "gatewayId": listing["gateway_id"],
        "pageNo": page_no, "pageSize": page_size})
    items = expect_list(call, expect_dict(call, answer, "Response"), "devices")
    rows = [device_row(call, raw, "devices[%d]" % index) for index, raw in enumerate(items)]
    return {"devices": [row for row in rows if matches(row, filters)], "missing": [],
            "total": hapi.page_total(call, answer, ("totalCount",)), "page_no": page_no, "page_size": page_size}


PACKAGE_FILTERS = (("file_type", "fileType"), ("device_type", "deviceType"), ("model", "model"),
                   ("manufacturer_name", "manufacturerName"), ("version", "version"))


def _package(call, raw, where):
    package = dict(expect_dict(call, raw, where))
    package["fileId"] = expect_str(call, package, "fileId")
    package["version"] = expect_str(call, package, "version", required=False)
    return package


def huawei_packages(provider, params: Dict[str, Any]) -> Dict[str, Any]:
    """``huawei_iot_package_info``: given packages (``GET .../category/{fileId}``) or the package list (``GET
    .../category`` with the documented filters), one page or all pages."""
    from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei import api as hapi
    from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei import errors as herrors

    _minimum(params, (("page_no", 0), ("page_size", 1)))
    if params.get("page_size") is not None and params["page_size"] > hapi.PAGE_SIZE:
        raise ValidationError(["page_size must be at most %d (documented range 1-100), got %s"
                               % (hapi.PAGE_SIZE, params["page_size"])])
    if params.get("file_ids"):
        packages, missing = [], []
        call = hapi.label("GET", hapi.PACKAGE_PATH + "/{fileId}")
        for file_id in params["file_ids"]:
            try:
                packages.append(_package(call, provider.api.get_package(file_id), "Response"))
            except IoTError as exc:
                if not herrors.not_found(exc):
                    raise
                missing.append(file_id)
        return {"packages": packages, "missing": missing, "total": len(packages)}
    query = dict((api_key, params.get(key)) for key, api_key in PACKAGE_FILTERS if params.get(key) is not None)
    call = hapi.label("GET", hapi.PACKAGE_PATH)
    if params.get("page_no") is None and params.get("page_size") is None:
        raws = provider.api.list_packages(query)
        packages = [_package(call, raw, "data[%d]" % index) for index, raw in enumerate(raws)]
        return {"packages": packages, "missing": [], "total": len(packages)}
    page_no, page_size = params.get("page_no") or 0, params.get("page_size") or hapi.PAGE_SIZE
    answer = provider.api.call("GET", hapi.PACKAGE_PATH, params=dict(query, pageNo=page_no, pageSize=page_size))
    items = expect_list(call, expect_dict(call, answer, "Response"), "data")
    return {"packages": [_package(call, raw, "data[%d]" % index) for index, raw in enumerate(items)], "missing": [],
            "total": hapi.page_total(call, answer, ("totalCount",)), "page_no": page_no, "page_size": page_size}


# ---- Tencent ---------------------------------------------------------------------------------------------------


def _with_firmwares(provider, device):
    device = dict(device)
    device["firmwares"] = provider.api.describe_device_firmwares(device["product_id"], device["device_id"])
    return device


def tencent_devices(provider, params: Dict[str, Any]) -> Dict[str, Any]:
    """``tencent_iot_device_info``: given devices (``DescribeDevice``) or ``GetDeviceList`` (one page or all),
    optionally with every module's version (``DescribeDeviceFirmwares``, one call per device)."""
    from ansible_collections.iotfleet.firmware.plugins.module_utils._tencent import api as tapi
    from ansible_collections.iotfleet.firmware.plugins.module_utils._tencent import errors as terrors
    from ansible_collections.iotfleet.firmware.plugins.module_utils._tencent.provider import neutral_device

    _minimum(params, (("offset", 0), ("limit", 1)))
    if params.get("limit") is not None and params["limit"] > tapi.PAGE_LIMIT:
        raise ValidationError(["limit must be at most %d, got %s" % (tapi.PAGE_LIMIT, params["limit"])])
    product_id, fw_type = params["product_id"], params.get("fw_type")
    version = params.get("firmware_version")
    missing = []  # type: List[str]
    if params.get("device_names"):
        devices = []
        for name in params["device_names"]:
            try:
                devices.append(neutral_device(product_id, provider.api.describe_device(product_id, name)))
            except IoTError as exc:
                if exc.code not in terrors.DEVICE_NOT_FOUND:
                    raise
                missing.append(name)
        if version:
            devices = [device for device in devices if device["firmware_version"] == version]
        page = {"total": len(devices)}  # type: Dict[str, Any]
    elif params.get("offset") is None and params.get("limit") is None:
        listing = {"product_ids": [product_id], "firmware_version": version, "fw_type": fw_type}
        devices = list(provider.iter_devices(listing))
        page = {"total": len(devices)}
    else:
        offset, limit = params.get("offset") or 0, params.get("limit") or tapi.PAGE_LIMIT
        rows, total = provider.api.device_list_page(product_id, version, fw_type, offset, limit)
        devices = [neutral_device(product_id, row) for row in rows]
        page = {"total": total, "offset": offset, "limit": limit}
    if params.get("include_firmwares"):
        devices = [_with_firmwares(provider, device) for device in devices]
    result = {"devices": devices, "missing": missing}
    result.update(page)
    return result


def _firmware(call, raw, where):
    firmware = dict(expect_dict(call, raw, where))
    firmware.pop("RequestId", None)
    firmware["Version"] = expect_str(call, firmware, "Version")
    return firmware


def tencent_firmwares(provider, params: Dict[str, Any]) -> Dict[str, Any]:
    """``tencent_iot_firmware_info``: given versions (``DescribeFirmware``) or ``ListFirmwares`` (one page or all)."""
    from ansible_collections.iotfleet.firmware.plugins.module_utils._tencent import api as tapi
    from ansible_collections.iotfleet.firmware.plugins.module_utils._tencent import errors as terrors

    _minimum(params, (("page_num", 1), ("page_size", 1)))
    if params.get("page_size") is not None and params["page_size"] > tapi.PAGE_LIMIT:
        raise ValidationError(["page_size must be at most %d, got %s" % (tapi.PAGE_LIMIT, params["page_size"])])
    product_id, fw_type = params.get("product_id"), params.get("fw_type")
    if params.get("versions"):
        if not product_id:
            raise ValidationError(["versions requires product_id (DescribeFirmware takes ProductID)"])
        firmwares, missing = [], []
        call = "Tencent Cloud DescribeFirmware"
        for version in params["versions"]:
            try:
                firmwares.append(_firmware(call, provider.api.describe_firmware(product_id, version, fw_type),
                                           "Response"))
            except IoTError as exc:
                if exc.code != terrors.FIRMWARE_NOT_FOUND:
                    raise
                missing.append(version)
        return {"firmwares": firmwares, "missing": missing, "total": len(firmwares)}
    # spec silent: the accepted Filters keys of ListFirmwares; fw_type is applied here instead of in Filters
    call = terrors.call_name("ListFirmwares")
    if params.get("page_num") is None and params.get("page_size") is None:
        raws = list(provider.api.list_firmwares(product_id))
        page = {}  # type: Dict[str, Any]
    else:
        page_num, page_size = params.get("page_num") or 1, params.get("page_size") or tapi.PAGE_LIMIT
        answer = provider.api.call("ListFirmwares", {"ProductID": product_id, "PageNum": page_num,
                                                     "PageSize": page_size})
        raws = expect_list(call, answer, "Firmwares")
        page = {"total": expect_int(call, answer, "TotalCount", minimum=0), "page_num": page_num,
                "page_size": page_size}
    firmwares = [_firmware(call, raw, "Firmwares[%d]" % index) for index, raw in enumerate(raws)]
    firmwares = [item for item in firmwares if not fw_type or item.get("FwType") == fw_type]
    result = {"firmwares": firmwares, "missing": [], "total": len(firmwares)}
    result.update(page)
    return result


def run(module, provider_factory, body) -> None:
    """Run ``body(provider, params)`` behind the generic module edge; the result never reports a change."""
    from ansible_collections.iotfleet.firmware.plugins.module_utils._module._connection import run_body

    def edge_body(provider, _warnings):
        return dict(body(provider, module.params), changed=False)

    run_body(module, provider_factory, edge_body)
