# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Create -> lookup -> reconcile: exactly one create request, never a second one after a maybe-committed error.

After an error after which the task may exist (``maybe_committed``: the answer was lost, the platform may execute
the create late), the work is looked up with ``provider.find(work, exclude=<tasks seen before the create>)`` until
it is found or ``timeout`` seconds have passed; after a platform answer that the devices already are in a task
(``already_in_task``) the same, without excluding anything. Throttle answers never reach this loop: the transport's retry policy waits them
out (they are refused before execution).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from dataclasses import dataclass
from typing import Any, Callable, Dict, FrozenSet, Optional, Sequence

from ansible_collections.iotfleet.firmware.plugins.module_utils._errors import IoTError
from ansible_collections.iotfleet.firmware.plugins.module_utils._provider import Lookup, Provider, TaskInfo

FIRST_DELAY = 1.0  # seconds before the 2nd lookup; doubled after each lookup, at most MAX_DELAY
MAX_DELAY = 10.0


@dataclass
class Created:
    task: TaskInfo
    reconciled: bool  # found by a lookup after a lost answer / an "already in a task" answer
    changed: bool  # false only when the platform refused the create because another task already is this work
    warning: Optional[str] = None


def create_task(provider: Provider, work: Dict[str, Any], devices: Optional[Sequence[str]], seen: FrozenSet[Any],
                timeout: float, clock: Callable[[], float], sleep: Callable[[float], Any],
                read_back: bool = True) -> Created:
    """One create for ``devices``; on a lost answer, the lookup loop. Raises :class:`NotReconciled` when nothing is
    found. ``read_back=False`` returns a created task with its id alone (the rollout engine reads progress by
    pages later, a read per create would cost a call per chunk)."""
    try:
        task_id = provider.create(work, devices)
    except IoTError as exc:
        if not (exc.maybe_committed or exc.already_in_task):
            raise
        return _reconcile(provider, work, seen, exc, timeout, clock, sleep)
    # spec silent on how soon a new task can be read: an answered create whose task is not readable yet is
    # returned with its id alone (active), the progress read that follows names the call if it fails.
    task = provider.get(task_id) if read_back else None
    return Created(task=task or TaskInfo(task_id=task_id, active=True), reconciled=False, changed=True)


def await_task(provider: Provider, work: Dict[str, Any], exclude: FrozenSet[Any], deadline: float,
               clock: Callable[[], float], sleep: Callable[[float], Any], lookup: Optional[Lookup] = None) -> Lookup:
    """The lookup loop: ``provider.find(work, exclude=exclude)`` until a task that is this work appears
    (``same``) or ``clock()`` reaches ``deadline``; the waits start at 1 s and double up to 10 s. With
    ``lookup`` (one just made) the loop waits before its first lookup. Returns the last lookup."""
    delay = FIRST_DELAY
    while True:
        if lookup is None:
            lookup = provider.find(work, exclude=exclude)
        if lookup.same:
            return lookup
        left = deadline - clock()
        if left <= 0:
            return lookup
        sleep(min(delay, left))
        delay = min(delay * 2, MAX_DELAY)
        lookup = None


def _reconcile(provider: Provider, work: Dict[str, Any], seen: FrozenSet[Any], lost: IoTError, timeout: float,
               clock: Callable[[], float], sleep: Callable[[float], Any]) -> Created:
    call = lost.call or "the create request"
    # "already in a task": the task holding the devices may be one looked at before (its rows were not listed
    # yet); any task that is provably this work is it. A lost answer: only a task new since the create is.
    exclude = frozenset() if lost.already_in_task and not lost.maybe_committed else frozenset(seen or ())
    try:
        lookup = await_task(provider, work, exclude, clock() + timeout, clock, sleep)
    except IoTError as exc:
        raise _failure(lost, "%s: %s; looking the task up failed too (%s), so it is unknown whether the task "
                             "was created. Nothing more was sent; a re-run will find the task if it exists."
                       % (call, _what(lost), exc.message))
    if lookup.same:
        task = lookup.same[0]
        if lost.already_in_task and not lost.maybe_committed:
            return Created(task=task, reconciled=True, changed=False, warning=(
                "%s was refused: %s; task %s, which is this work, was found and is returned (no task was "
                "created by this run)." % (call, _what(lost), task.task_id)))
        return Created(task=task, reconciled=True, changed=True, warning=(
            "The answer to %s was lost (%s); the task it created, %s, was found by looking it up and is "
            "returned instead of creating another one." % (call, _what(lost), task.task_id)))
    if lost.already_in_task and not lost.maybe_committed:
        raise _failure(lost, "%s was refused: %s; no task that is provably this work was found within %s s. The "
                             "devices are in another active task: wait for it or stop it. Nothing more was sent."
                       % (call, _what(lost), _seconds(timeout)))
    raise _failure(lost, "%s may have been executed (%s); no task was found within %s s; it may still appear — a "
                         "re-run will reconcile it. Nothing more was sent." % (call, _what(lost), _seconds(timeout)))


def _what(exc: IoTError) -> str:
    """``code: message``, without the call the message may start with (the sentence names it already)."""
    message = exc.message
    if exc.call and message.startswith(exc.call + ": "):
        message = message[len(exc.call) + 2:]
    return "%s: %s" % (exc.code, message) if exc.code else message


def _seconds(value: float) -> str:
    return ("%.1f" % value).rstrip("0").rstrip(".")


class NotReconciled(IoTError):
    """A create that may have been committed (or was refused as already in a task) and whose task was not found;
    ``lost`` is the create's error. Nothing more was sent."""

    def __init__(self, message: str, lost: IoTError) -> None:
        super(NotReconciled, self).__init__(message, code=lost.code, http_status=lost.http_status,
                                            request_id=lost.request_id, call=lost.call)
        self.lost = lost


def _failure(lost: IoTError, message: str) -> IoTError:
    return NotReconciled(message, lost)
