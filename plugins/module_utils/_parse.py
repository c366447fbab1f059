# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Transport tier: answers turned into values. :func:`parse_json` reads the JSON of a complete answer, the
``expect_*`` helpers give typed field access; anything else than the documentation promises is an ``IoTError``
(code ``InvalidResponse``) naming the call and the field.

Knows no platform.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import html
import json
import re
from typing import Any, Dict, List, Optional

from ansible_collections.iotfleet.firmware.plugins.module_utils._errors import IoTError, invalid_response
from ansible_collections.iotfleet.firmware.plugins.module_utils._http import HttpResponse
from ansible_collections.iotfleet.firmware.plugins.module_utils._redact import Redactor


def parse_json(call: str, response: HttpResponse, maybe_committed: bool = False,
               redactor: Optional[Redactor] = None) -> Any:
    """The JSON value of the body. An empty body or a non-JSON one (an HTML error page) -> IoTError naming the
    call and the HTTP status (code ``InvalidResponse``, with a short snippet masked by ``redactor`` or the
    session's redactor before it is cut)."""
    status = response.status
    if not response.body.strip():
        raise invalid_response(call, "empty answer (HTTP %s)" % status, status, maybe_committed)
    try:
        return json.loads(response.text.lstrip("\ufeff"))
    except ValueError:
        pass
    masker = redactor or response.redactor or Redactor()
    kind = response.header("Content-Type") or "no content type"
    raise invalid_response(call, "answer is not JSON (HTTP %s, %s): %s" % (
        status, masker.redact(kind), masker.snippet(_visible_text(response.text))), status, maybe_committed)


def _visible_text(text: str) -> str:
    """An HTML page's text without tags, so the snippet shows the message, not the markup."""
    if "<" not in text:
        return text
    text = re.sub(r"(?is)<(script|style)\b.*?</\1\s*>", " ", text)
    return html.unescape(re.sub(r"<[^>]*>", " ", text))


_TYPE_NAMES = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", int: "an integer",
               float: "a number", type(None): "null"}


def _type_name(value: Any) -> str:
    return _TYPE_NAMES.get(type(value), type(value).__name__)


def _field(key: str, where: Optional[str]) -> str:
    return "%s.%s" % (where, key) if where else key


def expect_dict(call: str, value: Any, name: str) -> Dict[str, Any]:
    """``value`` itself, which must be an object; ``name`` says what it is ("Response", "data[3]")."""
    if not isinstance(value, dict):
        raise invalid_response(call, "%s is %s, expected an object" % (name, _type_name(value)))
    return value


def _lookup(call: str, obj: Any, key: str, required: bool, where: Optional[str], expected: str):
    """``(value, name)`` of ``obj[key]``; missing or null is an error when ``required``, else value None."""
    value = expect_dict(call, obj, where or "the answer").get(key)
    name = _field(key, where)
    if value is None and required:
        raise invalid_response(call, "field '%s' is %s, expected %s" % (
            name, "missing" if key not in obj else "null", expected))
    return value, name


def _wrong_type(call: str, name: str, found: str, expected: str) -> IoTError:
    return invalid_response(call, "field '%s' is %s, expected %s" % (name, found, expected))


def expect_list(call: str, obj: Dict[str, Any], key: str, required: bool = True,
                where: Optional[str] = None) -> List[Any]:
    """``obj[key]`` as a list. Missing or null: an error when ``required`` (never read as "empty"), else []."""
    value, name = _lookup(call, obj, key, required, where, "a list")
    if value is None:
        return []
    if not isinstance(value, list):
        raise _wrong_type(call, name, _type_name(value), "a list")
    return value


def expect_dict_list(call: str, obj: Dict[str, Any], key: str, required: bool = True,
                     where: Optional[str] = None) -> List[Dict[str, Any]]:
    """``obj[key]`` as a list of objects (each item checked, named ``key[i]``)."""
    items = expect_list(call, obj, key, required, where)
    return [expect_dict(call, item, "%s[%d]" % (_field(key, where), index)) for index, item in enumerate(items)]


_INT_STRING = re.compile(r"^[+-]?[0-9]+$")


def expect_int(call: str, obj: Dict[str, Any], key: str, required: bool = True, minimum: Optional[int] = None,
               where: Optional[str] = None) -> Optional[int]:
    """``obj[key]`` as an int: JSON integers and strings of digits only (no booleans, no fractions)."""
    value, name = _lookup(call, obj, key, required, where, "an integer")
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and _INT_STRING.match(value.strip()):
        number = int(value.strip())
    else:
        raise _wrong_type(call, name, _describe(value), "an integer")
    if minimum is not None and number < minimum:
        raise invalid_response(call, "field '%s' is %d, expected at least %d" % (name, number, minimum))
    return number


def expect_str(call: str, obj: Dict[str, Any], key: str, required: bool = True,
               where: Optional[str] = None) -> Optional[str]:
    """``obj[key]`` as a string (numbers converted). Missing, null or empty: an error when ``required``."""
    value, name = _lookup(call, obj, key, required, where, "a string")
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise _wrong_type(call, name, _type_name(value), "a string")
    if required and not value:
        raise _wrong_type(call, name, "empty", "a string")
    return value


def expect_bool(call: str, obj: Dict[str, Any], key: str, required: bool = True,
                where: Optional[str] = None) -> Optional[bool]:
    """``obj[key]`` as a JSON boolean."""
    value, name = _lookup(call, obj, key, required, where, "a boolean")
    if value is None:
        return None
    if not isinstance(value, bool):
        raise _wrong_type(call, name, _type_name(value), "a boolean")
    return value


def _describe(value: Any) -> str:
    """The type, plus the value for short scalars (never a whole object: it may be large)."""
    if isinstance(value, (str, int, float)) and not isinstance(value, bool) and len(str(value)) <= 40:
        return "%s %s" % (_type_name(value), json.dumps(value))
    return _type_name(value)
