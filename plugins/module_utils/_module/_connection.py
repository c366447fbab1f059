# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The edge of a generic module body: build the provider, run the body, then exactly one exit or fail.

Every result, error message and warning goes through one :class:`Redactor` holding the module's ``no_log``
values and every secret the provider holds; secrets obtained at run time (tokens) are added to
``module.no_log_values`` as they appear. An :class:`IoTError` or :class:`ValidationError` never becomes a traceback.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from typing import Any, Callable, Dict, List, Optional

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.iotfleet.firmware.plugins.module_utils._errors import IoTError
from ansible_collections.iotfleet.firmware.plugins.module_utils._http import REQUESTS_IMPORT_ERROR
from ansible_collections.iotfleet.firmware.plugins.module_utils._redact import Redactor
from ansible_collections.iotfleet.firmware.plugins.module_utils._provider import Provider, ValidationError

Body = Callable[[Provider, List[str]], Dict[str, Any]]
ProviderFactory = Callable[..., Provider]


class ModuleFailure(Exception):
    """A failure the body decides on (busy devices, a task that cannot be stopped): message plus result keys."""

    def __init__(self, msg: str, **result: Any):
        super(ModuleFailure, self).__init__(msg)
        self.msg = msg
        self.result = result


def run_body(module, provider_factory: ProviderFactory, body: Body) -> None:
    """``body(provider, warnings) -> result``; exits the module (never returns)."""
    if REQUESTS_IMPORT_ERROR:
        module.fail_json(msg=missing_required_lib("requests"), exception=REQUESTS_IMPORT_ERROR)
    warnings = []  # type: List[str]
    provider = None  # type: Optional[Provider]

    def on_secret(value):
        if value:
            module.no_log_values.add(value)

    try:
        try:
            provider = provider_factory(module.params, on_secret=on_secret)
            result = body(provider, warnings)
        except ValidationError as exc:
            _leave(module, provider, warnings, dict(msg="Invalid options: %s" % exc, errors=exc.errors), failed=True)
        except IoTError as exc:
            fields = exc.to_result()
            fields["msg"] = getattr(exc, "message", None) or str(exc)
            _leave(module, provider, warnings, fields, failed=True)
        except ModuleFailure as exc:
            _leave(module, provider, warnings, dict(exc.result, msg=exc.msg), failed=True)
        if not module._diff:
            result.pop("diff", None)
        _leave(module, provider, warnings, result)
    finally:
        if provider is not None:
            provider.close()


def call_stats(provider: Optional[Provider]) -> Dict[str, Any]:
    """``api_calls`` (requests sent), ``throttle_waits`` (throttle answers waited out) and ``retries`` (the
    requests that repeated an earlier attempt, as ``call_log`` entries)."""
    if provider is None:
        return {"api_calls": 0, "throttle_waits": 0, "retries": []}
    log = provider.call_log
    return {
        "api_calls": len(log),
        "throttle_waits": provider.throttle_waits,
        "retries": [dict(entry) for entry in log if (entry.get("attempt") or 1) > 1],
    }


def _leave(module, provider: Optional[Provider], warnings: List[str], result: Dict[str, Any], failed=False) -> None:
    secrets = list(module.no_log_values)
    if provider is not None:
        secrets.extend(provider.secrets)
        module.no_log_values.update(secret for secret in provider.secrets if secret)
    redactor = Redactor(secrets)
    for warning in warnings:
        module.warn(redactor.redact(warning))
    result = dict(result, **call_stats(provider))
    result = redactor.redact_data(result)
    if failed:
        module.fail_json(**result)
    module.exit_json(**result)
