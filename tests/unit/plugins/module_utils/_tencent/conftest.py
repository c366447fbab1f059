"""Tencent provider tests against the in-process emulator, community.dns style.

Every test lists the exact Tencent actions it expects, in order; the :class:`ExpectedCalls` session fails the test
on the first request that is not the next expected one (``pytest.fail`` is not an ``Exception``: no layer of the
code under test can swallow it). Time is fake: the rate limiter, the retry policy and the module bodies' reconcile
and wait loops sleep on :class:`FakeTime`, which only advances the clock.
"""
import json
import time

import pytest
import requests

from ansible.module_utils.basic import AnsibleModule
from module_runner import patch_module_args  # tests/unit/plugins/modules (works before ansible-core 2.19 too)

from iotemu.server import EmulatorServer  # tests/emulator is on sys.path (tests/conftest.py)

from ansible_collections.iotfleet.firmware.plugins.module_utils._http import HttpSession
from ansible_collections.iotfleet.firmware.plugins.module_utils._module.firmware_task import run_firmware_task
from ansible_collections.iotfleet.firmware.plugins.module_utils._module.firmware_task_info import (
    run_firmware_task_info)
from ansible_collections.iotfleet.firmware.plugins.module_utils._tencent import connection
from ansible_collections.iotfleet.firmware.plugins.modules import tencent_iot_batch_firmware as batch_module
from ansible_collections.iotfleet.firmware.plugins.modules import tencent_iot_batch_firmware_info as info_module

from tencent_calls import REGION, SECRET_ID, SECRET_KEY  # shared with the tests


class FakeTime:
    """Wall clock (starts at the real time: TC3 timestamps must be near it), monotonic clock and sleep."""

    def __init__(self):
        self.now = float(int(time.time()))
        self.mono = 1000.0
        self.sleeps = []
        self.on_sleep = None  # called with the seconds before the clocks advance (synchronisation hook)

    def time(self):
        return self.now

    def monotonic(self):
        return self.mono

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        if self.on_sleep is not None:
            self.on_sleep(seconds)
        self.now += seconds
        self.mono += seconds


class ExpectedCalls:
    """An HttpSession stand-in: checks each request's ``X-TC-Action`` against the script, then sends it for real."""

    def __init__(self, real):
        self.real = real
        self.expected = []
        self.sent = []
        self.before = {}  # index of a request -> callable run just before it is sent

    def expect(self, *actions):
        self.expected.extend(actions)
        return self

    def request(self, method, url, call, headers=None, params=None, data=None, **kwargs):
        action = (headers or {}).get("X-TC-Action")
        index = len(self.sent)
        self.sent.append(action)
        if index >= len(self.expected) or self.expected[index] != action:
            pytest.fail("unexpected request #%d %s (expected %s); sent so far: %s" % (
                index + 1, action, self.expected[index] if index < len(self.expected) else "nothing more",
                self.sent[:-1]), pytrace=False)
        hook = self.before.pop(index, None)
        if hook is not None:
            hook()
        return self.real.request(method, url, call, headers=headers, params=params, data=data, **kwargs)

    def close(self):
        self.real.close()

    def assert_done(self):
        assert self.sent == self.expected, "expected requests not sent: %s" % self.expected[len(self.sent):]


class Emulator:
    """A running emulator plus its control API."""

    def __init__(self, server):
        self.server = server
        self.url = server.url

    def control(self, method, path, body=None):
        response = requests.request(method, self.url + "/_emulator/" + path, json=body, timeout=10)
        assert response.status_code == 200, response.text
        return response.json()

    def inject(self, **rule):
        rule.setdefault("platform", "tencent")
        return self.control("POST", "faults", {"faults": [rule]})

    def advance(self, seconds):
        return self.control("POST", "advance", {"seconds": seconds})

    def tasks(self):
        return self.control("GET", "state")["tencent"]["tasks"]

    def stats(self):
        return self.control("GET", "stats")["tencent"]


@pytest.fixture
def emulator(tmp_path):
    # documented_only: no TaskUserDefine echo; a generous throttle (the limiter runs on fake time, see test_throttle).
    server = EmulatorServer(fleet="demo:20", behaviour={"documented_only": True, "tencent_calls_per_second": 0},
                            tls=None, tls_dir=str(tmp_path / "tls")).start()
    try:
        yield Emulator(server)
    finally:
        server.stop()


@pytest.fixture
def fake_time():
    return FakeTime()


@pytest.fixture
def calls():
    session = ExpectedCalls(HttpSession(timeout=10))
    yield session
    session.real.close()


@pytest.fixture
def connection_args(emulator, tmp_path):
    return {"secret_id": SECRET_ID, "secret_key": SECRET_KEY, "region": REGION, "endpoint": emulator.url,
            "pacing_dir": str(tmp_path / "pacing"), "timeout": 10}


@pytest.fixture
def provider_for(calls, fake_time):
    """``provider_for(params)``: the real provider on the expected-calls session and fake time."""
    def build(params, on_secret=None):
        return connection.provider_factory(params, on_secret=on_secret, session=calls, sleep=fake_time.sleep,
                                           clock=fake_time.time, monotonic=fake_time.monotonic)
    return build


@pytest.fixture
def run_module(connection_args, provider_for, fake_time, capsys):
    """``run_module(args, info=False, check=False, diff=False, base=True)`` -> ``(result, raw stdout)``.

    ``base``: add the connection arguments (else they come from ``args`` or the environment)."""
    def run(args, info=False, check=False, diff=False, base=True):
        full = dict(connection_args if base else {}, **args)
        if check:
            full["_ansible_check_mode"] = True
        if diff:
            full["_ansible_diff"] = True
        spec = (info_module if info else batch_module).argument_spec()
        with patch_module_args(full):
            module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
            with pytest.raises(SystemExit):
                if info:
                    run_firmware_task_info(module, provider_for)
                else:
                    run_firmware_task(module, provider_for, clock=fake_time.monotonic, sleep=fake_time.sleep)
        out = capsys.readouterr().out
        return json.loads(out), out
    return run
