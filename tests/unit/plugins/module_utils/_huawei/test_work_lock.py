"""Two module runs (real processes, as Ansible's forks are) given the same devices at the same moment, against the
in-process emulator: the work lock (``_pacing.WorkLock`` through ``Provider.work_lock``) lets exactly one create.

The emulator holds both task listings for a moment, so without the lock both runs would find nothing and both
create (the unlocked case shows that the race is real). Bounded: every wait has a timeout.
"""
import multiprocessing
import time

import pytest

from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei import connection
from ansible_collections.iotfleet.firmware.plugins.module_utils._module.firmware_task import run_firmware_task

from huawei_calls import API

LISTING_DELAY = 3.0  # seconds the emulator holds each of the first two task listings (wide enough for a loaded CI)
# Without the lock the race shows only when the second listing arrives before the first one's answer (and create):
# the forked processes can start seconds apart on a loaded machine (seen once under -n 2), so that case holds longer.
UNLOCKED_LISTING_DELAY = 8.0
DEADLINE = 60  # seconds for both processes


class Exited(Exception):
    pass


class FakeModule:
    """What the generic body uses of an AnsibleModule; the result is kept instead of printed."""

    check_mode = False
    _diff = False

    def __init__(self, params):
        self.params = params
        self.no_log_values = set()
        self.result = None

    def warn(self, message):
        pass

    def exit_json(self, **result):
        self.result = result
        raise Exited()

    def fail_json(self, **result):
        self.result = dict(result, failed=True)
        raise Exited()


def one_run(params, locked, barrier, results):
    """A child process: one run of the task module body, started together with the other."""
    def factory(module_params, on_secret=None):
        provider = connection.provider_from_params(module_params, on_secret=on_secret)
        if not locked:  # the race without the lock
            provider._work_lock = None  # pylint: disable=protected-access
        return provider

    module = FakeModule(params)
    barrier.wait(timeout=DEADLINE)
    try:
        run_firmware_task(module, factory)
    except Exited:
        pass
    results.put(module.result)


@pytest.mark.parametrize("locked", [True, False], ids=["locked", "without-the-lock"])
def test_two_processes_with_the_same_devices_create_one_task(hw, capsys, locked):
    hw.run(capsys, targets={"devices": ["hw-meter-0009"]})  # log in once (the token is shared), nothing else
    before = len(hw.tasks())
    hw.inject(kind="delay", method="GET", path=API + "/operations", times=2, delay=LISTING_DELAY if locked else UNLOCKED_LISTING_DELAY)
    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(2), context.Queue()
    params = hw.params(targets={"devices": ["hw-meter-0001", "hw-meter-0002"]}, timeout=10)
    children = [context.Process(target=one_run, args=(params, locked, barrier, results)) for dummy in range(2)]
    started = time.monotonic()
    for child in children:
        child.start()
    outcomes = [results.get(timeout=DEADLINE) for dummy in children]
    for child in children:
        child.join(timeout=DEADLINE)
        assert child.exitcode == 0
    assert time.monotonic() - started < DEADLINE
    assert all(not outcome.get("failed") for outcome in outcomes), outcomes
    created = len(hw.tasks()) - before
    if locked:
        assert created == 1 and hw.duplicates() == []
        assert sorted(outcome["created"] for outcome in outcomes) == [False, True]
        assert outcomes[0]["operation_id"] == outcomes[1]["operation_id"]
    else:
        assert created == 2 and hw.duplicates()  # what the lock prevents
