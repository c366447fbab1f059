# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The devices of Tencent Cloud IoT Explorer behind the provider contract (``_provider.Provider``).

``GetDeviceList`` lists one product and takes one ``FirmwareVersion``: the listings the device filters need are one
per product and version (:meth:`TencentDevices.device_listings`). Every device is the contract's neutral dict
(:func:`neutral_device`, never with device secrets); the devices' current firmware comes from listing pages or
per-device reads (``DescribeDevice``, ``DescribeDeviceFirmwares`` for a module), whichever needs fewer calls; and the
selection of ``tencent_iot_device_info``. :class:`TencentDevices` is a part of ``provider.TencentProvider``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.iotfleet.firmware.plugins.module_utils._device_info import at_least
from ansible_collections.iotfleet.firmware.plugins.module_utils._errors import IoTError
from ansible_collections.iotfleet.firmware.plugins.module_utils._provider import ValidationError
from ansible_collections.iotfleet.firmware.plugins.module_utils._tencent import errors
from ansible_collections.iotfleet.firmware.plugins.module_utils._tencent.api import PAGE_LIMIT


def pages_needed(total):
    """The listing pages of ``total`` devices."""
    return (total + PAGE_LIMIT - 1) // PAGE_LIMIT


def neutral_device(product_id, device):
    """A ``DeviceInfo`` (already without device secrets) as the contract's neutral device dict."""
    return {
        "device_id": device["DeviceName"],
        "platform": "tencent",
        "product_id": device.get("ProductId") or product_id,
        "firmware_version": device.get("Version"),
        "software_version": None,
        "name": device["DeviceName"],
        "model": None,
        "device_type": device.get("DeviceType"),
        "manufacturer": None,
        "product_name": device.get("ProductName"),
        "online": None,  # spec silent: the DeviceInfo.Status values are not documented
        "raw": device,
    }


class TencentDevices:
    """The device part of ``TencentProvider`` (``self.api`` is its ``api.TencentApi``, ``self.scope`` the provider's
    last scope)."""

    def device_listings(self, filters):
        """Every product, once per firmware version (``FirmwareVersion`` of ``GetDeviceList`` takes one version);
        ``fw_type`` (a listing option, not a list) is passed on as it is."""
        if not filters.get("product_ids"):
            raise ValidationError(["product_ids must name at least one product (GetDeviceList lists one product)"])
        return [{"product_ids": list(filters["product_ids"]), "firmware_version": version,
                 "fw_type": filters.get("fw_type")}
                for version in filters.get("firmware_versions") or [None]]

    def _on_version(self, work, devices, version, known_versions):
        """The devices of ``devices`` whose current firmware is ``version``, with the fewest calls.

        ``known_versions`` first; the rest from GetDeviceList(FirmwareVersion=version) pages or per-device reads,
        whichever needs fewer calls (the first listing page tells the total).
        """
        product_id, fw_type = work["product_id"], work.get("fw_type")
        found = [device for device in devices if known_versions.get(device) == version]
        unknown = [device for device in devices if device not in known_versions]
        if not unknown:
            return found
        first = self.api.device_list_page(product_id, version, fw_type)
        listed = set(device["DeviceName"] for device in first[0])
        rest = [device for device in unknown if device not in listed]
        if rest and pages_needed(first[1]) - 1 <= len(rest):
            rows = self.api.get_device_list(product_id, version, fw_type, first=first)
            listed.update(device["DeviceName"] for device in rows)
        elif rest:
            versions = self._read_versions(product_id, fw_type, rest)
            listed.update(device for device in rest if versions.get(device) == version)
        return found + [device for device in unknown if device in listed]

    def _read_versions(self, product_id, fw_type, devices):
        """Per-device reads: DescribeDeviceFirmwares for a module (fw_type), else DescribeDevice."""
        versions = {}
        for device in devices:
            try:
                if fw_type:
                    versions.update((device, item["Version"]) for item in
                                    self.api.describe_device_firmwares(product_id, device)
                                    if item["FwType"] == fw_type and item["Version"])
                else:
                    version = self.api.describe_device(product_id, device).get("Version")
                    if version:
                        versions[device] = version
            except IoTError as exc:
                if exc.code not in errors.DEVICE_NOT_FOUND:
                    raise
        return versions

    def device_versions(self, devices, work=None):
        work = work or {"product_id": self.scope[0], "fw_type": self.scope[2]}
        product_id, fw_type = work["product_id"], work.get("fw_type")
        devices = list(devices)
        first = self.api.device_list_page(product_id, None, fw_type)
        if pages_needed(first[1]) <= len(devices):
            wanted = set(devices)
            return dict((device["DeviceName"], device["Version"]) for device in
                        self.api.get_device_list(product_id, None, fw_type, first=first)
                        if device["DeviceName"] in wanted and device["Version"])
        versions = dict((device["DeviceName"], device["Version"]) for device in first[0]
                        if device["DeviceName"] in devices and device["Version"])
        versions.update(self._read_versions(product_id, fw_type, [d for d in devices if d not in versions]))
        return versions

    def iter_devices(self, filters):
        products = list(filters.get("product_ids") or [])
        if filters.get("product_id"):
            products.append(filters["product_id"])
        if not products:
            raise ValidationError(["product_ids is required to list Tencent devices (GetDeviceList is per product)"])
        versions = list(filters.get("firmware_versions") or [])
        if filters.get("firmware_version"):
            versions.append(filters["firmware_version"])
        # One version: the documented FirmwareVersion filter; several: every device (the caller filters).
        version = versions[0] if len(set(versions)) == 1 else None
        for product_id in products:
            for device in self.api.get_device_list(product_id, version, filters.get("fw_type")):
                yield neutral_device(product_id, device)

    def _with_firmwares(self, device):
        device = dict(device)
        device["firmwares"] = self.api.describe_device_firmwares(device["product_id"], device["device_id"])
        return device

    def info_devices(self, params):
        """``tencent_iot_device_info``: given devices (``DescribeDevice``) or ``GetDeviceList`` (one page or all),
        optionally with every module's version (``DescribeDeviceFirmwares``, one call per device)."""
        at_least(params, (("offset", 0), ("limit", 1)))
        if params.get("limit") is not None and params["limit"] > PAGE_LIMIT:
            raise ValidationError(["limit must be at most %d, got %s" % (PAGE_LIMIT, params["limit"])])
        product_id, fw_type = params["product_id"], params.get("fw_type")
        version = params.get("firmware_version")
        page = {}
        if params.get("device_names"):
            devices, missing = [], []
            for name in params["device_names"]:
                try:
                    devices.append(neutral_device(product_id, self.api.describe_device(product_id, name)))
                except IoTError as exc:
                    if exc.code not in errors.DEVICE_NOT_FOUND:
                        raise
                    missing.append(name)
            if version:
                devices = [device for device in devices if device["firmware_version"] == version]
            page["missing"] = missing
        elif params.get("offset") is None and params.get("limit") is None:
            listing = {"product_ids": [product_id], "firmware_version": version, "fw_type": fw_type}
            devices = list(self.iter_devices(listing))
        else:
            offset, limit = params.get("offset") or 0, params.get("limit") or PAGE_LIMIT
            rows, total = self.api.device_list_page(product_id, version, fw_type, offset, limit)
            devices = [neutral_device(product_id, row) for row in rows]
            page.update(total=total, offset=offset, limit=limit)
        if params.get("include_firmwares"):
            devices = [self._with_firmwares(device) for device in devices]
        return devices, page
