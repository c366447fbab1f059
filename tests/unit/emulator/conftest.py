"""Fixtures for the emulator tests: in-process servers on 127.0.0.1, port 0, stopped after each test."""

import os
import sys

import pytest

EMULATOR_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "emulator")
if EMULATOR_DIR not in sys.path:
    sys.path.insert(0, EMULATOR_DIR)

from iotemu.server import EmulatorServer  # noqa: E402  pylint: disable=wrong-import-position

from emu_helpers import Handle  # noqa: E402  pylint: disable=wrong-import-position


@pytest.fixture
def make_emulator(tmp_path):
    """``make_emulator(fleet="demo", behaviour=None, tls=None, clock=None)`` -> a started :class:`Handle`.

    ``clock``: a fake real time for the emulator (e.g. the kit's ``Clock``): its throttle windows, tokens and
    lifecycle move only when the test moves the clock."""
    servers = []

    def _make(fleet="demo:20", behaviour=None, tls=None, clock=None):
        server = EmulatorServer(fleet=fleet, behaviour=behaviour, tls=tls,
                                tls_dir=str(tmp_path / ("tls%d" % len(servers))), clock=clock).start()
        servers.append(server)
        return Handle(server)

    yield _make
    for server in servers:
        server.stop()


@pytest.fixture
def emulator(make_emulator):
    """The demo fleet (20 devices per platform, real-time clock; tests move time with ``advance``)."""
    return make_emulator()


@pytest.fixture
def huawei(emulator):
    client = emulator.huawei()
    client.login()
    return client


@pytest.fixture
def tencent(emulator):
    return emulator.tencent()
