# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What one platform scope of a wave still has to create, and creating it with the fewest calls.

A *scope* is what one provider call covers: the chunks of one platform, per product where device ids are unique
per product only (``RolloutFacts.product_scoped``).
Per scope: the package is read once (``prepare``), one lookup finds what already exists for every chunk that
has no recorded task (``Provider.find_many``: one listing they share), then each missing
chunk gets exactly one create. Its task id goes to the state file as soon as the create returns.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.iotfleet.firmware.plugins.plugin_utils import _platforms as registry
from ansible_collections.iotfleet.firmware.plugins.module_utils._module._reconcile import (
    NotReconciled, await_task, create_task)


def scope_key(chunk):
    return (chunk["platform"], chunk.get("product_id") or "")


def scopes(chunks):
    """``{(platform, product_id): [chunk, ...]}`` in the chunks' order."""
    out = {}
    for chunk in chunks:
        out.setdefault(scope_key(chunk), []).append(chunk)
    return out


def chunk_params(chunk, targets, options, rollout_id, wave_name):
    """The module parameters that describe one chunk's task (what the provider validates into ``work``): the
    platform package's ``RolloutFacts.chunk_params``."""
    return registry.facts(chunk["platform"]).chunk_params(chunk, targets, options or {}, rollout_id, wave_name)


def prepare_once(provider, works):
    """``prepare`` the first work (one package / firmware read) and give the others what it established."""
    first = works[0]
    before = dict(first)
    provider.prepare(first)
    learned = dict((k, v) for k, v in first.items() if k not in before or before[k] is not v)
    for work in works[1:]:
        work.update(learned)


def find_many(provider, works, known_versions=None):
    """One :class:`Lookup` per work from one shared listing (``Provider.find_many``)."""
    return list(provider.find_many(works, known_versions=known_versions))


class CreateError(Exception):
    """A create that failed; ``error`` is the platform error (IoTError) or None."""

    def __init__(self, message, error=None):
        super(CreateError, self).__init__(message)
        self.error = error


def describe_error(platform, exc, text=None):
    """``<label> <call>: <message> (error code X, HTTP n, request id R)`` from an IoTError-like exception;
    ``text`` instead of ``<label> <call>: <message>`` when it names the call already."""
    parts = []
    for attr, label in (("code", "error code %s"), ("http_status", "HTTP %s"), ("request_id", "request id %s")):
        value = getattr(exc, attr, None)
        if value not in (None, ""):
            parts.append(label % value)
    call = getattr(exc, "call", None)
    if text is None:
        label = registry.facts(platform).label if platform in registry.names() else platform
        text = "%s%s" % ("%s: " % call if call else "%s: " % label,
                         getattr(exc, "message", None) or str(exc))
    return text + (" (%s)" % ", ".join(parts) if parts else "")


def error_fields(platform, exc):
    return {"platform": platform, "code": getattr(exc, "code", None), "request_id": getattr(exc, "request_id", None),
            "call": getattr(exc, "call", None), "http_status": getattr(exc, "http_status", None)}


class ScopeCreator:
    """Creates the missing tasks of one scope.

    ``record({chunk_key: fields})`` persists at once (one atomic write per call). Before a create is sent, its chunk
    carries ``posting_at`` in the state (written together with the previous chunk's task id, so it costs no extra
    write): a run killed while a create was on its way leaves that mark, and the next run waits for the task to
    appear (up to ``reconcile_seconds`` after the mark) before it would post again.
    """

    def __init__(self, provider, record, reconcile_seconds=60.0, sleep=time.sleep, monotonic=time.monotonic,
                 clock=time.time, quota_poll_seconds=30.0, heartbeat=None, display=None):
        self.provider = provider
        self.record = record
        self.reconcile_seconds = reconcile_seconds
        self.sleep = sleep
        self.monotonic = monotonic
        self.clock = clock
        self.quota_poll_seconds = quota_poll_seconds
        self.heartbeat = heartbeat or (lambda: None)
        self.display = display or (lambda line: None)
        self.stats = {"created": 0, "adopted": 0, "reconciled": 0, "devices_created": 0, "busy": 0, "up_to_date": 0,
                      "quota_waits": 0}

    def run(self, chunks, works, known_versions=None):
        """Create what is missing for ``chunks`` (those without ``task_id``); ``works`` are their validated works."""
        missing = [(chunk, work) for chunk, work in zip(chunks, works) if chunk.get("task_id") in (None, "")
                   and not chunk.get("settled")]
        # also when nothing is missing: the package must still exist, and it sets the provider's scope
        # (e.g. a product + version) for the progress reads of tasks recorded by an earlier run
        prepare_once(self.provider, [work for dummy, work in missing] or list(works[:1]))
        if not missing:
            return
        # the scope's work lock from the lookup through the last create: a module run (or another rollout) of the
        # controller given some of these devices meanwhile waits, then finds the tasks
        with self.provider.work_lock(missing[0][1]):
            self._create_missing(missing, known_versions)

    def _create_missing(self, missing, known_versions):
        lookups = find_many(self.provider, [work for dummy, work in missing], known_versions)
        decisions = [self._decide(chunk, work, lookup) for (chunk, work), lookup in zip(missing, lookups)]
        posts = [d for d in decisions if d["devices"]]
        updates = dict((d["key"], d["fields"]) for d in decisions if not d["devices"])
        updates.update(self._mark(posts, 0))
        if updates:
            self.record(updates)
        for index, decision in enumerate(posts):
            task_id, how = self._create(decision["work"], decision["devices"], decision["lookup"])
            updates = {decision["key"]: dict(decision["fields"], task_id=task_id, created=len(decision["devices"]),
                                             matched_by=how, posting_at=None)}
            updates.update(self._mark(posts, index + 1))
            self.record(updates)
            self.stats["devices_created"] += len(decision["devices"])

    def _mark(self, posts, index):
        return {posts[index]["key"]: {"posting_at": round(self.clock(), 3)}} if index < len(posts) else {}

    def _decide(self, chunk, work, lookup):
        """What to do with one chunk: adopt a task, nothing (busy / current devices), or create for ``devices``."""
        if not lookup.same and chunk.get("posting_at"):
            lookup = self._await_lost(chunk, work, lookup)
        decision = {"key": chunk["key"], "work": work, "lookup": lookup, "devices": [], "fields": {}}
        if lookup.same:
            # the platform reports a task as a whole: a task that covers more than this chunk counts all its devices
            adopted = lookup.same[0]
            self.stats["adopted"] += 1
            decision["fields"] = {"task_id": adopted.task_id, "matched_by": adopted.matched_by or "lookup",
                                  "created": len(adopted.devices) if adopted.devices else len(chunk["devices"]),
                                  "posting_at": None}
            return decision
        busy = dict(lookup.busy or {})
        up_to_date = list(lookup.up_to_date or [])
        remaining = lookup.remaining if lookup.remaining is not None else chunk["devices"]
        self.stats["busy"] += len(busy)
        self.stats["up_to_date"] += len(up_to_date)
        fields = {}
        if busy:
            fields["busy"] = dict((str(k), v) for k, v in busy.items())
        if up_to_date:
            fields["up_to_date"] = sorted(up_to_date)
        decision["fields"] = fields
        decision["devices"] = [device for device in remaining if device not in busy and device not in up_to_date]
        if not decision["devices"]:
            fields.update(task_id=None, created=0, settled=True, posting_at=None)
        return decision

    def _await_lost(self, chunk, work, lookup):
        """A create was on its way when an earlier run stopped: look for its task until ``reconcile_seconds``
        after it was sent; only then is the chunk created (the platform has not committed it)."""
        deadline = float(chunk["posting_at"]) + self.reconcile_seconds
        found = await_task(self.provider, work, frozenset(), deadline, self.clock, self.sleep, lookup=lookup)
        if found.same:
            self.stats["reconciled"] += 1
        return found

    def wait_for_quota(self, work):
        """A platform with a documented quota of unfinished tasks per account (``RolloutFacts.max_active_tasks``):
        before a create, a full quota is waited out (one listing every ``quota_poll_seconds``), never an error."""
        quota = registry.facts(self.provider.capabilities.platform).max_active_tasks
        while quota:
            active = self.provider.active_tasks(work)
            if active is None or active < quota:
                return
            self.stats["quota_waits"] += 1
            self.display("    [rollout] %s: %d unfinished tasks, the account's quota is %d: waiting %d s before the "
                         "next create" % (self.provider.capabilities.label, active, quota, self.quota_poll_seconds))
            self.heartbeat()
            self.sleep(self.quota_poll_seconds)

    def _create(self, work, devices, lookup):
        """One create, reconciled by lookup after a lost answer (the generic module body's loop, never a second
        post); the task id alone, the progress is read by pages later."""
        self.wait_for_quota(work)
        try:
            created = create_task(self.provider, work, devices, frozenset(lookup.seen or ()), self.reconcile_seconds,
                                  self.monotonic, self.sleep, read_back=False)
        except NotReconciled as exc:
            raise CreateError(exc.message, exc.lost)
        if created.reconciled:
            self.stats["reconciled"] += 1
            return created.task.task_id, "reconciled"
        self.stats["created"] += 1
        return created.task.task_id, "created"
