"""Scripted providers and a fake clock for the engine's unit tests.

A :class:`ScriptedProvider` is given the exact calls it must receive, in order, each with its answer; the
first call that is not the next one expected fails the test (``validate`` is pure and not scripted).
"""
import contextlib

from ansible_collections.iotfleet.firmware.plugins.module_utils._errors import IoTError
from ansible_collections.iotfleet.firmware.plugins.module_utils._provider import Capabilities, Lookup, Progress, \
    Provider, TaskInfo

CAPS = {
    "huawei": Capabilities(platform="huawei", label="Huawei IoT", task_id_key="operation_id", max_devices_per_task=256,
                           can_cancel=False, calls_per_window=100, window_seconds=60.0, task_page_size=100,
                           progress_page_size=100),
    "tencent": Capabilities(platform="tencent", label="Tencent Cloud IoT Explorer", task_id_key="task_id",
                            max_devices_per_task=500, can_cancel=True, calls_per_window=20, window_seconds=1.0,
                            task_page_size=100, progress_page_size=100),
}


class Unexpected(AssertionError):
    pass


class ScriptedProvider(Provider):
    def __init__(self, platform, script):
        self.capabilities = CAPS[platform]
        self.platform = platform
        self.script = list(script)
        self.calls = []
        self.closed = False
        self.locks = []  # ("held", devices of the work, index of the first call inside, index after the last)

    # every scripted entry: (method, args, answer); answer may be a callable(*args) or an exception instance
    def _call(self, method, *args):
        self.calls.append((method,) + args)
        if not self.script:
            raise Unexpected("%s: unexpected call %s%r (script exhausted)" % (self.platform, method, args))
        want_method, want_args, answer = self.script.pop(0)
        if want_method != method or (want_args is not None and tuple(want_args) != args):
            raise Unexpected("%s: expected %s%r, got %s%r" % (self.platform, want_method, want_args, method, args))
        if isinstance(answer, BaseException):
            raise answer
        return answer(*args) if callable(answer) else answer

    def validate(self, params):
        work = dict(params)
        work["devices"] = list(params.get("device_names") or (params.get("targets") or {}).get("devices") or [])
        return work

    def work_devices(self, work):
        return work["devices"]

    def prepare(self, work):
        self._call("prepare", tuple(work["devices"]))
        work["target_version"] = "2.0.0"

    def find(self, work, exclude=(), known_versions=None):
        return self._call("find", tuple(work["devices"]), tuple(sorted(exclude)))

    def create(self, work, devices):
        return self._call("create", tuple(devices))

    @contextlib.contextmanager
    def work_lock(self, work):
        first = len(self.calls)
        yield
        self.locks.append(("held", tuple(work["devices"]), first, len(self.calls)))

    def progress(self, tasks, with_failures=False):
        return self._call("progress", tuple(sorted(t.task_id for t in tasks)), with_failures)

    def cancel(self, task):
        return self._call("cancel", task.task_id)

    def device_versions(self, devices, work=None):
        return self._call("device_versions", tuple(devices))

    @property
    def secrets(self):
        return ["s3cret-token"]

    @property
    def call_log(self):
        return [{"call": c[0], "code": None} for c in self.calls]

    def close(self):
        self.closed = True

    def done(self):
        assert not self.script, "%s: calls never made: %r" % (self.platform, self.script)


def lookup(remaining=None, same=(), busy=None, up_to_date=(), seen=()):
    return Lookup(same=list(same), busy=dict(busy or {}), up_to_date=list(up_to_date),
                  remaining=None if remaining is None else list(remaining), seen=frozenset(seen))


def summary(succeeded, failed, in_progress):
    total = succeeded + failed + in_progress
    return {"total": total, "succeeded": succeeded, "failed": failed, "in_progress": in_progress,
            "finished": succeeded + failed}


def progress(task_id, succeeded, failed=0, in_progress=0, failures=(), status=None):
    return Progress(task_id=task_id, counts={}, summary=summary(succeeded, failed, in_progress),
                    done=in_progress == 0, status=status, failures=list(failures))


def task(task_id, devices, active=True):
    return TaskInfo(task_id=task_id, active=active, devices=frozenset(devices))


def platform_error(message, code, request_id="req-1", call="Huawei IoT POST /iodm/northbound/v1.5.0/operations/"
                   "firmwareUpgrade", **kwargs):
    return IoTError(message, code=code, request_id=request_id, call=call, http_status=kwargs.pop("http_status", 400),
                    **kwargs)


class Clock:
    """time.time / time.monotonic / time.sleep that advance only when slept."""

    def __init__(self, start=1764600000.0):
        self.now = start
        self.sleeps = []

    def time(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds
