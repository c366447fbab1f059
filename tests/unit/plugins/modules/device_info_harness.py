"""Exact HTTP calls of the device/package/firmware info modules and of the inventory plugins.

The HTTP session the real providers get is the kit's recorder (:class:`kit.calls.Calls`): each request is written
as one line (Huawei ``"GET /path?sorted=query"``, Tencent ``"Action Key=value ..."`` of the JSON body, sorted) and
checked against the script *before* it is sent, then passed on to the emulator; the first unexpected one fails the
test with ``pytest.fail`` (which no layer of the code under test can swallow). The emulator runs in-process in
documented-only mode; time is fake (the rate limiters and retries sleep on the kit's :class:`kit.clock.Clock`).
"""
import pytest

from iotemu.server import EmulatorServer  # tests/emulator is on sys.path (tests/conftest.py)

from ansible_collections.iotfleet.firmware.plugins.module_utils._http import HttpSession

from kit.calls import Calls
from kit.clock import Clock
from kit.control import EmulatorControl
from kit.credentials import HUAWEI_APP_ID, HUAWEI_SECRET, TENCENT_REGION, TENCENT_SECRET_ID, TENCENT_SECRET_KEY

LOGIN = "POST /iocm/app/sec/v1.1.0/login"
DEVICES = "GET /iocm/app/dm/v1.4.0/devices"
CATEGORY = "GET /iodm/northbound/v1.5.0/category"


class Platform:
    """A documented-only emulator, the connection parameters of both platforms and scripted sessions."""

    def __init__(self, tmp_path, fleet="demo:250"):
        self.server = EmulatorServer(fleet=fleet, behaviour={"documented_only": True,
                                                             "tencent_calls_per_second": 0}).start()
        self.url = self.server.url
        self.control = EmulatorControl(self.server)
        self.pacing_dir = str(tmp_path / "pacing")
        self.clock = Clock()  # the real time now: TC3 timestamps must be near the emulator's clock
        self.sessions = []

    def huawei_params(self, **extra):
        params = dict(endpoint=self.url, app_id=HUAWEI_APP_ID, secret=HUAWEI_SECRET, pacing_dir=self.pacing_dir)
        params.update(extra)
        return params

    def tencent_params(self, **extra):
        params = dict(secret_id=TENCENT_SECRET_ID, secret_key=TENCENT_SECRET_KEY, region=TENCENT_REGION,
                      endpoint=self.url, pacing_dir=self.pacing_dir)
        params.update(extra)
        return params

    def injected(self, *script):
        """Keyword arguments for ``provider_from_params``: a scripted session and the fake clock."""
        session = Calls(forward=HttpSession(timeout=10)).expect(*script)
        self.sessions.append(session)
        return dict(session=session, sleep=self.clock.sleep, clock=self.clock.time, monotonic=self.clock.monotonic)

    def patch_factory(self, monkeypatch, connection, *script):
        """Make ``connection.provider_from_params`` (as a module's main() calls it) use ``script``."""
        real = connection.provider_from_params
        injected = self.injected(*script)

        def factory(params, **kwargs):
            for key, value in injected.items():
                kwargs.setdefault(key, value)  # a later patch (outer factory) wins
            return real(params, **kwargs)

        monkeypatch.setattr(connection, "provider_from_params", factory)
        return self.sessions[-1]

    def stop(self):
        self.server.stop()


def huawei_devices_page(page_no, page_size=100, **query):
    items = dict(query, pageNo=page_no, pageSize=page_size)
    return "%s?%s" % (DEVICES, "&".join("%s=%s" % item for item in sorted(items.items())))


def tencent_device_list(offset, limit=100, product="TCPROD0001", **extra):
    body = dict(extra, ProductId=product, Offset=offset, Limit=limit)
    return " ".join(["GetDeviceList"] + ["%s=%s" % (key, body[key]) for key in sorted(body)])


@pytest.fixture
def platform(tmp_path):
    made = Platform(tmp_path)
    yield made
    made.stop()
