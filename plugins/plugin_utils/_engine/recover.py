# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The rollout read back from the platforms: what a run needs when its journal (the state file) is missing.

A job that starts on an empty disk (an AWX pod without a persistent volume) knows the run's inputs and the
deterministic plan: the stable ranking of the selected devices by rollout id cut at the stage boundaries says
which devices belong to which wave. The platforms know which tasks exist for the target package / version and
which devices each covers (``Provider.history``: documented task targets and status, or device rows).

A task all of whose devices belong to one wave is that wave's task: the wave has *started* (it was approved
when it started) and is recorded as such, with one chunk per task and the task id, plus chunks for those of its
devices that no task covers and that are not on the target version yet (the rest of a wave whose job stopped
between two creates). The engine then resumes it like any started wave: the first progress read tells whether
it is still running, passed or aborted; nothing is created for a device a task already covers.

A task whose devices span waves (or devices outside the selection) is attributed to none; its devices that are
still in progress are found again by the create lookup (``busy``), never created twice.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.iotfleet.firmware.plugins.module_utils._errors import IoTError
from ansible_collections.iotfleet.firmware.plugins.module_utils._redact import Redactor
from ansible_collections.iotfleet.firmware.plugins.module_utils._provider import ValidationError
from ansible_collections.iotfleet.firmware.plugins.plugin_utils import _rollout as rollout

from . import planner


def wave_members(rollout_id, devices, stages):
    """``{wave name: [device, ...]}`` in rank order: the same cut as :func:`_rollout.plan_rollout` makes.

    ``stages``: normalized stages or the plan's waves (both carry ``name``, ``count`` and ``percent``)."""
    ranked = sorted(devices, key=lambda device: rollout.rank_key(rollout_id, device["uid"]))
    members = {}
    start = 0
    for stage, end in zip(stages, rollout.stage_boundaries(stages, len(ranked))):
        members[stage["name"]] = ranked[start:end]
        start = end
    return members


def covers_all(waves, fleet_size):
    """Whether the stages of ``waves`` (their count / percent) take every device of a fleet of ``fleet_size``."""
    ends = rollout.stage_boundaries(waves, fleet_size)
    return bool(ends) and ends[-1] == fleet_size


def first_ranked(rollout_id, devices):
    """The first device of each scope in rank order (what :func:`read_history` reads a scope's tasks with), without
    ranking the fleet: one pass, one device kept per scope."""
    first = {}
    for device in devices:
        scope = (device["platform"], device.get("product_id") or "")
        key = rollout.rank_key(rollout_id, device["uid"])
        if scope not in first or key < first[scope][0]:
            first[scope] = (key, device)
    return [device for dummy, device in first.values()]


def scopes_of(devices):
    """``{(platform, product_id or ""): [device id, ...]}``."""
    out = {}
    for device in devices:
        out.setdefault((device["platform"], device.get("product_id") or ""), []).append(device["id"])
    return out


def attribute(tasks, wave_of):
    """Pure: ``tasks`` = ``[(platform, product_id, TaskInfo)]``, ``wave_of`` = ``{uid: wave name}``.

    Returns ``({wave: [chunk, ...]}, [note, ...])``: a task whose devices all fall in one wave becomes a recorded
    chunk of that wave; the others are named in the notes.
    """
    chunks, notes = {}, []
    for platform, product_id, task in tasks:
        devices = sorted(task.devices or ())
        waves = set(wave_of.get(rollout.device_uid(platform, device, product_id or None)) for device in devices)
        if len(waves) != 1 or None in waves:
            notes.append("%s task %s covers devices of %s: not attributed to a wave of this rollout"
                         % (platform, task.task_id, "several waves" if len(waves - {None}) > 1 else
                            "no wave still to be read back"))
            continue
        wave = waves.pop()
        scope = "%s/%s" % (platform, product_id) if product_id else platform
        chunks.setdefault(wave, []).append({
            "key": "%s/%s/task-%s" % (wave, scope, task.task_id), "platform": platform,
            "product_id": product_id or None, "size": len(devices), "devices": devices, "task_id": task.task_id,
            "matched_by": "recovered:%s" % (task.matched_by or "history"), "recovered": True})
    return chunks, notes


def recovered_waves(plan_waves, members, attributed, targets, chunk_sizes, caps=None):
    """Pure: the ``wave_recovered`` records (``{name, index, gate, chunks, skipped}``) of the waves that have
    tasks on the platforms; ``plan_waves`` are the plan's waves (unrecorded ones only are considered)."""
    covered = set()
    for chunks in attributed.values():
        for chunk in chunks:
            covered.update(rollout.device_uid(chunk["platform"], d, chunk.get("product_id")) for d in chunk["devices"])
    records = []
    for wave in plan_waves:
        found = attributed.get(wave["name"])
        if wave.get("recorded") or not found:
            continue
        todo = [d for d in members[wave["name"]] if d["uid"] not in covered and not rollout.is_current(d, targets)]
        skipped = len([d for d in members[wave["name"]] if d["uid"] not in covered]) - len(todo)
        records.append({"name": wave["name"], "index": wave["index"], "gate": wave["gate"], "skipped": skipped,
                        "chunks": found + rollout.build_chunks(wave["name"], todo, chunk_sizes,
                                                               wave.get("ramp"), caps)})
    return records


class RecoveryError(Exception):
    pass


def read_history(devices, targets, providers):
    """``[(platform, product_id, TaskInfo)]`` of every scope of ``devices``: one ``history`` read per scope."""
    found = []
    for (platform, product_id), ids in sorted(scopes_of(devices).items()):
        provider = providers.get(platform, product_id or None)
        if provider is None:
            raise RecoveryError("the fleet has %s devices but no %s connection settings were given"
                                % (platform, platform))
        chunk = {"key": "history", "platform": platform, "product_id": product_id or None, "devices": ids[:1]}
        try:
            work = provider.validate(planner.chunk_params(chunk, targets, {}, "history", "history"))
            tasks = provider.history(work)
        except ValidationError as exc:
            raise RecoveryError("cannot read the %s tasks: %s" % (platform, exc))
        except IoTError as exc:
            raise RecoveryError(Redactor(providers.all_secrets()).redact(
                "reading the rollout back from the platform failed: %s" % planner.describe_error(platform, exc)))
        found += [(platform, product_id, task) for task in tasks]
    return found


class AnotherRunCreating(RecoveryError):
    """Tasks of a wave appeared while this run was reading it back: another run is creating them."""


def partly_created(records):
    """Waves read back with devices that no task covers yet: a run may have stopped - or be - between creates."""
    return [r["name"] for r in records if any(chunk.get("task_id") in (None, "") for chunk in r["chunks"])]


def recover(plan, devices, targets, providers, chunk_sizes, settle_seconds=0.0, sleep=None, new_providers=None,
            settle_rounds=4):
    """The records of the plan's unrecorded waves that already have tasks, and notes for the operator.

    Reads nothing when every wave is recorded in the journal (a rollout whose state file is kept).

    The in-flight check: when a wave read back is only partly created, the tasks are read again every
    ``settle_seconds`` (``new_providers()`` gives fresh providers for each read) until a read finds no new task; the
    records are made from that last read. A create of a run that stopped a moment ago may still land meanwhile. Tasks
    that keep appearing for ``settle_rounds`` reads mean another run (an AWX job on another pod, which shares no
    disk and so no lock with this one) is creating them right now: :class:`AnotherRunCreating`, before this run
    creates anything.
    """
    unrecorded = [wave for wave in plan["waves"] if not wave.get("recorded")]
    if not unrecorded:
        return [], [], 0
    # a derived rollout (a retry, a rollback) never reads back a task its parent's journal records as the parent's
    foreign = set(tuple(item) for item in plan.get("foreign_tasks") or ())
    if len(unrecorded) == len(plan["waves"]) and covers_all(plan["waves"], len(devices)):
        # nothing recorded yet (a new rollout, or a journal lost): the tasks are read first, and the fleet is ranked
        # into its waves only when there are some (a million devices ranked and mapped take 200 MB for a while)
        history = [t for t in read_history(first_ranked(plan["rollout_id"], devices), targets, providers)
                   if (t[0], str(t[2].task_id)) not in foreign]
        if not history:
            return [], [], 0
    else:
        history = None
    members = wave_members(plan["rollout_id"], devices, plan["waves"])  # a plan wave has its stage's count/percent
    pending = [device for wave in unrecorded for device in members[wave["name"]]]
    if not pending:
        return [], [], 0
    wave_of = dict((device["uid"], wave["name"]) for wave in unrecorded for device in members[wave["name"]])
    if history is None:
        history = [t for t in read_history(pending, targets, providers) if (t[0], str(t[2].task_id)) not in foreign]
    attributed, notes = attribute(history, wave_of)
    records = recovered_waves(unrecorded, members, attributed, targets, chunk_sizes, plan.get("caps"))
    waves = partly_created(records)
    if not (waves and settle_seconds > 0 and sleep is not None):
        return records, notes, len(history)
    appeared = []
    for dummy in range(settle_rounds):
        sleep(settle_seconds)
        again = [t for t in read_history(pending, targets, new_providers() if new_providers else providers)
                 if (t[0], str(t[2].task_id)) not in foreign]
        new = sorted(set(str(task.task_id) for dummy, dummy, task in again)
                     - set(str(task.task_id) for dummy, dummy, task in history))
        history = again
        if not new:
            attributed, notes = attribute(history, wave_of)
            records = recovered_waves(unrecorded, members, attributed, targets, chunk_sizes, plan.get("caps"))
            notes.append("Waves %s were partly created by an earlier run%s; no task appeared within %d s: this run "
                         "creates the rest." % (", ".join(waves), " (%d of its creates landed while this run "
                                                "waited)" % len(appeared) if appeared else "", int(settle_seconds)))
            return records, notes, len(history)
        appeared += new
    raise AnotherRunCreating(
        "another run is creating the tasks of wave %s right now: %d tasks appeared in %d reads %s s apart (%s). This "
        "run creates nothing; let that run finish, then run this rollout again (it reads the waves back)"
        % (", ".join(waves), len(appeared), settle_rounds, int(settle_seconds), ", ".join(appeared[:5])))
