# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Derived rollouts: the retry of a wave's failed devices and the rollback of a rollout, from its journal.

A derived rollout has a rollout id of its own (``<id>.retry-<wave>``, ``<id>.rollback``) and so a journal, reports
and events of its own: it is planned, approved, gated, resumed after an interruption and read back from the
platforms like any rollout. This module only decides, from the parent rollout's journal, which devices it covers,
in which stages and to which firmware. Everything but :func:`load` is pure (the parent's journal and the run's
arguments in, plain data out); :func:`load` reads the journals and the inventory for the ``rollout_run`` action.

* **Retry** (``retry_wave``): the devices listed as failed in that wave (de-duplicated, only devices of the wave),
  one stage ``retry-<wave>`` of 100 % with the wave's own gate, the rollout's own targets. The plan's version
  refresh then drops the devices that reached the target version meanwhile.
* **Rollback** (``rollback``, ``rollback_targets``): the devices the rollout upgraded according to its journal (and
  the journals of its retries), the rollout's stages and gates, the previous firmware.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.iotfleet.firmware.plugins.plugin_utils import _platforms as registry
from ansible_collections.iotfleet.firmware.plugins.plugin_utils import _rollout as rollout
from ansible_collections.iotfleet.firmware.plugins.plugin_utils import rollout_files
from ansible_collections.iotfleet.firmware.plugins.plugin_utils._engine import planning

RETRY = "retry"
ROLLBACK = "rollback"
ENDED = (rollout.WAVE_PASSED, rollout.WAVE_ABORTED)
ROLE_PREFIX = "staged_rollout_"
RETRY_DEPTH = 5  # retries of retries whose journals a rollback reads


def mode_of(args):
    """``"retry"``, ``"rollback"`` or ``None`` (a rollout of its own) from the run's arguments."""
    wave = rollout._text(args.get("retry_wave"))
    if wave and args.get("rollback"):
        raise rollout.RolloutError("staged_rollout_retry_wave and staged_rollout_rollback exclude each other: run the "
                                   "retry and the rollback one after the other")
    if wave:
        return RETRY
    return ROLLBACK if args.get("rollback") else None


def derived_id(parent_id, mode, wave=None):
    """The rollout id of the retry of ``wave`` (``<id>.retry-<wave>``) or of the rollback (``<id>.rollback``)."""
    candidate = "%s.%s" % (parent_id, "retry-%s" % wave if mode == RETRY else "rollback")
    if not rollout.ROLLOUT_ID_RE.match(candidate):
        what = "the retry of wave %r" % wave if mode == RETRY else "the rollback"
        raise rollout.RolloutError(
            "%s of rollout %s would run as rollout %r, which breaks the rollout id rule (it must start with a letter "
            "or digit and contain only letters, digits, '.', '_' and '-', at most 128 characters): use a shorter "
            "staged_rollout_id%s" % (what, parent_id, candidate, " or wave name" if mode == RETRY else ""))
    return candidate


def _uid(platform, device, product_id=None):
    return rollout.device_uid(platform, device, product_id)


def _entry(platform, device, product_id=None):
    return {"platform": platform, "id": device, "product_id": product_id or None}


def _wave_names(state):
    """The waves of a journal in the order they started."""
    waves = state.get("waves") or {}
    order = [name for name in state.get("order") or [] if name in waves]
    return order + sorted((n for n in waves if n not in order), key=lambda n: (waves[n].get("index") or 0, n))


def _has_task(chunk):
    return chunk.get("task_id") not in (None, "")


def _failed_uids(record):
    """The uids of the devices a wave record lists as failed (product from the failure, else from its task's chunk)."""
    products = dict(((c.get("platform"), str(c.get("task_id"))), c.get("product_id"))
                    for c in record.get("chunks") or [] if _has_task(c))
    out = []
    for failure in record.get("failures") or []:
        platform, device = failure.get("platform"), rollout._text(failure.get("device"))
        if platform not in registry.names() or not device:
            out.append(None)
            continue
        product = failure.get("product_id") or products.get((platform, str(failure.get("task_id"))))
        out.append(_uid(platform, device, product))
    return out


def retry_devices(state, wave, rollout_id=None):
    """``(devices, info)``: the devices listed as failed in ``wave`` of the journal ``state``, once each.

    A failure entry naming no device of the wave (a platform listing rows of other tasks) is left out and counted
    (``info["outside"]``). Refused: a wave the journal does not have, a wave still started (``"wave X is still
    running"``), a wave without failed devices (``"nothing to retry"``).
    """
    rollout_id = rollout_id or state.get("rollout_id")
    waves = state.get("waves") or {}
    record = waves.get(wave)
    if record is None:
        raise rollout.RolloutError("nothing to retry: rollout %s has no wave %r in its journal (waves: %s)"
                                   % (rollout_id, wave, ", ".join(_wave_names(state)) or "none"))
    if record.get("status") not in ENDED:
        raise rollout.RolloutError(
            "wave %s is still running (rollout %s, wave status %s): run rollout %s until the wave has ended, then "
            "retry its failed devices" % (wave, rollout_id, record.get("status"), rollout_id))
    members = {}
    for chunk in record.get("chunks") or []:
        for device in chunk.get("devices") or []:
            members.setdefault(_uid(chunk["platform"], device, chunk.get("product_id")),
                               _entry(chunk["platform"], device, chunk.get("product_id")))
    failures = _failed_uids(record)
    devices, seen, outside = [], set(), 0
    for uid in failures:
        if uid is None or uid not in members:
            outside += 1
        elif uid not in seen:
            seen.add(uid)
            devices.append(members[uid])
    info = {"wave_devices": len(members), "failure_entries": len(failures), "outside": outside,
            "duplicates": len(failures) - outside - len(devices), "wave_status": record.get("status")}
    if not devices:
        raise rollout.RolloutError("nothing to retry: wave %s of rollout %s (%s) has no failed device%s"
                                   % (wave, rollout_id, record.get("status"),
                                      " (%d failure entries name no device of the wave)" % outside if outside else ""))
    return devices, info


def stage_gate(stages, wave, gate_defaults=None):
    """The gate of stage ``wave`` in ``stages`` (any form ``staged_rollout_stages`` takes), else ``gate_defaults``."""
    try:
        for stage in rollout.normalize_stages(stages, gate_defaults):
            if stage["name"] == wave:
                return stage["gate"]
    except rollout.RolloutError:
        pass
    return rollout.normalize_gate(gate_defaults, "gate defaults")


def retry_stage(state, wave, fallback_gate=None):
    """The one stage of a retry: ``retry-<wave>``, 100 %, with the gate the journal recorded for the wave (or
    ``fallback_gate`` for a wave recorded without one)."""
    gate = ((state.get("waves") or {}).get(wave) or {}).get("gate") or fallback_gate or {}
    stage = dict((key, gate[key]) for key in rollout.GATE_KEYS if gate.get(key) is not None)
    stage.update(name="retry-%s" % wave, percent=100)
    return stage


def upgraded_devices(state):
    """``(devices, info)``: the devices the journal ``state`` says its rollout upgraded.

    The devices of the chunks of passed and aborted waves that have a task, less those the chunk lists as busy (in
    another task) or up to date (never in this task), less those of tasks still in flight when their wave ended
    (their outcome is not recorded), less those listed as failed. ``info`` counts each left-out device once, under
    the first of these reasons, and names the waves still started (not considered).
    """
    failed = set()
    flying = set()
    for record in (state.get("waves") or {}).values():
        failed.update(uid for uid in _failed_uids(record) if uid)
        flying.update((entry.get("platform"), str(entry.get("task_id"))) for entry in record.get("in_flight") or [])
    counts = {"in_waves": 0, "no_task": 0, "busy": 0, "up_to_date": 0, "in_flight": 0, "failed": 0}
    devices, seen = [], set()
    started = []
    for name in _wave_names(state):
        record = state["waves"][name]
        if record.get("status") not in ENDED:
            started.append(name)
            continue
        for chunk in record.get("chunks") or []:
            platform, product = chunk["platform"], chunk.get("product_id")
            busy = set(chunk.get("busy") or {})
            current = set(chunk.get("up_to_date") or [])
            for device in chunk.get("devices") or []:
                uid = _uid(platform, device, product)
                if uid in seen:
                    continue
                seen.add(uid)
                counts["in_waves"] += 1
                if not _has_task(chunk):
                    counts["no_task"] += 1
                elif device in busy:
                    counts["busy"] += 1
                elif device in current:
                    counts["up_to_date"] += 1
                elif (platform, str(chunk["task_id"])) in flying:
                    counts["in_flight"] += 1
                elif uid in failed:
                    counts["failed"] += 1
                else:
                    devices.append(_entry(platform, device, product))
    return devices, dict(counts, started_waves=started)


def rollback_devices(state, retries=()):
    """``(devices, info)``: :func:`upgraded_devices` of the rollout, plus those its retries (the journals of
    ``<id>.retry-<wave>``, ``retries``) upgraded. Refused when there is none (``"nothing to roll back"``)."""
    devices, info = upgraded_devices(state)
    seen = set(_uid(d["platform"], d["id"], d["product_id"]) for d in devices)
    added = 0
    for retry in retries or ():
        for device in upgraded_devices(retry)[0]:
            uid = _uid(device["platform"], device["id"], device["product_id"])
            if uid not in seen:
                seen.add(uid)
                devices.append(device)
                added += 1
    info = dict(info, from_retries=added, retries=[r.get("rollout_id") for r in retries or ()])
    if not devices:
        raise rollout.RolloutError("nothing to roll back: rollout %s upgraded no device according to its journal (%s)"
                                   % (state.get("rollout_id"), left_out_text(info) or "it has no ended wave"))
    return devices, info


def left_out_text(info):
    """Why devices of the journal are not in the rollback, as a phrase (``""`` when none is left out)."""
    parts = []
    for key, text in (("failed", "listed as failed"), ("in_flight", "in tasks still in flight when their wave ended"),
                      ("busy", "busy in another task"), ("up_to_date", "already on the target version"),
                      ("no_task", "in chunks without a task")):
        if info.get(key):
            parts.append("%d %s" % (info[key], text))
    if info.get("started_waves"):
        parts.append("waves still started, not considered: %s" % ", ".join(info["started_waves"]))
    return "; ".join(parts)


def platform_counts(devices):
    return registry.counts(d["platform"] for d in devices)


def rollback_targets(parent_targets, given, counts, rollout_id):
    """The flat targets (``<platform>_<target>``) of the rollback from ``staged_rollout_rollback_targets``.

    Keys as the rollout's targets without the ``staged_rollout_`` prefix (with it is accepted too). Targets that
    name neither the package nor the version (a firmware type, a task type) default to the rollout's.
    Refused: unknown keys; a required target missing for a platform the devices use (``counts``: ``{platform:
    devices}``); every required target of a platform equal to the rollout's own (that is no rollback).
    """
    if given is None:
        given = {}
    if not isinstance(given, dict):
        raise rollout.RolloutError("staged_rollout_rollback_targets must be a dictionary of the previous version's "
                                   "targets (keys: %s)" % ", ".join(registry.target_args()))
    allowed = registry.target_args()
    targets = dict((key, None) for key in allowed)
    unknown = []
    for key, value in given.items():
        name = key[len(ROLE_PREFIX):] if str(key).startswith(ROLE_PREFIX) else key
        if name not in allowed:
            unknown.append(str(key))
        else:
            targets[name] = rollout._text(value)
    if unknown:
        raise rollout.RolloutError("staged_rollout_rollback_targets: unknown keys %s (allowed: %s)"
                                   % (", ".join(sorted(unknown)), ", ".join(allowed)))
    parent_targets = parent_targets or {}
    errors = []
    for name in registry.names():
        found = registry.facts(name)
        for key in found.target_keys:
            flat = "%s_%s" % (name, key)
            if targets[flat] is None and key not in found.required_targets and key != found.version_key:
                targets[flat] = rollout._text(parent_targets.get(flat))
        if not counts.get(name):
            continue
        required = ["%s_%s" % (name, key) for key in found.required_targets]
        missing = [flat for flat in required if not targets[flat]]
        for flat in missing:
            errors.append("staged_rollout_rollback_targets.%s is required: the rollback of rollout %s has %d %s "
                          "devices" % (flat, rollout_id, counts[name], found.short))
        if not missing and all(targets[flat] == rollout._text(parent_targets.get(flat)) for flat in required):
            errors.append("staged_rollout_rollback_targets: %s is what rollout %s installed, not the previous version"
                          % (", ".join("%s=%s" % (flat, targets[flat]) for flat in required), rollout_id))
    if errors:
        raise rollout.RolloutError("; ".join(errors))
    return targets


def retry_targets(parent_targets, args, rollout_id):
    """A retry installs the rollout's own targets (from its journal); a run that names other ones is refused."""
    parent_targets = parent_targets or {}
    targets = dict((key, parent_targets.get(key)) for key in registry.target_args())
    conflicts = []
    for key in registry.target_args():
        given, recorded = rollout._text(args.get(key)), rollout._text(parent_targets.get(key))
        if given and recorded and given != recorded:
            conflicts.append("staged_rollout_%s is %s here, %s in rollout %s" % (key, given, recorded, rollout_id))
    if conflicts:
        raise rollout.RolloutError("a retry installs the firmware of the rollout it retries: %s (leave the targets as "
                                   "they were, or start a new staged_rollout_id)" % "; ".join(conflicts))
    return targets


def targets_text(targets, counts):
    """``"<Short> <key>=<value>, ...; <Short> ..."`` (``RolloutFacts.short``, the platforms' targets) for the
    platforms with devices."""
    parts = []
    for name in registry.names():
        if not counts.get(name):
            continue
        found = registry.facts(name)
        given = ["%s=%s" % (key, found.target(targets, key)) for key in found.target_keys if found.target(targets, key)]
        parts.append("%s %s" % (found.short, ", ".join(given) or "-"))
    return "; ".join(parts)


def _gate_text(gate):
    return "success >= %s %%, error > %s %% of >= %s finished, timeout %s s%s" % (
        rollout._fmt(gate.get("success_percent")), rollout._fmt(gate.get("error_percent")), gate.get("min_finished"),
        gate.get("timeout"), ", approval first" if gate.get("approval") else "")


def derive(args, parent, parent_path, retries=(), gate_defaults=None):
    """The derived rollout of a run, or ``None`` for a rollout of its own.

    ``parent``: the journal of ``args["rollout_id"]`` (``None`` when there is none, read from ``parent_path``);
    ``retries``: the journals of its retries (a rollback reverts what they upgraded too); ``gate_defaults``: the run's
    default gate, for a retried wave the journal recorded without a gate (then its stage in ``args["stages"]``
    gives the gate). Returns ``{rollout_id, mode, parent, wave, devices: [{platform, id, product_id}], stages,
    targets, parent_targets, info, lines, derived_from}``; raises
    :class:`RolloutError` (nothing to do, a wave still running, missing rollback targets...) before any call.
    """
    mode = mode_of(args)
    if mode is None:
        return None
    parent_id = rollout.validate_rollout_id(args["rollout_id"])
    wave = rollout._text(args.get("retry_wave")) if mode == RETRY else None
    rollout_id = derived_id(parent_id, mode, wave)
    if parent is None:
        raise rollout.RolloutError("nothing to %s: no state file for rollout %s at %s" % (
            "retry" if mode == RETRY else "roll back", parent_id, parent_path))
    if parent.get("rollout_id") not in (None, parent_id):
        raise rollout.RolloutError("the state file %s belongs to rollout %r, not %r"
                                   % (parent_path, parent.get("rollout_id"), parent_id))
    if mode == RETRY:
        devices, info = retry_devices(parent, wave, parent_id)
        targets = retry_targets(parent.get("targets"), args, parent_id)
        stage = retry_stage(parent, wave, stage_gate(args.get("stages"), wave, gate_defaults))
        stages = [stage]
        extra = []
        if info["duplicates"]:
            extra.append("%d listed more than once" % info["duplicates"])
        if info["outside"]:
            extra.append("%d failure entries naming no device of the wave left out" % info["outside"])
        lines = ["Retry of wave %s of rollout %s: %d devices that failed in it (%s; wave %s, %d devices%s) run as "
                 "rollout %s, one stage %s (100 %%) with the wave's gate (%s); devices already on the target "
                 "version are dropped by the plan below." % (
                     wave, parent_id, len(devices), registry.short_counts(platform_counts(devices)),
                     info["wave_status"], info["wave_devices"], "; " + "; ".join(extra) if extra else "", rollout_id,
                     stage["name"], _gate_text(stage))]
    else:
        devices, info = rollback_devices(parent, retries)
        counts = platform_counts(devices)
        targets = rollback_targets(parent.get("targets"), args.get("rollback_targets"), counts, parent_id)
        stages = args.get("stages")
        left_out = left_out_text(info)
        lines = ["Rollback of rollout %s to %s: %d devices it upgraded (%s%s) run as rollout %s with the stages and "
                 "gates of staged_rollout_stages; devices already on the previous version are dropped by the plan "
                 "below." % (parent_id, targets_text(targets, counts), len(devices), registry.short_counts(counts),
                             ", %d of them by its retries %s" % (info["from_retries"], ", ".join(info["retries"]))
                             if info["from_retries"] else "", rollout_id)]
        if left_out:
            lines.append("NOTE: not rolled back, from the journal of rollout %s: %s." % (parent_id, left_out))
    return {"rollout_id": rollout_id, "mode": mode, "parent": parent_id, "wave": wave, "devices": devices,
            "stages": stages, "targets": targets, "parent_targets": dict(parent.get("targets") or {}), "info": info,
            "lines": lines, "foreign_tasks": recorded_tasks([parent] + list(retries or ())),
            "derived_from": {"rollout_id": parent_id, "mode": mode, "wave": wave}}


def recorded_tasks(states):
    """``[[platform, task id as text], ...]``: the tasks the journals ``states`` record (their chunks' task ids)."""
    found = set()
    for state in states:
        for record in (state.get("waves") or {}).values():
            for chunk in record.get("chunks") or []:
                if _has_task(chunk):
                    found.add((chunk["platform"], str(chunk["task_id"])))
    return [list(item) for item in sorted(found)]


def _raw_uid(raw):
    """The uid of a device description as the plan will compute it, or ``None`` for one it will refuse."""
    if not isinstance(raw, dict):
        return None
    platform = rollout._text(raw.get("platform"))
    platform = platform.lower() if platform else None
    device = rollout._text(raw.get("id") or raw.get("device_id") or raw.get("name"))
    if platform not in registry.names() or not device:
        return None
    return _uid(platform, device, rollout._text(raw.get("product_id")))


def plan_devices(derived, raws):
    """``(descriptions, missing)``: the derived devices as the plan takes them.

    Each device's description from the fleet (``raws``: the inventory's or ``staged_rollout_devices``) where it has
    one, so its maintenance window, timezone and inventory host (pace caps per group) apply; else from the journal
    (``missing`` counts those). A rollback's device carries the version the rollout installed (what the journal
    says it upgraded to), not the inventory's, which still names the version before the rollout.
    """
    by_uid = {}
    for raw in raws or ():
        uid = _raw_uid(raw)
        if uid is not None:
            by_uid.setdefault(uid, raw)
    parent_targets = derived.get("parent_targets") or {}
    out, missing = [], 0
    for device in derived["devices"]:
        raw = by_uid.get(_uid(device["platform"], device["id"], device["product_id"]))
        if raw is None:
            missing += 1
            item = dict(device, version=None)
        else:
            item = dict(raw)
        if derived["mode"] == ROLLBACK:
            found = registry.facts(device["platform"])
            item["version"] = rollout._text(parent_targets.get("%s_%s" % (device["platform"], found.version_key)))
        out.append(item)
    return out, missing


def run_args(args, derived, raws):
    """``(args, lines)``: the arguments of the derived run (its id, devices, stages, targets, no derivation)."""
    devices, missing = plan_devices(derived, raws)
    out = dict(args, rollout_id=derived["rollout_id"], devices=devices, stages=derived["stages"], retry_wave=None,
               rollback=False, rollback_on_abort=False)
    out.update(derived["targets"])
    lines = list(derived["lines"])
    if missing:
        lines.append("NOTE: %d of these devices are not in %s; they are taken from the journal (no maintenance window "
                     "or inventory group of theirs applies)." % (
                         missing, "staged_rollout_devices" if args.get("devices") else
                         "the inventory pattern %r" % args.get("hosts")))
    return out, lines


def retry_ids(state, state_dir_path):
    """``{rollout id: journal path}`` of the possible retries of each wave of ``state`` (``state_dir_path``: the
    journal path of a rollout id)."""
    out = {}
    for name in _wave_names(state):
        try:
            rollout_id = derived_id(state["rollout_id"], RETRY, name)
        except rollout.RolloutError:
            continue
        out[rollout_id] = state_dir_path(rollout_id)
    return out


def load(args, task_vars):
    """For the ``rollout_run`` action: ``(args, derived, lines)``; the arguments unchanged and ``None`` for a rollout
    of its own. Reads the parent's journal, the journals of its retries (rollback) and the fleet's device
    descriptions (the inventory, as the parent's run does); makes no platform call."""
    if mode_of(args) is None:
        return args, None, []
    parent_id = rollout.validate_rollout_id(args["rollout_id"])

    def path_of(rollout_id):
        return rollout_files.state_path(args["state_dir"], rollout_id)

    parent = rollout_files.read_state(path_of(parent_id))
    retries = []
    if args.get("rollback") and parent:
        pending, depth = [parent], 0
        while pending and depth < RETRY_DEPTH:
            found = []
            for state in pending:
                for rollout_id, path in sorted(retry_ids(state, path_of).items()):
                    journal = rollout_files.read_state(path)
                    if journal and journal.get("rollout_id") == rollout_id:
                        found.append(journal)
            retries += found
            pending, depth = found, depth + 1
    derived = derive(args, parent, path_of(parent_id), retries, gate_defaults=planning.gate_defaults(args))
    if args.get("devices"):
        raws = args["devices"]
    elif args.get("hosts"):
        raws = planning.devices_from_inventory(args["hosts"], task_vars, args.get("inventory_vars"))
    else:
        raws = []
    out, lines = run_args(args, derived, raws)
    return out, derived, lines


def after_plan(args, made, derived):
    """With the plan made: the plan of a derived run knows the parent's tasks (``plan["foreign_tasks"]``: the
    read-back from the platforms never takes one of them for the derived rollout's, e.g. a task of the parent's whose
    devices all failed and are all retried); a rollout of its own checks ``rollback_on_abort``. Returns the plan's
    lines about it."""
    if derived is not None:
        made["plan"]["foreign_tasks"] = derived["foreign_tasks"]
        return []
    return check_rollback_on_abort(args, made)


def check_rollback_on_abort(args, made):
    """``rollback_on_abort`` of a rollout of its own: the rollback would have its targets for every platform of the
    fleet and a valid id; checked with the plan, before any task is created. Returns the plan's line about it."""
    if not args.get("rollback_on_abort") or mode_of(args) is not None:
        return []
    rollout_id = derived_id(rollout.validate_rollout_id(args["rollout_id"]), ROLLBACK)
    counts = platform_counts(made["devices"])
    try:
        targets = rollback_targets(made["targets"], args.get("rollback_targets"), counts, args["rollout_id"])
    except rollout.RolloutError as exc:
        raise rollout.RolloutError("staged_rollout_rollback_on_abort needs the previous version of every platform of "
                                   "the fleet: %s" % exc)
    return ["If the rollout aborts, the devices it upgraded are rolled back to %s as rollout %s "
            "(staged_rollout_rollback_on_abort)." % (targets_text(targets, counts), rollout_id)]
