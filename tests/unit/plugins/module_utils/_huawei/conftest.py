"""The Huawei provider against the in-process emulator: exact HTTP calls, injected clock and sleep.

``hw`` (a :class:`Harness`, the kit's emulator control client plus providers and module runs) starts an emulator on
127.0.0.1 port 0 in documented-only mode (no echo of ``extendPara``), makes providers whose HTTP session is the
kit's recorder (:class:`kit.calls.Calls`: every request is checked against the expected list *as it is sent*, so a
test fails on the first unexpected one, then passed on to the emulator), and runs the generic module body
(``run_firmware_task``) with the kit's fake clock. The emulator's real clock (tokens, slow commits) is the same fake
clock, so token lifetimes and late commits pass without sleeping.
"""
import json

import pytest

from ansible.module_utils.basic import AnsibleModule
from module_runner import patch_module_args  # tests/unit/plugins/modules (works before ansible-core 2.19 too)

from iotemu.server import EmulatorServer  # tests/emulator is on sys.path (tests/conftest.py)

from ansible_collections.iotfleet.firmware.plugins.module_utils._http import HttpSession
from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei import connection
from ansible_collections.iotfleet.firmware.plugins.module_utils._module.firmware_task import run_firmware_task
from ansible_collections.iotfleet.firmware.plugins.modules import huawei_iot_firmware_task as task_module

from huawei_calls import FILE  # the expected calls, shared with the tests

from kit.calls import Calls
from kit.clock import Clock
from kit.control import EmulatorControl
from kit.credentials import HUAWEI_APP_ID, HUAWEI_SECRET


class Harness(EmulatorControl):
    """The emulator (its control API: ``inject``, ``tasks``, ``duplicates``... of the Huawei platform), the fake
    clock it runs on, and the providers and module runs of a test."""

    def __init__(self, tmp_path, behaviour=None, fleet="demo:20"):
        self.tmp_path = tmp_path
        self.clock = Clock()
        merged = {"documented_only": True}
        merged.update(behaviour or {})
        # tokens, slow commits and the 100/min throttle run on the fake clock too
        server = EmulatorServer(fleet=fleet, behaviour=merged, clock=self.clock.time).start()
        super().__init__(server, platform="huawei")
        self.pacing_dir = str(tmp_path / "pacing")
        self.recorders = []

    # ---- providers and module runs

    def params(self, **overrides):
        params = dict(endpoint=self.url, app_id=HUAWEI_APP_ID, secret=HUAWEI_SECRET, access_token=None, client_cert=None,
                      client_key=None, ca_path=None, validate_certs=True, timeout=5, api_calls_per_minute=100,
                      pacing_dir=self.pacing_dir, reconcile_timeout=None, state="present", operation_id=None,
                      file_id=FILE, targets={"devices": ["hw-meter-0001", "hw-meter-0002"]}, policy=None,
                      wait=False, wait_timeout=1800, wait_sleep=10)
        params.update(overrides)
        return params

    def factory(self, timeout=5, **kwargs):
        """``provider_factory(params, on_secret=...)`` with a recorded session and the fake clock."""
        def make(params, on_secret=None):
            recorder = Calls(forward=HttpSession(timeout=params.get("timeout") or timeout), clock=self.clock.time)
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
            self.recorders[-1].assert_done()
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
