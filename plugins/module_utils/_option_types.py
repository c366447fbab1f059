# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Option values converted to the types of an argument spec, with errors that name the option.

ansible-core's own converters (``DEFAULT_TYPE_VALIDATORS``) do the conversions, so a value is accepted exactly
when AnsibleModule accepts it. Two callers:

* the modules (``_module/_ansible_module.py``): AnsibleModule reports a dict option with suboptions that was given
  as a string with the bare ``dictionary requested, could not parse JSON or key=value``, without the option's name
  (ansible-core lists the suboptions' no_log values first, with an unnamed ``check_type_dict``);
* the controller's rollout engine, which passes options such as ``huawei_policy`` to a platform's ``validate``
  without AnsibleModule: the suboptions arrive as given.

Every error reads ``<option>: <what ansible-core says was expected> (got <value>)``, the option as a path
(``policy.retry_times``, ``targets.devices[2]``); for a no_log option ``<option>: expected <type> (the value is not
shown: no_log)``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.common.parameters import DEFAULT_TYPE_VALIDATORS

_SHOWN = 60  # characters of a wrong value quoted in an error
_SAID = 200  # characters of ansible-core's message (from 2.19 on it quotes the value too)


def _cut(text, length):
    return text if len(text) <= length else text[:length - 3] + "..."


def _convert_one(wanted, value):
    """``value`` as ``wanted`` (a type name of an argument spec, or a callable); raises TypeError / ValueError."""
    if callable(wanted):
        return wanted(value)
    checker = DEFAULT_TYPE_VALIDATORS.get(wanted or "str")
    if checker is None:  # a type name ansible-core does not know: AnsibleModule reports that spec error itself
        return value
    return checker(value)


def _error(path, wanted, exc, value, no_log):
    if no_log:  # ansible-core's message may quote the value
        return "%s: expected %s (the value is not shown: no_log)" % (path, getattr(wanted, "__name__", wanted))
    return "%s: %s (got %s)" % (path, _cut("%s" % exc, _SAID), _cut(repr(value), _SHOWN))


def convert(spec, params, prefix="", no_log=False):
    """``(converted, errors)``: ``params`` with every option of ``spec`` converted to its ``type``, its list
    ``elements`` and, for a dict (or a list of dicts) with ``options``, its suboptions, as AnsibleModule converts
    them.

    ``errors`` names each option that could not be converted (``prefix`` + name). ``params`` is not changed;
    options that ``spec`` does not know and ``None`` values are left as they are (unknown options, required
    options and defaults are the callers' concern). ``no_log``: the values are secret (a no_log parent option).
    """
    converted = dict(params)
    errors = []
    for name, option in spec.items():
        value = converted.get(name)
        if value is None:
            continue
        path = prefix + name
        secret = no_log or bool(option.get("no_log"))
        wanted = option.get("type", "str")
        try:
            value = _convert_one(wanted, value)
        except (TypeError, ValueError) as exc:
            errors.append(_error(path, wanted, exc, value, secret))
            continue
        if option.get("type") == "list" and option.get("elements"):
            value, element_errors = _convert_elements(option, value, path, secret)
            errors.extend(element_errors)
        elif option.get("type") == "dict" and option.get("options"):
            value, sub_errors = convert(option["options"], value, path + ".", secret)
            errors.extend(sub_errors)
        converted[name] = value
    return converted, errors


def _convert_elements(option, values, path, no_log):
    out, errors = [], []
    for index, value in enumerate(values):
        where = "%s[%d]" % (path, index)
        try:
            value = _convert_one(option["elements"], value)
        except (TypeError, ValueError) as exc:
            errors.append(_error(where, option["elements"], exc, value, no_log))
            continue
        if option["elements"] == "dict" and option.get("options"):
            value, sub_errors = convert(option["options"], value, where + ".", no_log)
            errors.extend(sub_errors)
        out.append(value)
    return out, errors


def no_log_values(spec, params):
    """The values of the no_log options of ``spec`` in ``params`` (into suboptions), as the texts to hide.

    AnsibleModule collects them itself, but not at all when a dict option with suboptions was given a string that
    is not a dict: the collection stops at that option and the module would fail with every secret in clear text.
    """
    found = set()
    for name, option in spec.items():
        value = params.get(name) if isinstance(params, dict) else None
        if value is None:
            continue
        if option.get("no_log"):
            found.update(_texts(value))
        elif option.get("options"):
            for item in (value if isinstance(value, list) else [value]):
                if isinstance(item, dict):
                    found.update(no_log_values(option["options"], item))
    return found


def _texts(value):
    if isinstance(value, dict):
        return set(text for item in value.values() for text in _texts(item))
    if isinstance(value, (list, tuple, set)):
        return set(text for item in value for text in _texts(item))
    if isinstance(value, bool) or value is None:
        return set()
    text = "%s" % value
    return set([text]) if text else set()
