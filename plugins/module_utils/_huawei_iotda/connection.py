# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Huawei Cloud IoTDA v5 connection options: argument spec, checks, and the provider built from them.

The credentials' environment fallbacks are the names Huawei's SDK reads (``huaweicloudsdkcore``
``auth/provider.py``: ``HUAWEICLOUD_SDK_AK``, ``HUAWEICLOUD_SDK_SK``, ``HUAWEICLOUD_SDK_PROJECT_ID``,
``HUAWEICLOUD_SDK_SECURITY_TOKEN``). The SDK reads no region variable; ``HW_REGION_NAME`` is the one of Huawei
Cloud's Terraform provider.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import time

from ansible.module_utils.basic import env_fallback

from ansible_collections.iotfleet.firmware.plugins.module_utils._http import HttpSession
from ansible_collections.iotfleet.firmware.plugins.module_utils._redact import Redactor
from ansible_collections.iotfleet.firmware.plugins.module_utils._pacing import RateLimiter, WorkLock
from ansible_collections.iotfleet.firmware.plugins.module_utils._provider import ValidationError, blank_as_unset
from ansible_collections.iotfleet.firmware.plugins.module_utils._retry import RetryPolicy
from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei_iotda import api as iapi
from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei_iotda.provider import HuaweiIotdaProvider

DEFAULT_TIMEOUT = 30
SECRET_OPTIONS = ("secret_key", "security_token")
# Optional options whose empty value (AWX's blank credential fields) means "not set".
BLANK_IS_UNSET = ("security_token", "endpoint", "instance_id", "ca_path")
REGION_RE = re.compile(r"^[a-z]{2}(-[a-z0-9]+)+$")  # cn-north-4, ap-southeast-1, la-south-2 ...
# spec silent on the project and instance id formats; they go into a path and a header: no spaces or "/"
PROJECT_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
INSTANCE_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def argument_spec():
    """The connection options, for ``AnsibleModule(argument_spec=...)``."""
    return dict(
        access_key=dict(type="str", required=True, no_log=False, fallback=(env_fallback, ["HUAWEICLOUD_SDK_AK"])),
        secret_key=dict(type="str", required=True, no_log=True, fallback=(env_fallback, ["HUAWEICLOUD_SDK_SK"])),
        security_token=dict(type="str", no_log=True, fallback=(env_fallback, ["HUAWEICLOUD_SDK_SECURITY_TOKEN"])),
        project_id=dict(type="str", required=True, fallback=(env_fallback, ["HUAWEICLOUD_SDK_PROJECT_ID"])),
        region=dict(type="str", required=True, fallback=(env_fallback, ["HW_REGION_NAME"])),
        endpoint=dict(type="str", fallback=(env_fallback, ["IOTFLEET_IOTDA_ENDPOINT"])),
        instance_id=dict(type="str", fallback=(env_fallback, ["IOTFLEET_IOTDA_INSTANCE_ID"])),
        ca_path=dict(type="path", fallback=(env_fallback, ["IOTFLEET_IOTDA_CA_PATH"])),
        validate_certs=dict(type="bool", default=True),
        timeout=dict(type="int", default=DEFAULT_TIMEOUT),
        api_calls_per_window=dict(type="int", default=iapi.CALLS_PER_WINDOW,
                                  fallback=(env_fallback, ["IOTFLEET_IOTDA_CALLS_PER_WINDOW"])),
        api_window_seconds=dict(type="float", default=iapi.WINDOW_SECONDS,
                                fallback=(env_fallback, ["IOTFLEET_IOTDA_WINDOW_SECONDS"])),
        pacing_dir=dict(type="path", fallback=(env_fallback, ["IOTFLEET_PACING_DIR"])),
        reconcile_timeout=dict(type="int"),
    )


def secrets_of(params):
    return [params[name] for name in SECRET_OPTIONS if params.get(name)]


def validate(params):
    """Every connection problem as a sentence naming the option and rule; raises ValidationError, sends nothing."""
    params = blank_as_unset(params, BLANK_IS_UNSET)
    problems = []
    for name, env in (("access_key", "HUAWEICLOUD_SDK_AK"), ("secret_key", "HUAWEICLOUD_SDK_SK"),
                      ("project_id", "HUAWEICLOUD_SDK_PROJECT_ID"), ("region", "HW_REGION_NAME")):
        value = params.get(name)
        if not value:
            problems.append("%s is required (or the %s environment variable)" % (name, env))
        elif value != value.strip():
            problems.append("%s has leading or trailing spaces" % name)
    region = params.get("region")
    if region and region == region.strip() and not REGION_RE.match(region):
        problems.append("region must be a Huawei Cloud region id such as cn-north-4, got %r" % region)
    project_id = params.get("project_id")
    if project_id and project_id == project_id.strip() and not PROJECT_RE.match(project_id):
        problems.append("project_id must be 1 to 64 letters, digits, _ or -")
    instance_id = params.get("instance_id")
    if instance_id is not None and not INSTANCE_RE.match(instance_id):
        problems.append("instance_id must be 1 to 64 letters, digits, _ or -")
    try:
        iapi.parse_endpoint(params.get("endpoint"), region or "cn-north-4")
    except ValueError as exc:
        problems.append(str(exc))
    for name, low in (("timeout", 1), ("api_calls_per_window", 1), ("reconcile_timeout", 0)):
        value = params.get(name)
        if value is not None and value < low:
            problems.append("%s must be at least %d, got %s" % (name, low, value))
    window = params.get("api_window_seconds")
    if window is not None and not window > 0:
        problems.append("api_window_seconds must be more than 0, got %s" % window)
    if problems:
        raise ValidationError(problems)


def reconcile_timeout(params):
    """Seconds a maybe-committed create is looked up: the option, else twice the request timeout."""
    if params.get("reconcile_timeout") is not None:
        return params["reconcile_timeout"]
    return 2 * (params.get("timeout") or DEFAULT_TIMEOUT)


def provider_from_params(params, on_secret=None, session=None, sleep=time.sleep, clock=time.time,
                         monotonic=time.monotonic, limiter=None, token_cache=None):
    """A :class:`HuaweiIotdaProvider` for the connection options (checked first); the keyword arguments are injected
    by tests. ``token_cache`` is unused (AK/SK signing has no token); ``on_secret`` is unused as well: no secret is
    obtained at run time (the given ones are in ``provider.secrets``)."""
    del token_cache, on_secret
    validate(params)
    params = blank_as_unset(params, BLANK_IS_UNSET)
    region = params["region"]
    scheme, host = iapi.parse_endpoint(params.get("endpoint"), region)
    timeout = params.get("timeout") or DEFAULT_TIMEOUT
    state_dir = params.get("pacing_dir") or None
    redactor = Redactor(secrets_of(params))
    if session is None:
        session = HttpSession(timeout=timeout, validate_certs=params.get("validate_certs", True),
                              ca_path=params.get("ca_path"), monotonic=monotonic, redactor=redactor)
    key = iapi.limiter_key(scheme, host, params["access_key"])
    if limiter is None:
        limiter = RateLimiter(key, calls=params.get("api_calls_per_window") or iapi.CALLS_PER_WINDOW,
                              per_seconds=params.get("api_window_seconds") or iapi.WINDOW_SECONDS,
                              state_dir=state_dir, clock=clock, sleep=sleep)
    api = iapi.IotdaApi(params["access_key"], params["secret_key"], params["project_id"], region, session, limiter,
                        RetryPolicy(limiter, sleep=sleep), redactor, endpoint=params.get("endpoint"),
                        instance_id=params.get("instance_id"), security_token=params.get("security_token"),
                        clock=clock)
    work_lock = WorkLock("%s|%s|%s" % (key, params["project_id"], params.get("instance_id") or ""),
                         state_dir=state_dir)
    return HuaweiIotdaProvider(api, reconcile_timeout=reconcile_timeout(params), work_lock=work_lock)


def provider_factory(params, on_secret=None, **injected):
    """What the generic module bodies call: validate the connection options, then build the provider."""
    return provider_from_params(params, on_secret=on_secret, **injected)
