"""IoTDA v5 provider tests against canned answers written in the tests (community.dns style, tests/kit/iotda.py).

``make(*calls, **options)`` builds a provider whose session is the kit's recorder (``calls``) expecting exactly
``calls``, in order: the first other request fails the test, every request's signature is checked, and the calls
not sent fail it at the end. Time is the kit's :class:`kit.clock.Clock` (``clock``), which only moves when slept:
retries and throttle waits never wait.
"""
import pytest

from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei_iotda import connection

from kit.calls import Calls
from kit.clock import Clock
from kit.credentials import IOTDA_ACCESS_KEY, IOTDA_PROJECT_ID, IOTDA_REGION, IOTDA_SECRET_KEY
from kit.iotda import signed

START = 1800000000.0  # 2027-01-15T08:00:00Z: the X-Sdk-Date of every request until the clock moves


@pytest.fixture
def clock():
    return Clock(start=START)


@pytest.fixture
def calls(clock):
    return Calls(check=signed(clock=clock))


@pytest.fixture
def make(tmp_path, clock, calls):
    """``make(*calls, **options)`` -> the provider; ``options`` on top of the connection options."""
    made = []

    def build(*expected, **options):
        calls.expect(*expected)
        params = {"access_key": IOTDA_ACCESS_KEY, "secret_key": IOTDA_SECRET_KEY, "project_id": IOTDA_PROJECT_ID,
                  "region": IOTDA_REGION, "pacing_dir": str(tmp_path / "pacing"), "timeout": 10,
                  "validate_certs": True, "api_calls_per_window": 1000, "api_window_seconds": 1.0}
        params.update(options)
        provider = connection.provider_factory(params, session=calls, sleep=clock.sleep, clock=clock.time,
                                               monotonic=clock.monotonic)
        made.append(provider)
        return provider

    yield build
    for provider in made:
        provider.close()
    calls.assert_done()
