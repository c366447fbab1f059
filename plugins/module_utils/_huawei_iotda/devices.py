# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The devices of Huawei Cloud IoTDA v5 behind the provider contract (``_provider.Provider``).

The reference (§10) documents no v5 device query. The listing ``ListDevices`` (``GET /v5/iot/{project_id}/devices``)
and its device object (``QueryDeviceSimplify``: ``device_id``, ``node_id``, ``device_name``, ``product_id``,
``status``, ``fw_version``, ``sw_version``, ``app_id``...), and the per-device read ``ShowDevice`` (``GET
/v5/iot/{project_id}/devices/{device_id}``, ``ShowDeviceResponse``) are taken from the official SDK
(``huaweicloudsdkiotda`` 3.1.219), not from the project's reference. ``fw_version`` and ``sw_version`` are optional:
absent (or empty) means "version unknown", never an error; a page without a ``devices`` list is an error naming the
call. The listings the device filters need (query parameters ``app_id`` and ``product_id``, one listing per product;
versions checked on the controller), every device as the contract's neutral dict (:func:`device_row`), the devices'
current versions by ``ShowDevice`` reads or listing pages, whichever costs fewer calls
(:meth:`IotdaDevices.device_versions`), and the selection of ``huawei_iotda_device_info``
(:meth:`IotdaDevices.info_devices`). :class:`IotdaDevices` is a part of ``provider.HuaweiIotdaProvider``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.iotfleet.firmware.plugins.module_utils._device_info import list_devices, list_filters, matches
from ansible_collections.iotfleet.firmware.plugins.module_utils._errors import IoTError, invalid_response
from ansible_collections.iotfleet.firmware.plugins.module_utils._parse import expect_dict, expect_str
from ansible_collections.iotfleet.firmware.plugins.module_utils._provider import ValidationError
from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei_iotda.facts import DEVICE_FILTERS, FACTS
from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei_iotda import api as iapi
from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei_iotda import errors
from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei_iotda import task as tt

DEVICES_CALL = errors.call_name("ListDevices")
SHOW_CALL = errors.call_name("ShowDevice")
# Up to this many devices are read one by one without a listing page first (the legacy Huawei provider's rule,
# ``_huawei.devices.PER_ITEM_MAX``): one page could find them all, but it costs a call of its own.
PER_DEVICE_MAX = 2
PAGE_OPTIONS = ("limit", "marker", "offset")  # one page of the listing (huawei_iotda_device_info)
MAX_OFFSET = 500  # SDK ListDevicesRequest.offset: 0-500
MARKER_RE = re.compile(r"^[0-9A-Fa-f]{24}$")  # SDK: a 24-character hexadecimal record id
SPACE_RE = re.compile(r"^[A-Za-z0-9_-]{1,36}$")  # SDK: app_id and product_id, at most 36 of these

# SDK (QueryDeviceSimplify.status): ONLINE, OFFLINE, ABNORMAL, INACTIVE, FROZEN
ONLINE = "ONLINE"
# The version a task type installs, by the device field reporting it (SDK QueryDeviceSimplify): a firmwareUpgrade
# changes fw_version, a softwareUpgrade sw_version.
VERSION_FIELD = {"firmwareUpgrade": "firmware_version", "softwareUpgrade": "software_version"}


def _optional_text(call, raw, key, where):
    """An optional string field; absent, null or empty is None (unknown), another type an error naming the call."""
    return expect_str(call, raw, key, required=False, where=where) or None


def device_row(call, raw, where):
    """A ``QueryDeviceSimplify`` object (SDK ``ListDevices``) as the neutral device dict of the contract.

    ``device_id`` is required (a device without one cannot be named); every other field is optional, typed when
    present. ``fw_version`` / ``sw_version`` absent or empty: the version is unknown (None), never an error.
    """
    raw = expect_dict(call, raw, where)
    status = _optional_text(call, raw, "status", where)
    return {
        "device_id": expect_str(call, raw, "device_id", where=where),
        "platform": FACTS.name,
        "product_id": _optional_text(call, raw, "product_id", where),
        "firmware_version": _optional_text(call, raw, "fw_version", where),
        "software_version": _optional_text(call, raw, "sw_version", where),
        "name": _optional_text(call, raw, "device_name", where),
        "node_id": _optional_text(call, raw, "node_id", where),
        "gateway_id": _optional_text(call, raw, "gateway_id", where),
        "product_name": _optional_text(call, raw, "product_name", where),
        "app_id": _optional_text(call, raw, "app_id", where),
        "model": None,
        "device_type": None,
        "manufacturer": None,
        "online": None if status is None else status.upper() == ONLINE,
        "status": status,
        "raw": raw,
    }


def pages_needed(count):
    """The ``ListDevices`` pages of ``count`` devices (50 a page)."""
    return (count + iapi.PAGE_LIMIT - 1) // iapi.PAGE_LIMIT


def shown_device(raw, device_id):
    """The ids and versions of a ``ShowDeviceResponse`` (SDK), nothing else: no ``raw`` is kept (the API dropped
    ``auth_info`` at parse). ``device_id`` must be the one asked for; ``fw_version`` / ``sw_version`` are optional
    (absent or empty: unknown)."""
    raw = expect_dict(SHOW_CALL, raw, "the answer")
    answered = expect_str(SHOW_CALL, raw, "device_id")
    if answered != device_id:
        raise invalid_response(SHOW_CALL, "the answer is about device %r, not %r" % (answered[:128], device_id))
    return {"device_id": answered, "product_id": _optional_text(SHOW_CALL, raw, "product_id", None),
            "firmware_version": _optional_text(SHOW_CALL, raw, "fw_version", None),
            "software_version": _optional_text(SHOW_CALL, raw, "sw_version", None)}


def validate_info(params):
    """The options of ``huawei_iotda_device_info`` as sentences naming the option; before any request."""
    problems = []
    bad = [value for value in params.get("device_ids") or [] if not tt.ID_RE.match("%s" % value)]
    if bad:
        problems.append("device_ids: each device id must be 1 to %d letters, digits, _ or -, got %s"
                        % (tt.MAX_ID, ", ".join(repr(value) for value in bad[:5])))
    if params.get("app_id") is not None and not SPACE_RE.match(params["app_id"]):
        problems.append("app_id must be 1 to 36 letters, digits, _ or -, got %r" % params["app_id"])
    bad = [value for value in params.get("product_ids") or [] if not SPACE_RE.match("%s" % value)]
    if bad:
        problems.append("product_ids: each product id must be 1 to 36 letters, digits, _ or -, got %s"
                        % ", ".join(repr(value) for value in bad[:5]))
    limit, offset, marker = params.get("limit"), params.get("offset"), params.get("marker")
    if limit is not None and not 1 <= limit <= iapi.PAGE_LIMIT:
        problems.append("limit must be between 1 and %d, got %s" % (iapi.PAGE_LIMIT, limit))
    if offset is not None and not 0 <= offset <= MAX_OFFSET:
        problems.append("offset must be between 0 and %d, got %s" % (MAX_OFFSET, offset))
    if marker is not None and not MARKER_RE.match(marker):
        problems.append("marker must be the 24-character hexadecimal record id a page answered (page.marker), "
                        "got %r" % marker)
    one_page = any(params.get(name) is not None for name in PAGE_OPTIONS)
    if one_page and len(params.get("product_ids") or []) > 1:
        problems.append("product_ids: one page (limit / marker / offset) is one listing, so at most one product id "
                        "may be given (got %d)" % len(params["product_ids"]))
    if one_page and params.get("device_ids"):
        problems.append("device_ids cannot be combined with limit, marker or offset (the devices are looked up in "
                        "every page)")
    if problems:
        raise ValidationError(problems)


class IotdaDevices:
    """The device part of ``HuaweiIotdaProvider`` (``self.api`` is its ``api.IotdaApi``)."""

    def device_listings(self, filters):
        """One ``ListDevices`` listing per product id (``product_id`` takes one value), or one of the whole project,
        in the resource space ``app_id`` when given (a scalar listing option); versions are checked on the
        controller (the listing has no version parameter)."""
        return [{"app_id": filters.get("app_id") or None, "product_id": product_id}
                for product_id in filters.get("product_ids") or [None]]

    def iter_devices(self, filters):
        """Every device of ``ListDevices`` (SDK, not the reference) for ``filters`` {``app_id``, ``product_id``} (both
        optional query parameters), all pages, each a neutral dict (:func:`device_row`)."""
        filters = filters or {}
        index = 0
        for items in self.api.list_devices(app_id=filters.get("app_id"), product_id=filters.get("product_id")):
            for raw in items:
                yield device_row(DEVICES_CALL, raw, "%s[%d]" % (iapi.DEVICES_KEY, index))
                index += 1

    def show_device(self, device_id):
        """The ids and versions of one device (``ShowDevice``, SDK; :func:`shown_device`), None when IoTDA does not
        know it (HTTP 404 with an ``IOTDA.*`` code, :func:`errors.device_not_found`). Any other error names the call
        and the device."""
        try:
            raw = self.api.show_device(device_id)
        except IoTError as exc:
            if errors.device_not_found(exc):
                return None
            raise errors.with_context(exc, "Reading device %s:" % device_id)
        return shown_device(raw, device_id)

    def _listed(self, wanted, product_id, key):
        """``({device: its version ``key`` or None}, whether the listing was read to its end)``: ``ListDevices`` pages
        read while the pages still to come cost fewer calls than reading the missing devices one by one
        (``ceil(page.count / 50)`` pages in all, the count answered by the first page). A listing without
        ``page.count`` is read to its end (its cost is unknown), stopping as soon as every device sought was seen.
        Only the versions are kept (a wave may seek 100,000 devices)."""
        seen = {}
        pages = index = 0
        for items, count in self.api.device_pages(product_id=product_id):
            for raw in items:
                row = device_row(DEVICES_CALL, raw, "%s[%d]" % (iapi.DEVICES_KEY, index))
                index += 1
                if row["device_id"] in wanted and row["device_id"] not in seen:
                    seen[row["device_id"]] = row[key]
            pages += 1
            missing = len(wanted) - len(seen)
            if not missing:
                return seen, False
            if count is not None and pages_needed(count) - pages >= missing:
                return seen, False
        return seen, True

    def device_versions(self, devices, work=None):
        """Device -> the version the work's task type installs: ``fw_version`` for ``firmwareUpgrade`` (the default
        without a work), ``sw_version`` for ``softwareUpgrade`` (SDK ``QueryDeviceSimplify`` / ``ShowDeviceResponse``).

        Whichever costs fewer calls, like the legacy Huawei and the Tencent providers: up to :data:`PER_DEVICE_MAX`
        devices are read one by one (``ShowDevice``); more are looked up in the paged ``ListDevices`` (no device-id
        filter, newest device first), whose first page tells how many pages the rest costs (``page.count``): the
        listing is read on while its remaining pages are fewer than the devices still missing, and those are then
        read one by one. A canary of 10 devices in a product of 100,000 costs 1 page and 10 reads, not 2,000 pages.

        The listing is narrowed to the package's ``product_id`` when the work's ``ShowOtaPackage`` answer names one (a
        package installs on the devices of its product only; the SDK's ``ShowOtaPackageResponse.product_id``); a
        device ``ShowDevice`` places in another product counts as not listed, so both ways give the same answer.
        Devices the platform does not know, devices outside the product and devices without that version field are
        left out (unknown, never an error).

        ``ShowDevice`` also answers ``auth_info`` (the device's secret): the API drops it at parse and adds its
        secrets to the redactor first (``api.drop_auth_info``); only the ids and the versions are used here.
        """
        wanted = list(dict.fromkeys(devices))
        if not wanted:
            return {}
        work = work or {}
        key = VERSION_FIELD.get(work.get("task_type") or tt.TASK_TYPES[0], "firmware_version")
        package = work.get("package") if isinstance(work.get("package"), dict) else {}
        product_id = package.get("product_id") if isinstance(package.get("product_id"), str) else None
        found, complete = {}, False
        if len(wanted) > PER_DEVICE_MAX:
            found, complete = self._listed(set(wanted), product_id or None, key)
        if not complete:  # a listing read to its end has every device of the product: the rest are not there
            for device in wanted:
                if device not in found:
                    row = self.show_device(device)
                    if row is not None and (not product_id or row["product_id"] in (None, product_id)):
                        found[device] = row[key]
        return dict((device, version) for device, version in found.items() if version is not None)

    def info_devices(self, params):
        """``huawei_iotda_device_info``: given devices (looked up in the listings, read until every one was seen: the
        module returns whole device objects, and ``ShowDevice``'s carries ``auth_info``), every page of the filtered
        listings, or one page."""
        validate_info(params)
        filters = list_filters(params, DEVICE_FILTERS)
        listings = self.device_listings(dict(filters, app_id=params.get("app_id")))
        if params.get("device_ids"):
            wanted = list(dict.fromkeys(params["device_ids"]))
            found = {}
            for listing in listings:
                for row in self.iter_devices(listing):
                    if row["device_id"] in wanted:
                        found.setdefault(row["device_id"], row)
                        if len(found) == len(wanted):
                            break
                if len(found) == len(wanted):
                    break
            return ([found[device] for device in wanted if device in found and matches(found[device], filters)],
                    {"missing": [device for device in wanted if device not in found]})
        if all(params.get(name) is None for name in PAGE_OPTIONS):
            return list(list_devices(self, listings, filters)), {}
        limit = params.get("limit") or iapi.PAGE_LIMIT
        rows, page = self.api.list_devices_page(app_id=listings[0]["app_id"], product_id=listings[0]["product_id"],
                                                limit=limit, marker=params.get("marker"), offset=params.get("offset"))
        found = [device_row(DEVICES_CALL, raw, "%s[%d]" % (iapi.DEVICES_KEY, index)) for index, raw in enumerate(rows)]
        return [row for row in found if matches(row, filters)], {
            "total": page["count"] if page["count"] is not None else len(found), "limit": limit,
            "offset": params.get("offset") or 0, "marker": page["marker"]}
