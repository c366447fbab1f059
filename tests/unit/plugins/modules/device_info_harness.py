"""Exact HTTP calls of the device/package/firmware info modules and of the inventory plugins.

:class:`Expected` is the HTTP session the real providers get: each request is written as one line
(Huawei ``"GET /path?sorted=query"``, Tencent ``"Action Key=value ..."`` of the JSON body, sorted) and checked
against the script *before* it is sent; the first unexpected one fails the test with ``pytest.fail`` (which no
layer of the code under test can swallow). The emulator runs in-process in documented-only mode; time is fake
(the rate limiters and retries sleep on :class:`FakeTime`).
"""
import json
import time
from urllib.parse import urlsplit

import pytest

from iotemu.server import EmulatorServer  # tests/emulator is on sys.path (tests/conftest.py)

from ansible_collections.iotfleet.firmware.plugins.module_utils._http import HttpSession

HUAWEI_APP_ID = "demo-app"
HUAWEI_SECRET = "demo-secret"
TENCENT_SECRET_ID = "AKIDdemo0000000000000000000000000000"
TENCENT_SECRET_KEY = "demo-secret-key-000000000000000000"
TENCENT_REGION = "ap-guangzhou"
LOGIN = "POST /iocm/app/sec/v1.1.0/login"
DEVICES = "GET /iocm/app/dm/v1.4.0/devices"
CATEGORY = "GET /iodm/northbound/v1.5.0/category"


class FakeTime:
    def __init__(self):
        self.now = float(int(time.time()))  # TC3 timestamps must stay near the real time
        self.mono = 1000.0
        self.sleeps = []

    def time(self):
        return self.now

    def monotonic(self):
        return self.mono

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds
        self.mono += seconds


def describe(method, url, headers, params, data):
    action = (headers or {}).get("X-TC-Action")
    if action:
        body = json.loads(data or b"{}")
        return " ".join([action] + ["%s=%s" % (key, body[key]) for key in sorted(body)])
    query = "&".join("%s=%s" % item for item in sorted((params or {}).items()) if item[1] is not None)
    return "%s %s%s" % (method, urlsplit(url).path, "?" + query if query else "")


class Expected:
    """An HttpSession stand-in that lets only the scripted requests through, in order."""

    def __init__(self, script):
        self.real = HttpSession(timeout=10)
        self.script = list(script)
        self.sent = []

    def request(self, method, url, call, headers=None, params=None, data=None, **kwargs):
        line = describe(method, url, headers, params, data)
        index = len(self.sent)
        self.sent.append(line)
        if index >= len(self.script) or self.script[index] != line:
            pytest.fail("unexpected request #%d %r (expected %r); sent before: %s" % (
                index + 1, line, self.script[index] if index < len(self.script) else "nothing more",
                self.sent[:-1]), pytrace=False)
        return self.real.request(method, url, call, headers=headers, params=params, data=data, **kwargs)

    def close(self):
        self.real.close()

    def assert_done(self):
        assert self.sent == self.script, "scripted requests not sent: %s" % self.script[len(self.sent):]


class Platform:
    """A documented-only emulator, the connection parameters of both platforms and scripted sessions."""

    def __init__(self, tmp_path, fleet="demo:250"):
        self.server = EmulatorServer(fleet=fleet, behaviour={"documented_only": True,
                                                             "tencent_calls_per_second": 0}).start()
        self.url = self.server.url
        self.pacing_dir = str(tmp_path / "pacing")
        self.clock = FakeTime()
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
        session = Expected(script)
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
