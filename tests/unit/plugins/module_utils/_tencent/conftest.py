"""Tencent provider tests against the in-process emulator, community.dns style.

Every test lists the exact Tencent actions it expects, in order; the kit's recorder (``calls``, a
:class:`kit.calls.Calls` that passes the requests on to the emulator) fails the test on the first request that is
not the next expected one. Time is fake: the rate limiter, the retry policy and the module bodies' reconcile and wait
loops sleep on the kit's :class:`kit.clock.Clock`, which only advances the clock.
"""
import json

import pytest

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

from kit.calls import Calls
from kit.clock import Clock
from kit.control import EmulatorControl
from kit.credentials import TENCENT_REGION, TENCENT_SECRET_ID, TENCENT_SECRET_KEY


@pytest.fixture
def emulator(tmp_path):
    # documented_only: no TaskUserDefine echo; a generous throttle (the limiter runs on fake time, see test_throttle).
    server = EmulatorServer(fleet="demo:20", behaviour={"documented_only": True, "tencent_calls_per_second": 0},
                            tls=None, tls_dir=str(tmp_path / "tls")).start()
    try:
        yield EmulatorControl(server, platform="tencent")
    finally:
        server.stop()


@pytest.fixture
def fake_time():
    return Clock()  # the real time now: TC3 timestamps must be near the emulator's clock


@pytest.fixture
def calls():
    session = Calls(forward=HttpSession(timeout=10))
    yield session
    session.forward.close()


@pytest.fixture
def connection_args(emulator, tmp_path):
    return {"secret_id": TENCENT_SECRET_ID, "secret_key": TENCENT_SECRET_KEY, "region": TENCENT_REGION,
            "endpoint": emulator.url, "pacing_dir": str(tmp_path / "pacing"), "timeout": 10}


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
