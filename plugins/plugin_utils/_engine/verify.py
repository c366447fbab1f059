# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Verified outcomes: after a wave, the versions its devices report, read back from the platforms.

A device whose task says success but that still reports another version than the target counts as failed; the
report shows both (the task's word and the device's version). A device whose version the platform does not return
stays as its task says and is counted as ``unverified``: an absent version is no evidence either way.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.iotfleet.firmware.plugins.plugin_utils import _platforms as registry
from ansible_collections.iotfleet.firmware.plugins.plugin_utils import _rollout as rollout

from . import planner


def succeeded_devices(chunks, progress, failures):
    """``{scope: [device, ...]}``: the devices of finished tasks that their task reports as succeeded (the task's
    devices less those listed as failed, busy elsewhere or already current)."""
    failed = set((f.get("platform"), f.get("product_id") or "", f.get("device")) for f in failures)
    out = {}
    for chunk in chunks:
        read = progress.get(chunk.get("task_id")) if chunk.get("task_id") not in (None, "") else None
        if read is None or not read.done:
            continue
        scope = planner.scope_key(chunk)
        skip = set(chunk.get("busy") or {}) | set(chunk.get("up_to_date") or [])
        mine = [d for d in chunk["devices"] if d not in skip and (scope[0], scope[1], d) not in failed]
        if mine:
            out.setdefault(scope, []).extend(mine)
    return out


def mismatches(devices, versions, target, platform, product_id):
    """The devices whose reported version is not ``target`` (as failures) and the number without a version."""
    wrong, unknown = [], 0
    for device in devices:
        version = versions.get(device)
        if version in (None, ""):
            unknown += 1
        elif str(version) != str(target):
            entry = {"platform": platform, "device": device, "task_status": "success", "reported_version": version,
                     "detail": "the task reports success but the device reports version %s (target %s)"
                               % (version, target)}
            if product_id:
                entry["product_id"] = product_id
            wrong.append(entry)
    return wrong, unknown


def verify(chunks, progress, failures, provider_for, work_of, targets):
    """Read the versions of the devices that succeeded; ``{checked, mismatched: [...], unverified, notes}``."""
    out = {"checked": 0, "mismatched": [], "unverified": 0, "notes": []}
    first_chunk = dict((planner.scope_key(c), c) for c in reversed(chunks))
    for scope, devices in sorted(succeeded_devices(chunks, progress, failures).items()):
        platform, product_id = scope
        facts = registry.facts(platform)
        target = facts.target(targets, facts.version_key)
        if not target:
            out["notes"].append("%s: no target version given, %d devices not verified" % (facts.short, len(devices)))
            out["unverified"] += len(devices)
            continue
        provider = provider_for(platform, product_id or None)
        versions = provider.device_versions(devices, work_of.get(first_chunk[scope]["key"]))
        wrong, unknown = mismatches(devices, versions or {}, target, platform, product_id or None)
        out["checked"] += len(devices) - unknown
        out["unverified"] += unknown
        out["mismatched"] += wrong
    return out


def adjusted_summary(summary, mismatched):
    """The gate's summary with the mismatched devices moved from succeeded to failed."""
    moved = min(len(mismatched), int(summary.get("succeeded") or 0))
    return rollout.make_summary(summary["total"], int(summary["succeeded"]) - moved, int(summary["failed"]) + moved,
                                summary["in_progress"])
