"""A scripted fake :class:`Provider` and a tiny runner for the generic module bodies.

The fake answers the pure views itself (``work_devices``, ``desired_view``, ``task_view``, ``create_request``,
``secrets``, ``call_log``) and takes every other contract call from a script of :class:`Step`: the next step must
name the same method with the same (normalised) arguments, else the call fails at once with an AssertionError.
"""
import json

import pytest

from ansible.module_utils.basic import AnsibleModule
from module_runner import patch_module_args  # tests/unit/plugins/modules (works before ansible-core 2.19 too)

from ansible_collections.iotfleet.firmware.plugins.module_utils._module._wait import wait_argument_spec
from ansible_collections.iotfleet.firmware.plugins.module_utils._provider import (
    Capabilities, Lookup, Progress, Provider, TaskInfo, summarize)

CAPS = Capabilities(platform="fake", label="Fake IoT", task_id_key="task_id", max_devices_per_task=256,
                    can_cancel=True, calls_per_window=10, window_seconds=1.0, task_page_size=100,
                    progress_page_size=100)
NO_CANCEL = Capabilities(platform="fake", label="Fake IoT", task_id_key="operation_id", max_devices_per_task=256,
                         can_cancel=False, calls_per_window=10, window_seconds=1.0, task_page_size=100,
                         progress_page_size=100, cancel_hint="the Fake IoT API has no call to stop a task")

SECRET = "s3cr3t/pa ss+word"

SPEC = dict(
    secret=dict(type="str", no_log=True),
    timeout=dict(type="int", default=30),
    reconcile_timeout=dict(type="int"),
    state=dict(type="str", default="present", choices=["present", "absent"]),
    devices=dict(type="list", elements="str"),
    package=dict(type="str", default="fw-2.0.0"),
)
SPEC.update(wait_argument_spec())


class Step:
    """One expected call: ``name`` and its normalised ``args``; ``returns`` a value or ``raises`` an exception.

    ``returns`` may be a callable taking the fake (for side effects such as a token obtained at run time).
    """

    def __init__(self, name, args=(), returns=None, raises=None):
        self.name = name
        self.args = tuple(args)
        self.returns = returns
        self.raises = raises


class FakeProvider(Provider):
    def __init__(self, script, capabilities=CAPS, on_secret=None):
        self.capabilities = capabilities
        self.script = list(script)
        self.calls = []  # (name, args) of every scripted call, in order
        self.on_secret = on_secret
        self.obtained = []
        self.closed = False

    # ---- scripted calls

    def _call(self, name, *args):
        self.calls.append((name, args))
        assert self.script, "unexpected call %s%r (script exhausted)" % (name, args)
        step = self.script.pop(0)
        assert (name, args) == (step.name, step.args), \
            "unexpected call %s%r, expected %s%r" % (name, args, step.name, step.args)
        if step.raises is not None:
            raise step.raises
        return step.returns(self) if callable(step.returns) else step.returns

    def validate(self, params):
        return self._call("validate") or {"devices": params.get("devices"), "package": params.get("package")}

    def prepare(self, work):
        self._call("prepare")
        work["target_version"] = "2.0.0"

    def find(self, work, exclude=(), known_versions=None):
        return self._call("find", frozenset(exclude))

    def create(self, work, devices):
        return self._call("create", None if devices is None else list(devices))

    def get(self, task_id):
        return self._call("get", task_id)

    def progress(self, tasks, with_failures=False):
        return self._call("progress", [task.task_id for task in tasks])

    def cancel(self, task):
        return self._call("cancel", task.task_id)

    def info_tasks(self, params):
        return self._call("info_tasks")

    # ---- pure views and bookkeeping

    def work_devices(self, work):
        return work.get("devices")

    def desired_view(self, work, devices=None):
        return {"package": work["package"], "devices": sorted(devices or work.get("devices") or [])}

    def task_view(self, task):
        return {"task_id": task.task_id, "devices": sorted(task.devices or []), "status": task.status}

    def create_request(self, work, devices=None):
        return {"Package": work["package"], "Devices": list(devices or work.get("devices") or [])}

    def obtain(self, token, in_secrets=True):
        """A secret obtained at run time (e.g. a login token): reported to ``on_secret`` and, unless
        ``in_secrets`` is false, listed in ``secrets`` too."""
        if in_secrets:
            self.obtained.append(token)
        self.on_secret(token)

    @property
    def secrets(self):
        return [SECRET] + self.obtained

    @property
    def call_log(self):
        return [{"call": name, "status": 200, "code": None, "attempt": 1, "waited": 0.0}
                for name, _args in self.calls if name not in ("validate", "prepare")]

    def close(self):
        self.closed = True

    def assert_done(self):
        assert not self.script, "expected calls not made: %s" % [(step.name, step.args) for step in self.script]


def factory_for(script, capabilities=CAPS):
    """``(factory, holder)``: the factory builds one FakeProvider; ``holder["provider"]`` is it."""
    holder = {}

    def factory(params, on_secret):
        holder["provider"] = FakeProvider(script, capabilities, on_secret)
        return holder["provider"]

    return factory, holder


class FakeClock:
    """``clock()`` and ``sleep(seconds)`` that advances it; ``sleeps`` lists every sleep."""

    def __init__(self, start=1000.0):
        self.now = start
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def task(task_id, devices=("dev-1", "dev-2"), active=True, status="processing", matched_by="targets", raw=None):
    return TaskInfo(task_id=task_id, status=status, active=active, devices=frozenset(devices),
                    created="20260301T000000Z", matched_by=matched_by,
                    raw=raw if raw is not None else {"id": task_id, "status": status})


def lookup(same=(), busy=None, up_to_date=(), remaining=None, seen=(), warnings=(), extra_result=None):
    return Lookup(same=list(same), busy=dict(busy or {}), up_to_date=list(up_to_date), remaining=remaining,
                  seen=frozenset(seen), warnings=list(warnings), extra_result=dict(extra_result or {}))


def progress(task_id, succeeded=0, failed=0, in_progress=2, status="processing"):
    counts = {"success": succeeded, "fail": failed, "processing": in_progress}
    return Progress(task_id=task_id, counts=counts, summary=summarize(succeeded, failed, in_progress),
                    done=in_progress == 0, status=status)


def run_body(entry, script, args, capsys, capabilities=CAPS, check=False, diff=False, factory=None, **kwargs):
    """Run ``entry(module, factory, **kwargs)`` like a module's main(); returns ``(result, provider, raw_out)``.

    ``provider.warned`` lists the texts passed to ``module.warn`` (how ansible-core puts warnings into the result
    differs between versions, and its collection is process-global).
    """
    args = dict(args)
    if check:
        args["_ansible_check_mode"] = True
    if diff:
        args["_ansible_diff"] = True
    if factory is None:
        factory, holder = factory_for(script, capabilities)
    else:
        holder = {}
    with patch_module_args(args):
        module = AnsibleModule(argument_spec=SPEC, supports_check_mode=True)
        warned = []
        original_warn = module.warn
        module.warn = lambda text: (warned.append(text), original_warn(text))
        with pytest.raises(SystemExit):
            entry(module, factory, **kwargs)
    out = capsys.readouterr().out
    provider = holder.get("provider")
    if provider is not None:
        assert provider.closed
        provider.assert_done()
        provider.warned = warned
    return json.loads(out), provider, out
