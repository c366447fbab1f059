# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Plan-time refresh: the planned devices' current firmware versions, read from the platforms.

"Already on the target version" then means what the platform says, not what an inventory was told. Per scope
(per product where device ids are per product) the package / firmware is read once (it must exist, and its facts narrow the
device listing), then ``provider.device_versions`` chooses the cheaper of per-device reads and the paged
listing; every call is paced by the transport tier. Only reads: it runs in check mode too.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.iotfleet.firmware.plugins.module_utils._errors import IoTError
from ansible_collections.iotfleet.firmware.plugins.module_utils._redact import Redactor
from ansible_collections.iotfleet.firmware.plugins.plugin_utils import _platforms as registry
from ansible_collections.iotfleet.firmware.plugins.module_utils._provider import ValidationError
from ansible_collections.iotfleet.firmware.plugins.plugin_utils._rollout.common import parse_utc

from . import planner


class RefreshError(Exception):
    pass


def refresh_versions(devices, targets, providers):
    """Set ``device["version"]`` of every device from its platform; returns statistics per scope.

    ``providers``: :class:`connect.Providers`. Devices the platform does not know keep ``version = None``
    (they are planned, and their create reports the platform's answer).
    """
    by_scope = {}
    for device in devices:
        by_scope.setdefault((device["platform"], device.get("product_id") or ""), []).append(device)
    stats = []
    for (platform, product_id), members in sorted(by_scope.items()):
        provider = providers.get(platform, product_id or None)
        if provider is None:
            raise RefreshError("staged_rollout_refresh_versions needs the %s connection settings: set %s"
                               % (registry.facts(platform).short, registry.facts(platform).connection_hint))
        calls_before = len(provider.call_log or [])
        ids = [device["id"] for device in members]
        chunk = {"key": "refresh", "platform": platform, "product_id": product_id or None, "devices": ids[:1]}
        try:
            work = provider.validate(planner.chunk_params(chunk, targets, {}, "refresh", "refresh"))
        except ValidationError as exc:
            raise RefreshError("cannot read the %s versions: %s" % (platform, exc))
        provider.prepare(work)
        versions = provider.device_versions(ids, work)
        changed = missing = 0
        for device in members:
            version = versions.get(device["id"])
            if version is None:
                missing += 1
            if version != device.get("version"):
                changed += 1
            device["version"] = version
        stats.append({"platform": platform, "product_id": product_id or None, "devices": len(members),
                      "changed": changed, "missing": missing,
                      "api_calls": len(provider.call_log or []) - calls_before})
    return stats


def refresh_lines(stats):
    lines = []
    for entry in stats:
        if "fresh" in entry:
            lines.append(fresh_line(range(entry["fresh"]), entry["max_age"]))
            continue
        scope = entry["platform"] + (" product %s" % entry["product_id"] if entry["product_id"] else "")
        line = ("Versions of %d %s devices read from the platform (%d API calls): %d differ from the inventory"
                % (entry["devices"], scope, entry["api_calls"], entry["changed"]))
        if entry["missing"]:
            line += "; WARNING: %d devices report no version (unknown to the platform?)" % entry["missing"]
        lines.append(line + ".")
    return lines


def fresh_versions(devices, max_age, now):
    """``(devices whose version must be read, devices whose version an inventory source read less than
    ``max_age`` seconds ago)``: a fleet listed by the inventory plugin a moment ago is not listed again."""
    if not max_age:
        return list(devices), []
    stale, fresh = [], []
    for device in devices:
        read_at = device.get("version_read_at")
        age = None
        if read_at and device.get("version") is not None:
            try:
                age = now - parse_utc(str(read_at))
            except ValueError:
                age = None  # not our text: the version is read
        (fresh if age is not None and 0 <= age < max_age else stale).append(device)
    return stale, fresh


def fresh_line(fresh, max_age):
    return ("Versions of %d devices were read by the inventory source less than %d s ago "
            "(staged_rollout_version_max_age): not read again." % (len(fresh), max_age)) if fresh else None


def recorded_uids(state):
    """Devices the state already places in a wave: they are not planned again, so their versions are not read."""
    from ansible_collections.iotfleet.firmware.plugins.plugin_utils import _rollout as rollout

    uids = set()
    for wave in ((state or {}).get("waves") or {}).values():
        for chunk in wave.get("chunks") or []:
            uids.update(rollout.device_uid(chunk["platform"], device, chunk.get("product_id"))
                        for device in chunk["devices"])
    return uids


def plan_hook(args, devices, targets, state=None, factory=None):
    """The ``rollout_plan`` action's refresh step; ``[]`` when ``refresh_versions`` is off.

    Only devices that the plan may still put in a new wave are read (not those recorded in the state's waves: a
    finished rollout re-run reads nothing). Errors become :class:`RolloutError` (platform, code, request id and
    call named) before anything is planned.
    """
    from ansible_collections.iotfleet.firmware.plugins.plugin_utils import _rollout as rollout
    from . import connect

    if not args.get("refresh_versions"):
        return []
    # a rollout that may not continue (aborted, other targets) is refused before any platform call
    rollout.check_resume(args.get("rollout_id"), targets, state, bool(args.get("resume_aborted")))
    done = recorded_uids(state)
    devices = [device for device in devices if device["uid"] not in done]
    devices, fresh = fresh_versions(devices, int(args.get("version_max_age") or 0), time.time())
    stats = [{"fresh": len(fresh), "max_age": int(args.get("version_max_age") or 0)}] if fresh else []
    if not devices:
        return stats
    providers = connect.Providers(registry.per_platform(args, "connection"), factory=factory)
    try:
        return stats + read_versions(devices, targets, providers)
    finally:
        providers.close()


def read_versions(devices, targets, providers):
    """:func:`refresh_versions` with its errors as :class:`RolloutError` (platform, code, request id and call
    named, secrets redacted)."""
    from ansible_collections.iotfleet.firmware.plugins.plugin_utils import _rollout as rollout

    try:
        return refresh_versions(devices, targets, providers)
    except (RefreshError, ValidationError) as exc:
        raise rollout.RolloutError(str(exc))
    except IoTError as exc:
        platform = registry.platform_of_call(getattr(exc, "call", ""))
        raise rollout.RolloutError(Redactor(providers.all_secrets()).redact(
            "refreshing the device versions failed: %s" % planner.describe_error(platform, exc)))


class Prefetch:
    """The versions of the later waves' devices, read in a thread while the earlier waves run (their polls leave
    the API idle most of the time; every call is paced by the transport tier's shared limiter all the same)."""

    def __init__(self, devices, targets, new_providers):
        import threading

        self.devices = devices
        self.targets = targets
        self.new_providers = new_providers
        self.stats = None
        self.error = None
        self.thread = threading.Thread(target=self._read, name="rollout-prefetch", daemon=True)

    def start(self):
        self.thread.start()
        return self

    def _read(self):
        providers = self.new_providers()
        try:
            self.stats = read_versions(self.devices, self.targets, providers)
        except Exception as exc:  # kept for the run's thread: it raises it when it needs the versions
            self.error = exc
        finally:
            providers.close()

    def wait(self):
        """The statistics of the read; its error, if it failed, is raised here (in the run's thread)."""
        self.thread.join()
        if self.error is not None:
            raise self.error
        return self.stats
