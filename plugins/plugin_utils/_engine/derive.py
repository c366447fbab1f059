# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Derived rollouts: the retry of a wave's failed devices and the rollback of a rollout, from its journal.

A derived rollout has a rollout id of its own (``<id>.retry-<wave>``, ``<id>.rollback``) and so a journal, reports
and events of its own: it is planned, approved, gated, resumed after an interruption and read back from the
platforms like any rollout. This module only decides, from the parent rollout's journal, which devices it covers
(read from the journal by :mod:`.journal_devices`), in which stages and to which firmware, and makes the derived
run's arguments. Everything but :func:`load` is pure (the parent's journal and the run's arguments in, plain data
out); :func:`load` reads the journals and the inventory for the ``rollout_run`` action.

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
from ansible_collections.iotfleet.firmware.plugins.plugin_utils._engine import journal_devices, planning

RETRY = "retry"
ROLLBACK = "rollback"
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
        devices, info = journal_devices.retry_devices(parent, wave, parent_id)
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
        devices, info = journal_devices.rollback_devices(parent, retries)
        counts = platform_counts(devices)
        targets = rollback_targets(parent.get("targets"), args.get("rollback_targets"), counts, parent_id)
        stages = args.get("stages")
        left_out = journal_devices.left_out_text(info)
        lines = ["Rollback of rollout %s to %s: %d devices it upgraded (%s%s) run as rollout %s with the stages and "
                 "gates of staged_rollout_stages; devices already on the previous version are dropped by the plan "
                 "below." % (parent_id, targets_text(targets, counts), len(devices), registry.short_counts(counts),
                             ", %d of them by its retries %s" % (info["from_retries"], ", ".join(info["retries"]))
                             if info["from_retries"] else "", rollout_id)]
        if left_out:
            lines.append("NOTE: not rolled back, from the journal of rollout %s: %s." % (parent_id, left_out))
    return {"rollout_id": rollout_id, "mode": mode, "parent": parent_id, "wave": wave, "devices": devices,
            "stages": stages, "targets": targets, "parent_targets": dict(parent.get("targets") or {}), "info": info,
            "lines": lines, "foreign_tasks": journal_devices.recorded_tasks([parent] + list(retries or ())),
            "derived_from": {"rollout_id": parent_id, "mode": mode, "wave": wave}}


def _raw_uid(raw):
    """The uid of a device description as the plan will compute it, or ``None`` for one it will refuse."""
    if not isinstance(raw, dict):
        return None
    platform = rollout._text(raw.get("platform"))
    platform = platform.lower() if platform else None
    device = rollout._text(raw.get("id") or raw.get("device_id") or raw.get("name"))
    if platform not in registry.names() or not device:
        return None
    return rollout.device_uid(platform, device, rollout._text(raw.get("product_id")))


def plan_devices(derived, raws):
    """``(descriptions, missing)``: the derived devices as the plan takes them.

    Each device's description from the fleet (``raws``: the inventory's, ``staged_rollout_devices`` or the lines of
    ``staged_rollout_devices_file``) where it has
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
        raw = by_uid.get(rollout.device_uid(device["platform"], device["id"], device["product_id"]))
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
    out = dict(args, rollout_id=derived["rollout_id"], devices=devices, devices_file="", stages=derived["stages"],
               retry_wave=None, rollback=False, rollback_on_abort=False)
    out.update(derived["targets"])
    lines = list(derived["lines"])
    if missing:
        lines.append("NOTE: %d of these devices are not in %s; they are taken from the journal (no maintenance window "
                     "or inventory group of theirs applies)." % (
                         missing, source_name(args)))
    return out, lines


def source_name(args):
    """The fleet's source in a sentence: the device list, the devices file or the inventory pattern."""
    if args.get("devices"):
        return "staged_rollout_devices"
    if (args.get("devices_file") or "").strip():
        return "staged_rollout_devices_file %s" % args["devices_file"].strip()
    return "the inventory pattern %r" % args.get("hosts")


def retry_ids(state, state_dir_path):
    """``{rollout id: journal path}`` of the possible retries of each wave of ``state`` (``state_dir_path``: the
    journal path of a rollout id)."""
    out = {}
    for name in journal_devices.wave_names(state):
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
    given = args.get("devices") or (args.get("devices_file") or "").strip() or args.get("hosts")
    # without a source of the fleet's descriptions every device comes from the journal
    raws = planning.raw_devices(args, task_vars) if given else []
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
