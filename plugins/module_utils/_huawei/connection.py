# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Huawei connection options (module args, inventory options, engine): argument spec, checks, provider."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible.module_utils.basic import env_fallback

from ansible_collections.iotfleet.firmware.plugins.module_utils._errors import IoTError
from ansible_collections.iotfleet.firmware.plugins.module_utils._http import HttpSession
from ansible_collections.iotfleet.firmware.plugins.module_utils._redact import Redactor
from ansible_collections.iotfleet.firmware.plugins.module_utils._pacing import RateLimiter, TokenCache, WorkLock
from ansible_collections.iotfleet.firmware.plugins.module_utils._provider import ValidationError, blank_as_unset
from ansible_collections.iotfleet.firmware.plugins.module_utils._retry import RetryPolicy
from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei import api as hapi
from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei.provider import HuaweiProvider

DEFAULT_TIMEOUT = 30
DEFAULT_CALLS_PER_MINUTE = 100
# The platform counts calls when it receives them, the limiter when it sends them: a request that takes longer to
# arrive than the one a window earlier would be the platform's call 101 within its minute. One second of margin.
WINDOW_SECONDS = 61.0
SECRET_OPTIONS = ("secret", "access_token")
# Optional options whose empty value (AWX's blank credential fields) means "not set".
BLANK_IS_UNSET = ("access_token", "client_cert", "client_key", "ca_path")


def argument_spec():
    """The options of the ``iotfleet.firmware.huawei_iot`` doc fragment."""
    return dict(
        endpoint=dict(type="str", required=True, fallback=(env_fallback, ["HUAWEI_IOT_ENDPOINT"])),
        app_id=dict(type="str", required=True, fallback=(env_fallback, ["HUAWEI_IOT_APP_ID"])),
        secret=dict(type="str", no_log=True, fallback=(env_fallback, ["HUAWEI_IOT_SECRET"])),
        access_token=dict(type="str", no_log=True, fallback=(env_fallback, ["HUAWEI_IOT_ACCESS_TOKEN"])),
        client_cert=dict(type="path", fallback=(env_fallback, ["HUAWEI_IOT_CLIENT_CERT"])),
        client_key=dict(type="path", fallback=(env_fallback, ["HUAWEI_IOT_CLIENT_KEY"])),
        ca_path=dict(type="path", fallback=(env_fallback, ["HUAWEI_IOT_CA_PATH"])),
        validate_certs=dict(type="bool", default=True),
        timeout=dict(type="int", default=DEFAULT_TIMEOUT),
        api_calls_per_minute=dict(type="int", default=DEFAULT_CALLS_PER_MINUTE,
                                  fallback=(env_fallback, ["HUAWEI_IOT_API_CALLS_PER_MINUTE"])),
        pacing_dir=dict(type="path", fallback=(env_fallback, ["IOTFLEET_PACING_DIR"])),
        reconcile_timeout=dict(type="int"),
    )


def secrets_of(params):
    return [params[name] for name in SECRET_OPTIONS if params.get(name)]


def validate(params):
    """Every connection rule, before any request; raises :class:`ValidationError`."""
    params = blank_as_unset(params, BLANK_IS_UNSET)
    problems = []
    try:
        hapi.base_url(params.get("endpoint"))
    except IoTError as exc:
        problems.append("%s (option endpoint or HUAWEI_IOT_ENDPOINT)" % exc.message)
    if not params.get("app_id"):
        problems.append("app_id (or the HUAWEI_IOT_APP_ID environment variable) is required")
    if not params.get("access_token") and not params.get("secret"):
        problems.append("secret (or the HUAWEI_IOT_SECRET environment variable) is required unless access_token is "
                        "given")
    if params.get("client_key") and not params.get("client_cert"):
        problems.append("client_key requires client_cert (mutual TLS needs the certificate and its key)")
    for name, minimum in (("timeout", 1), ("api_calls_per_minute", 1), ("reconcile_timeout", 0)):
        value = params.get(name)
        if value is not None and value < minimum:
            problems.append("%s must be at least %d, got %s" % (name, minimum, value))
    if problems:
        raise ValidationError(problems)


def provider_from_params(params, session=None, sleep=None, clock=None, monotonic=None, limiter=None,
                         token_cache=None, on_secret=None, now=None):
    """A :class:`HuaweiProvider` for the connection options; the keyword arguments are injected by tests."""
    validate(params)
    params = blank_as_unset(params, BLANK_IS_UNSET)
    sleep = sleep or time.sleep
    clock = clock or time.time
    base = hapi.base_url(params["endpoint"])
    app_id = params["app_id"]
    timeout = params.get("timeout") or DEFAULT_TIMEOUT
    state_dir = params.get("pacing_dir") or None
    redactor = Redactor(secrets_of(params))
    if session is None:
        session = HttpSession(timeout=timeout, validate_certs=params.get("validate_certs", True),
                              ca_path=params.get("ca_path"), client_cert=params.get("client_cert"),
                              client_key=params.get("client_key"), monotonic=monotonic or time.monotonic,
                              redactor=redactor)
    if limiter is None:
        limiter = RateLimiter(hapi.limiter_key(base, app_id),
                              calls=params.get("api_calls_per_minute") or DEFAULT_CALLS_PER_MINUTE,
                              per_seconds=WINDOW_SECONDS,
                              state_dir=state_dir, clock=clock, sleep=sleep)
    if token_cache is None and not params.get("access_token"):
        token_cache = TokenCache(hapi.token_cache_key(base, app_id, params.get("secret")), state_dir=state_dir,
                                 clock=clock)
    api = hapi.HuaweiApi(params["endpoint"], app_id, session, limiter, RetryPolicy(limiter, sleep=sleep),
                         redactor, secret=params.get("secret"),
                         access_token=params.get("access_token"), token_cache=token_cache, on_secret=on_secret)
    reconcile_timeout = params.get("reconcile_timeout")
    if reconcile_timeout is None:
        reconcile_timeout = 2 * timeout
    return HuaweiProvider(api, reconcile_timeout=reconcile_timeout, now=now,
                          work_lock=WorkLock(hapi.limiter_key(base, app_id), state_dir=state_dir))
