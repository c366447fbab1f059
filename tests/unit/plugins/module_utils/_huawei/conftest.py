"""The Huawei provider against the in-process emulator: exact HTTP calls, injected clock and sleep.

``hw`` (a :class:`Harness`) starts an emulator on 127.0.0.1 port 0 in documented-only mode (no echo of
``extendPara``), makes providers whose HTTP session is a :class:`Recorder` (every request is checked against the
expected list *as it is sent*, so a test fails on the first unexpected one), and runs the generic module body
(``run_firmware_task``) with a fake clock. The emulator's real clock (tokens, slow commits) is the same fake clock,
so token lifetimes and late commits pass without sleeping.
"""
import fnmatch
import json
import time
from urllib.parse import urlsplit

import pytest
import requests

from ansible.module_utils.basic import AnsibleModule
from module_runner import patch_module_args  # tests/unit/plugins/modules (works before ansible-core 2.19 too)

from iotemu.server import EmulatorServer  # tests/emulator is on sys.path (tests/conftest.py)

from ansible_collections.iotfleet.firmware.plugins.module_utils._http import HttpSession
from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei import connection
from ansible_collections.iotfleet.firmware.plugins.module_utils._module.firmware_task import run_firmware_task
from ansible_collections.iotfleet.firmware.plugins.modules import huawei_iot_firmware_task as task_module

from huawei_calls import APP_ID, FILE, SECRET  # the expected calls and credentials, shared with the tests


class FakeTime:
    """Wall clock, monotonic clock and sleep in one: ``sleep`` advances it (and runs hooks, e.g. emulator time)."""

    def __init__(self):
        self.now = time.time()
        self.slept = []
        self.hooks = []

    def time(self):
        return self.now

    def sleep(self, seconds):
        seconds = max(0.0, float(seconds))
        self.slept.append(round(seconds, 3))
        self.now += seconds
        for hook in self.hooks:
            hook(seconds)


class Recorder:
    """An HTTP session that checks each request against ``expected`` (fnmatch patterns) before sending it."""

    def __init__(self, inner, clock=None):
        self.inner = inner
        self.clock = clock
        self.times = []
        self.sent = []
        self.expected = None

    @property
    def redactor(self):
        return self.inner.redactor

    def expect(self, *patterns):
        self.expected = list(patterns)
        self.sent = []

    def request(self, method, url, call, headers=None, params=None, data=None, json_body=None):
        query = "&".join("%s=%s" % item for item in sorted((params or {}).items()))
        entry = "%s %s%s" % (method, urlsplit(url).path, "?" + query if query else "")
        self.sent.append(entry)
        self.times.append(self.clock() if self.clock else None)
        if self.expected is not None:
            index = len(self.sent) - 1
            if index >= len(self.expected) or not fnmatch.fnmatchcase(entry, self.expected[index]):
                raise AssertionError("unexpected request #%d %r, expected %r\nsent: %s" % (
                    index + 1, entry, self.expected[index] if index < len(self.expected) else "nothing more",
                    json.dumps(self.sent, indent=1)))
        return self.inner.request(method, url, call, headers=headers, params=params, data=data, json_body=json_body)

    def done(self):
        assert self.sent == self.sent[:len(self.expected)] and len(self.sent) == len(self.expected), (
            "expected %d requests, sent %d: %s" % (len(self.expected), len(self.sent), json.dumps(self.sent, indent=1)))

    def close(self):
        self.inner.close()


class Harness:
    def __init__(self, tmp_path, behaviour=None, fleet="demo:20"):
        self.tmp_path = tmp_path
        self.clock = FakeTime()
        merged = {"documented_only": True}
        merged.update(behaviour or {})
        self.server = EmulatorServer(fleet=fleet, behaviour=merged).start()
        # tokens, slow commits and the 100/min throttle run on the fake clock too
        self.server.core.clock._real = self.clock.time
        self.server.core.huawei.throttle.clock = self.clock.time
        self.url = self.server.url
        self.pacing_dir = str(tmp_path / "pacing")
        self.recorders = []

    # ---- emulator control

    def control(self, method, path, body=None):
        response = requests.request(method, self.url + "/_emulator/" + path, json=body, timeout=10)
        assert response.status_code == 200, response.text
        return response.json()

    def inject(self, **rule):
        rule.setdefault("platform", "huawei")
        return self.control("POST", "faults", {"faults": [rule]})

    def advance(self, seconds):
        return self.control("POST", "advance", {"seconds": seconds})

    def tasks(self):
        return self.control("GET", "state")["huawei"]["tasks"]

    def duplicates(self):
        return self.control("GET", "stats")["huawei"]["duplicates"]

    # ---- providers and module runs

    def params(self, **overrides):
        params = dict(endpoint=self.url, app_id=APP_ID, secret=SECRET, access_token=None, client_cert=None,
                      client_key=None, ca_path=None, validate_certs=True, timeout=5, api_calls_per_minute=100,
                      pacing_dir=self.pacing_dir, reconcile_timeout=None, state="present", operation_id=None,
                      file_id=FILE, targets={"devices": ["hw-meter-0001", "hw-meter-0002"]}, policy=None,
                      wait=False, wait_timeout=1800, wait_sleep=10)
        params.update(overrides)
        return params

    def factory(self, timeout=5, **kwargs):
        """``provider_factory(params, on_secret=...)`` with a recorded session and the fake clock."""
        def make(params, on_secret=None):
            recorder = Recorder(HttpSession(timeout=params.get("timeout") or timeout), self.clock.time)
            self.recorders.append(recorder)
            return connection.provider_from_params(params, session=recorder, sleep=self.clock.sleep,
                                                   clock=self.clock.time, on_secret=on_secret, **kwargs)
        return make

    def provider(self, **overrides):
        return self.factory()(self.params(**overrides))

    def run(self, capsys, expect=None, check=False, diff=False, factory=None, **overrides):
        """One ``huawei_iot_firmware_task`` run through the generic body; ``expect``: the exact requests."""
        params = self.params(**overrides)
        args = dict((key, value) for key, value in params.items() if value is not None)
        if check:
            args["_ansible_check_mode"] = True
        if diff:
            args["_ansible_diff"] = True
        factory = factory or self.factory()
        recorders_before = len(self.recorders)

        def expecting(params, on_secret=None):
            provider = factory(params, on_secret=on_secret)
            if expect is not None:
                self.recorders[-1].expect(*expect)
            return provider

        with patch_module_args(args):
            module = AnsibleModule(argument_spec=task_module.argument_spec(),
                                   mutually_exclusive=task_module.MUTUALLY_EXCLUSIVE, supports_check_mode=True)
            with pytest.raises(SystemExit):
                run_firmware_task(module, expecting, clock=self.clock.time, sleep=self.clock.sleep)
        out = capsys.readouterr().out
        if expect is not None and len(self.recorders) > recorders_before:
            self.recorders[-1].done()
        return json.loads(out)

    def stop(self):
        self.server.stop()


@pytest.fixture
def hw(tmp_path):
    harness = Harness(tmp_path)
    yield harness
    harness.stop()


@pytest.fixture
def make_hw(tmp_path):
    made = []

    def make(**kwargs):
        harness = Harness(tmp_path / ("h%d" % len(made)), **kwargs)
        made.append(harness)
        return harness

    yield make
    for harness in made:
        harness.stop()
