# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The devices of the Huawei IoT legacy platform behind the provider contract (``_provider.Provider``).

The device query API (``GET /iocm/app/dm/v1.4.0/devices[/{deviceId}]``, reference §7b): the listings the device
filters need (documented query parameters ``deviceType`` and ``gatewayId``; models, manufacturers and versions are
checked on the controller), every device as the contract's neutral dict (:func:`device_row`), the devices' current
firmware by per-device reads or listing pages, whichever costs fewer calls (:func:`cheapest_read`), and the
selection of ``huawei_iot_device_info``. :class:`HuaweiDevices` is a part of ``provider.HuaweiProvider``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import itertools

from ansible_collections.iotfleet.firmware.plugins.module_utils._device_info import (
    at_least,
    list_devices,
    list_filters,
    matches,
    one_page_only,
)
from ansible_collections.iotfleet.firmware.plugins.module_utils._errors import IoTError
from ansible_collections.iotfleet.firmware.plugins.module_utils._parse import (
    expect_dict,
    expect_list,
    expect_str,
)
from ansible_collections.iotfleet.firmware.plugins.module_utils._provider import ValidationError
from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei.facts import DEVICE_FILTERS
from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei import api as hapi
from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei import errors

# More ids than this are read through the paged listing first (its first page tells what the rest costs).
PER_ITEM_MAX = 2


def cheapest_read(ids, pages, get_one, id_of):
    """``id -> item`` for ``ids``, by per-item reads or the paged listing, whichever costs fewer calls.

    ``pages()`` yields ``(items, page_count)``; ``get_one(id)`` returns the item or ``None`` (missing ids are left
    out). Up to :data:`PER_ITEM_MAX` ids are read one by one; otherwise the listing is read while its remaining
    pages cost less than reading the still missing ids one by one.
    """
    wanted = list(dict.fromkeys(ids))
    found = {}
    if len(wanted) > PER_ITEM_MAX:
        wanted_set = set(wanted)
        for index, (items, page_count) in enumerate(pages()):
            for item in items:
                key = id_of(item)
                if key in wanted_set:
                    found.setdefault(key, item)
            missing = len(wanted_set) - len(found)
            if not missing or page_count - index - 1 >= missing:
                break
    for key in wanted:
        if key not in found:
            item = get_one(key)
            if item is not None:
                found[key] = item
    return found


def device_row(call, raw, where):
    """A device object of the device query API as the neutral inventory dict (``deviceInfo`` checked)."""
    raw = expect_dict(call, raw, where)
    info = raw.get("deviceInfo")
    info = expect_dict(call, info, where + ".deviceInfo") if info is not None else {}
    status = expect_str(call, info, "status", required=False)
    return {
        "device_id": expect_str(call, raw, "deviceId"),
        "platform": "huawei",
        "product_id": None,
        "firmware_version": expect_str(call, info, "fwVersion", required=False),
        "software_version": expect_str(call, info, "swVersion", required=False),
        "name": expect_str(call, info, "name", required=False),
        "model": expect_str(call, info, "model", required=False),
        "device_type": expect_str(call, info, "deviceType", required=False),
        "manufacturer": expect_str(call, info, "manufacturerName", required=False),
        "product_name": None,
        "gateway_id": expect_str(call, raw, "gatewayId", required=False),
        # spec silent: the status values (ONLINE/OFFLINE are inferred, reference §7b)
        "online": None if status is None else status.upper() == "ONLINE",
        "raw": raw,
    }


def _version_pair(row):
    return row["device_id"], row.get("firmware_version")


def _matches(row, filters):
    """Client-side filters the device query does not document (model, manufacturer)."""
    return all(not filters.get(key) or row.get(field) == filters[key]
               for key, field in (("model", "model"), ("manufacturer_name", "manufacturer"),
                                  ("device_type", "device_type")))


class HuaweiDevices:
    """The device part of ``HuaweiProvider`` (``self.api`` is its ``api.HuaweiApi``)."""

    def device_listings(self, filters):
        """One listing per (device type, gateway) pair, the two documented query parameters of ``GET
        /iocm/app/dm/v1.4.0/devices``; models, manufacturers and versions are checked on the controller."""
        return [{"device_type": device_type, "gateway_id": gateway_id}
                for device_type, gateway_id in itertools.product(filters.get("device_types") or [None],
                                                                 filters.get("gateway_ids") or [None])]

    def _device_pages(self, filters):
        """Pages of neutral device rows: documented query parameters server-side, model/manufacturer here."""
        call = hapi.label("GET", hapi.DEVICES_PATH)
        query = {"deviceType": filters.get("device_type"), "gatewayId": filters.get("gateway_id"),
                 "status": filters.get("status")}
        for items, pages in self.api.device_pages(query):
            rows = [device_row(call, raw, "devices[%d]" % index) for index, raw in enumerate(items)]
            yield [row for row in rows if _matches(row, filters)], pages

    def iter_devices(self, filters):
        for rows, _pages in self._device_pages(filters or {}):
            yield from rows

    def get_device(self, device_id):
        """The neutral device dict of one device (``GET .../devices/{deviceId}``), ``None`` when it does not exist."""
        call = hapi.label("GET", "%s/%s" % (hapi.DEVICES_PATH, device_id))
        try:
            return device_row(call, self.api.get_device(device_id), "Response")
        except IoTError as exc:
            if errors.not_found(exc, errors.DEVICE_NOT_FOUND):
                return None
            raise

    def device_versions(self, devices, work=None):
        """Device -> ``firmware_version`` (devices without one, or unknown, left out), by :func:`cheapest_read`.

        Only ``(device_id, firmware_version)`` of each listed row is kept while the listing is read, never the row:
        a row with its raw answer is about 3 KB, and a listing for a wave of 50,000 devices would hold them all
        (issue 17)."""
        package = (work or {}).get("package") or {}
        filters = {"device_type": package.get("deviceType")}

        def pages():
            for rows, page_count in self._device_pages(filters):
                yield [_version_pair(row) for row in rows], page_count

        def one(device_id):
            row = self.get_device(device_id)
            return None if row is None else _version_pair(row)

        pairs = cheapest_read(devices, pages, one, lambda pair: pair[0])
        return dict((device, pair[1]) for device, pair in pairs.items() if pair[1] is not None)

    def info_devices(self, params):
        """``huawei_iot_device_info``: given devices, or the (filtered) device listing, one page or all pages."""
        at_least(params, (("page_no", 0), ("page_size", 1)))
        if params.get("page_size") is not None and params["page_size"] > hapi.DEVICE_PAGE_SIZE:
            raise ValidationError(["page_size must be at most %d, got %s"
                                   % (hapi.DEVICE_PAGE_SIZE, params["page_size"])])
        one_page_only(params, ("page_no", "page_size"), ("device_types", "gateway_ids"))
        filters = list_filters(params, DEVICE_FILTERS)
        if params.get("device_ids"):
            devices, missing = [], []
            for device_id in params["device_ids"]:
                row = self.get_device(device_id)
                if row is None:
                    missing.append(device_id)
                elif matches(row, filters):
                    devices.append(row)
            return devices, {"missing": missing}
        if params.get("page_no") is None and params.get("page_size") is None:
            return list(list_devices(self, self.device_listings(filters), filters)), {}
        page_no, page_size = params.get("page_no") or 0, params.get("page_size") or hapi.DEVICE_PAGE_SIZE
        listing = self.device_listings(filters)[0]
        call = hapi.label("GET", hapi.DEVICES_PATH)
        answer = self.api.call("GET", hapi.DEVICES_PATH, params={
            "deviceType": listing["device_type"], "gatewayId": listing["gateway_id"],
            "pageNo": page_no, "pageSize": page_size})
        items = expect_list(call, expect_dict(call, answer, "Response"), "devices")
        rows = [device_row(call, raw, "devices[%d]" % index) for index, raw in enumerate(items)]
        return [row for row in rows if matches(row, filters)], {
            "total": hapi.page_total(call, answer, ("totalCount",)), "page_no": page_no, "page_size": page_size}
