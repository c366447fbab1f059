"""One scripted fake :class:`Provider` for every test, and the builders of its answers.

A :class:`ScriptedProvider` is given the exact contract calls it must receive, in order, each with its answer; the
first call that is not the next one expected raises :class:`Unexpected` (an ``AssertionError``: the engine hands an
error of its prefetch thread to the run like any other), and :meth:`ScriptedProvider.assert_done` fails when calls
are left or when an unexpected call was made (even if the code under test caught the error).

A script entry is ``(method, args, answer)`` (or :func:`Step`, the same with keywords): ``args`` the call's
arguments as the fake records them (below), ``None`` for any, an argument ``ANY`` for any value of that argument
(lists and tuples compare alike); ``answer`` a value, an exception instance (raised), or a callable given the
provider (for side effects, e.g. a token obtained at run time).

Recorded arguments: ``validate`` ``()`` (pure unless ``scripted_validate``), ``prepare`` ``(devices,)``, ``find``
``(devices, sorted exclude)``, ``history`` ``(devices,)``, ``active_tasks`` ``()``, ``create`` ``(devices,)``,
``get`` ``(task_id,)``, ``progress`` ``(sorted task ids, with_failures)``, ``cancel`` ``(task_id,)``,
``device_versions`` ``(devices,)``, ``info_tasks`` ``()``, ``iter_devices`` ``(filters,)`` (its answer: the devices,
an exception among them is raised at that point; given ``devices``, the fake answers every listing with them
itself, and records it). Devices are tuples (``None``: group or version targeting). The views (``desired_view``,
``task_view``, ``create_request``), ``work_devices``, ``work_lock`` and the bookkeeping are answered by the fake
itself.
"""
import contextlib

from ansible_collections.iotfleet.firmware.plugins.module_utils._errors import IoTError
from ansible_collections.iotfleet.firmware.plugins.module_utils._provider import (
    Capabilities, Lookup, Progress, Provider, TaskInfo, summarize)

from kit.calls import ANY

CAPABILITIES = {
    "huawei": Capabilities(platform="huawei", label="Huawei IoT", task_id_key="operation_id", max_devices_per_task=256,
                           can_cancel=False, calls_per_window=100, window_seconds=60.0, task_page_size=100,
                           progress_page_size=100),
    "tencent": Capabilities(platform="tencent", label="Tencent Cloud IoT Explorer", task_id_key="task_id",
                            max_devices_per_task=500, can_cancel=True, calls_per_window=20, window_seconds=1.0,
                            task_page_size=100, progress_page_size=100),
    "huawei_iotda": Capabilities(platform="huawei_iotda", label="Huawei IoTDA", task_id_key="task_id",
                                 max_devices_per_task=30000, can_cancel=True, calls_per_window=20, window_seconds=1.0,
                                 task_page_size=50, progress_page_size=50),
    "fake": Capabilities(platform="fake", label="Fake IoT", task_id_key="task_id", max_devices_per_task=256,
                         can_cancel=True, calls_per_window=10, window_seconds=1.0, task_page_size=100,
                         progress_page_size=100),
    "fake_no_cancel": Capabilities(platform="fake", label="Fake IoT", task_id_key="operation_id",
                                   max_devices_per_task=256, can_cancel=False, calls_per_window=10, window_seconds=1.0,
                                   task_page_size=100, progress_page_size=100,
                                   cancel_hint="the Fake IoT API has no call to stop a task"),
}

SECRET = "s3cret-token"  # the secret a ScriptedProvider holds unless given its own


class Unexpected(AssertionError):
    """A call the script did not expect."""


def Step(method, args=None, returns=None, raises=None):
    """A script entry with keywords: ``raises`` an exception instance, else ``returns``."""
    return (method, args, raises if raises is not None else returns)


def _same(got, want):
    if want is ANY:
        return True
    if isinstance(want, (list, tuple)) and isinstance(got, (list, tuple)):
        return len(got) == len(want) and all(_same(item, other) for item, other in zip(got, want))
    return got == want


def _order(value):
    return (type(value).__name__, value)  # task ids of one type sort naturally (9 before 10)


def _devices(devices):
    return None if devices is None else tuple(devices)


class ScriptedProvider(Provider):
    """``ScriptedProvider(capabilities, script)``: ``capabilities`` a key of :data:`CAPABILITIES` or a
    :class:`Capabilities`. ``on_secret`` is told of every secret obtained with :meth:`obtain`; ``secrets`` the
    secrets it holds from the start; ``scripted_validate``: ``validate`` is a scripted call too (else it is pure:
    the params as the work, their ``devices`` / ``device_names`` / ``targets.devices`` as its devices); ``devices``:
    the answer of every ``iter_devices`` (a device source, not scripted)."""

    def __init__(self, capabilities, script=(), on_secret=None, secrets=(SECRET,), scripted_validate=False,
                 devices=None):
        self.capabilities = CAPABILITIES[capabilities] if isinstance(capabilities, str) else capabilities
        self.platform = self.capabilities.platform
        self.script = list(script)
        self.calls = []  # (method, args) of every scripted call, in order
        self.unexpected = []  # the messages of the unexpected calls
        self.locks = []  # ("held", devices of the work, index of the first call inside, index after the last)
        self.on_secret = on_secret
        self.given_secrets = list(secrets)
        self.obtained = []
        self.scripted_validate = scripted_validate
        self.devices = devices
        self.closed = False

    # ---- the script

    def _call(self, method, *args):
        self.calls.append((method, args))
        if not self.script:
            self._unexpected("%s: unexpected call %s%r (script exhausted)" % (self.platform, method, args))
        want_method, want_args, answer = self.script.pop(0)
        if want_method != method or (want_args is not None and not _same(args, tuple(want_args))):
            self._unexpected("%s: unexpected call %s%r, expected %s%s" % (
                self.platform, method, args, want_method, "(...)" if want_args is None else repr(tuple(want_args))))
        if isinstance(answer, BaseException):
            raise answer
        return answer(self) if callable(answer) else answer

    def _unexpected(self, message):
        self.unexpected.append(message)
        raise Unexpected(message)

    def assert_done(self):
        assert not self.unexpected, "\n".join(self.unexpected)
        assert not self.script, "%s: calls never made: %r" % (self.platform, self.script)

    # ---- the contract

    def validate(self, params):
        if self.scripted_validate:
            answer = self._call("validate")
            if answer is not None:
                return answer
        work = dict(params)
        if "devices" not in work:
            work["devices"] = list(params.get("device_names") or (params.get("targets") or {}).get("devices") or [])
        return work

    def work_devices(self, work):
        return work.get("devices")

    def prepare(self, work):
        self._call("prepare", _devices(work.get("devices")))
        work["target_version"] = "2.0.0"

    def find(self, work, exclude=(), known_versions=None):
        return self._call("find", _devices(work.get("devices")), tuple(sorted(exclude, key=_order)))

    def history(self, work):
        return self._call("history", _devices(work.get("devices")))

    def active_tasks(self, work):
        return self._call("active_tasks")

    @contextlib.contextmanager
    def work_lock(self, work):
        first = len(self.calls)
        yield
        self.locks.append(("held", _devices(work.get("devices")), first, len(self.calls)))

    def create(self, work, devices):
        return self._call("create", _devices(devices))

    def get(self, task_id):
        return self._call("get", task_id)

    def progress(self, tasks, with_failures=False):
        return self._call("progress", tuple(sorted((task.task_id for task in tasks), key=_order)), with_failures)

    def cancel(self, task):
        return self._call("cancel", task.task_id)

    def device_versions(self, devices, work=None):
        return self._call("device_versions", tuple(devices))

    def info_tasks(self, params):
        return self._call("info_tasks")

    def iter_devices(self, filters):
        if self.devices is not None:
            self.calls.append(("iter_devices", (dict(filters or {}),)))
            answer = self.devices
        else:
            answer = self._call("iter_devices", dict(filters or {}))

        def devices():
            for item in answer or ():
                if isinstance(item, BaseException):
                    raise item
                yield dict(item)

        return devices()

    # ---- views

    def desired_view(self, work, devices=None):
        return {"package": work.get("package"), "devices": sorted(devices or work.get("devices") or [])}

    def task_view(self, task):
        return {"task_id": task.task_id, "devices": sorted(task.devices or []), "status": task.status}

    def create_request(self, work, devices=None):
        return {"Package": work.get("package"), "Devices": list(devices or work.get("devices") or [])}

    # ---- bookkeeping

    def obtain(self, token, in_secrets=True):
        """A secret obtained at run time (e.g. a login token): reported to ``on_secret`` and, unless ``in_secrets``
        is false, listed in ``secrets`` too."""
        if in_secrets:
            self.obtained.append(token)
        self.on_secret(token)

    @property
    def secrets(self):
        return self.given_secrets + self.obtained

    @property
    def call_log(self):
        """One entry per scripted call that stands for a request (``validate`` and ``prepare`` send none here)."""
        return [{"call": method, "status": 200, "code": None, "attempt": 1, "waited": 0.0}
                for method, _args in self.calls if method not in ("validate", "prepare")]

    def close(self):
        self.closed = True


# ---- answers -------------------------------------------------------------------------------------------------

def lookup(remaining=None, same=(), busy=None, up_to_date=(), seen=(), warnings=(), extra_result=None):
    return Lookup(same=list(same), busy=dict(busy or {}), up_to_date=list(up_to_date),
                  remaining=None if remaining is None else list(remaining), seen=frozenset(seen),
                  warnings=list(warnings), extra_result=dict(extra_result or {}))


def progress(task_id, succeeded=0, failed=0, in_progress=0, failures=(), status=None, counts=None):
    return Progress(task_id=task_id, counts=dict(counts or {}), summary=summarize(succeeded, failed, in_progress),
                    done=in_progress == 0, status=status, failures=list(failures))


def task(task_id, devices=(), active=True, **fields):
    """A :class:`TaskInfo` (``devices`` None: a group or version task)."""
    return TaskInfo(task_id=task_id, active=active, devices=None if devices is None else frozenset(devices), **fields)


def platform_error(message, code, request_id="req-1",
                   call="Huawei IoT POST /iodm/northbound/v1.5.0/operations/firmwareUpgrade", **kwargs):
    return IoTError(message, code=code, request_id=request_id, call=call, http_status=kwargs.pop("http_status", 400),
                    **kwargs)
