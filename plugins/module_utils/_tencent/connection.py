# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Connection options of the Tencent modules (doc fragment ``iotfleet.firmware.tencent_iot``) and the provider
built from them. The same names and environment fallbacks are used by every plugin of the collection."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible.module_utils.basic import env_fallback

from ansible_collections.iotfleet.firmware.plugins.module_utils._pacing import WorkLock
from ansible_collections.iotfleet.firmware.plugins.module_utils._provider import ValidationError, blank_as_unset
from ansible_collections.iotfleet.firmware.plugins.module_utils._tencent.api import (
    TencentApi,
    limiter_key,
    parse_endpoint,
)
from ansible_collections.iotfleet.firmware.plugins.module_utils._tencent.provider import TencentProvider
from ansible_collections.iotfleet.firmware.plugins.module_utils._tencent.signing import DEFAULT_ENDPOINT

DEFAULT_TIMEOUT = 30
# Optional options whose empty value (AWX's blank credential fields) means "not set" (endpoint: the default).
BLANK_IS_UNSET = ("session_token", "endpoint", "ca_path")


def argument_spec():
    """The connection options, for ``AnsibleModule(argument_spec=...)``."""
    return dict(
        secret_id=dict(type="str", required=True, fallback=(env_fallback, ["TENCENTCLOUD_SECRET_ID"])),
        secret_key=dict(type="str", required=True, no_log=True, fallback=(env_fallback, ["TENCENTCLOUD_SECRET_KEY"])),
        session_token=dict(type="str", no_log=True,
                           fallback=(env_fallback, ["TENCENTCLOUD_SESSION_TOKEN", "TENCENTCLOUD_SECURITY_TOKEN"])),
        region=dict(type="str", required=True, fallback=(env_fallback, ["TENCENTCLOUD_REGION"])),
        endpoint=dict(type="str", default=DEFAULT_ENDPOINT, fallback=(env_fallback, ["IOTFLEET_TENCENT_ENDPOINT"])),
        ca_path=dict(type="path", fallback=(env_fallback, ["TENCENTCLOUD_CA_PATH"])),
        validate_certs=dict(type="bool", default=True),
        timeout=dict(type="int", default=DEFAULT_TIMEOUT),
        # unset: each action at its documented limit (_tencent/limits.py); set: every action at most this
        api_calls_per_second=dict(type="int", fallback=(env_fallback, ["TENCENT_IOT_API_CALLS_PER_SECOND"])),
        pacing_dir=dict(type="path", fallback=(env_fallback, ["IOTFLEET_PACING_DIR"])),
        reconcile_timeout=dict(type="int"),
    )


def validate(params):
    """Every connection problem as a sentence naming the option; raises ValidationError, sends nothing."""
    params = blank_as_unset(params, BLANK_IS_UNSET)
    problems = []
    for name in ("secret_id", "secret_key", "region"):
        value = params.get(name)
        if not value:
            problems.append("%s is required (or its environment variable)" % name)
        elif value != value.strip():
            problems.append("%s has leading or trailing spaces" % name)
    try:
        parse_endpoint(params.get("endpoint"))
    except ValueError as exc:
        problems.append(str(exc))
    for name, low in (("timeout", 1), ("api_calls_per_second", 1), ("reconcile_timeout", 0)):
        value = params.get(name)
        if value is not None and value < low:
            problems.append("%s must be at least %d, got %s" % (name, low, value))
    if problems:
        raise ValidationError(problems)


def reconcile_timeout(params):
    """Seconds a maybe-committed create is looked up: the option, else twice the request timeout."""
    if params.get("reconcile_timeout") is not None:
        return params["reconcile_timeout"]
    return 2 * (params.get("timeout") or DEFAULT_TIMEOUT)


def provider_from_params(params, session=None, sleep=time.sleep, clock=time.time, monotonic=time.monotonic,
                         limiter=None, token_cache=None, on_secret=None):
    """A :class:`TencentProvider` for validated connection params (``token_cache`` unused: no tokens here)."""
    params = blank_as_unset(params, BLANK_IS_UNSET)
    api = TencentApi(
        secret_id=params["secret_id"], secret_key=params["secret_key"], region=params["region"],
        endpoint=params.get("endpoint") or DEFAULT_ENDPOINT, session_token=params.get("session_token"),
        timeout=params.get("timeout") or DEFAULT_TIMEOUT, validate_certs=params.get("validate_certs", True),
        ca_path=params.get("ca_path"), calls_per_second=params.get("api_calls_per_second") or None,
        pacing_dir=params.get("pacing_dir"), session=session, limiter=limiter, clock=clock, sleep=sleep,
        monotonic=monotonic)
    pacing_dir = params.get("pacing_dir")

    def work_locks(product_id):
        return WorkLock("%s|%s" % (limiter_key(api.url, api.secret_id), product_id), state_dir=pacing_dir)

    return TencentProvider(api, reconcile_timeout=reconcile_timeout(params), work_locks=work_locks)


def provider_factory(params, on_secret=None, **injected):
    """What the generic module bodies call: validate the connection options, then build the provider."""
    validate(params)
    return provider_from_params(params, on_secret=on_secret, **injected)
