# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The body of ``huawei_iotda_device_info``: IoTDA v5 devices with their firmware and software versions.

The device listing ``ListDevices`` (``GET /v5/iot/{project_id}/devices``) is not in the project's reference (§10
documents no v5 device query): its query (``app_id``, ``product_id``, ``limit`` 1-50, ``marker``, ``offset`` 0-500)
and answer (``devices``, ``page`` {``count``, ``marker``}) are the official SDK's (``huaweicloudsdkiotda``). The
devices come through the provider (``Provider.iter_devices``: neutral dicts, ``fw_version`` / ``sw_version``
optional) except for one page, which is one ``ListDevices`` call of the platform API.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
from typing import Any, Dict, List

from ansible_collections.iotfleet.firmware.plugins.module_utils import _device_info
from ansible_collections.iotfleet.firmware.plugins.module_utils._provider import ValidationError

# Filter options that are lists: product_ids is the listing's query parameter (one listing per product), the
# versions are checked on the controller (ListDevices has no version parameter).
DEVICE_FILTERS = ("product_ids", "firmware_versions", "software_versions")
PAGE_OPTIONS = ("limit", "marker", "offset")
PAGE_LIMIT = 50  # SDK ListDevicesRequest.limit: 1-50
MAX_OFFSET = 500  # SDK ListDevicesRequest.offset: 0-500
MARKER_RE = re.compile(r"^[0-9A-Fa-f]{24}$")  # SDK: a 24-character hexadecimal record id
DEVICE_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,128}$")  # reference §10.2 (a target device id)
SPACE_RE = re.compile(r"^[A-Za-z0-9_-]{1,36}$")  # SDK: app_id and product_id, at most 36 of these


def listings(filters: Dict[str, List[str]], app_id=None) -> List[Dict[str, Any]]:
    """The provider filters of the listings covering ``filters``: one per product id (``product_id`` is a query
    parameter of ``ListDevices`` and takes one value), or one of the whole project (or resource space)."""
    return [{"app_id": app_id, "product_id": product_id} for product_id in filters.get("product_ids") or [None]]


def validate(params: Dict[str, Any]) -> None:
    """Every option rule as a sentence naming the option; raises :class:`ValidationError` before any request."""
    problems = []
    for name in ("device_ids",):
        bad = [value for value in params.get(name) or [] if not DEVICE_ID_RE.match("%s" % value)]
        if bad:
            problems.append("%s: each device id must be 1 to 128 letters, digits, _ or -, got %s"
                            % (name, ", ".join(repr(value) for value in bad[:5])))
    if params.get("app_id") is not None and not SPACE_RE.match(params["app_id"]):
        problems.append("app_id must be 1 to 36 letters, digits, _ or -, got %r" % params["app_id"])
    bad = [value for value in params.get("product_ids") or [] if not SPACE_RE.match("%s" % value)]
    if bad:
        problems.append("product_ids: each product id must be 1 to 36 letters, digits, _ or -, got %s"
                        % ", ".join(repr(value) for value in bad[:5]))
    limit, offset, marker = params.get("limit"), params.get("offset"), params.get("marker")
    if limit is not None and not 1 <= limit <= PAGE_LIMIT:
        problems.append("limit must be between 1 and %d, got %s" % (PAGE_LIMIT, limit))
    if offset is not None and not 0 <= offset <= MAX_OFFSET:
        problems.append("offset must be between 0 and %d, got %s" % (MAX_OFFSET, offset))
    if marker is not None and not MARKER_RE.match(marker):
        problems.append("marker must be the 24-character hexadecimal record id a page answered (page.marker), "
                        "got %r" % marker)
    if any(params.get(name) is not None for name in PAGE_OPTIONS) and len(params.get("product_ids") or []) > 1:
        problems.append("product_ids: one page (limit / marker / offset) is one listing, so at most one product id "
                        "may be given (got %d)" % len(params["product_ids"]))
    if params.get("device_ids") and any(params.get(name) is not None for name in PAGE_OPTIONS):
        problems.append("device_ids cannot be combined with limit, marker or offset (the devices are looked up in "
                        "every page)")
    if problems:
        raise ValidationError(problems)


def _given(provider, params, filters):
    """The ``device_ids`` in their order, read from the listings until every one was seen; the rest missing."""
    wanted = list(dict.fromkeys(params["device_ids"]))
    found = {}
    for listing in listings(filters, params.get("app_id")):
        for device in provider.iter_devices(listing):
            if device["device_id"] in wanted:
                found.setdefault(device["device_id"], device)
                if len(found) == len(wanted):
                    break
        if len(found) == len(wanted):
            break
    devices = [found[device] for device in wanted if device in found and _device_info.matches(found[device], filters)]
    return {"devices": devices, "missing": [device for device in wanted if device not in found],
            "total": len(devices)}


def devices(provider, params: Dict[str, Any]) -> Dict[str, Any]:
    """Given devices, the (filtered) listing of every page, or one page (``limit`` / ``marker`` / ``offset``)."""
    from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei_iotda.provider import (
        DEVICES_CALL, device_row)

    validate(params)
    filters = _device_info.list_filters(params, DEVICE_FILTERS)
    if params.get("device_ids"):
        return _given(provider, params, filters)
    if all(params.get(name) is None for name in PAGE_OPTIONS):
        found = list(_device_info.list_devices(provider, listings(filters, params.get("app_id")), filters))
        return {"devices": found, "missing": [], "total": len(found)}
    listing = listings(filters, params.get("app_id"))[0]
    limit = params.get("limit") or PAGE_LIMIT
    rows, page = provider.api.list_devices_page(app_id=listing["app_id"], product_id=listing["product_id"],
                                                limit=limit, marker=params.get("marker"), offset=params.get("offset"))
    found = [device_row(DEVICES_CALL, raw, "devices[%d]" % index) for index, raw in enumerate(rows)]
    return {"devices": [device for device in found if _device_info.matches(device, filters)], "missing": [],
            "total": page["count"] if page["count"] is not None else len(found), "limit": limit,
            "offset": params.get("offset") or 0, "marker": page["marker"]}
