# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Transport tier: secret redaction. :class:`Redactor` masks every secret in every encoding it can take, in texts,
errors and result data; :func:`secret_forms` lists those encodings.

Knows no platform and no HTTP library.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import copy
import html
import json
import re
import threading
from typing import Any, Iterable, List, Optional
from urllib.parse import quote, quote_plus

from ansible_collections.iotfleet.firmware.plugins.module_utils._errors import IoTError

MASK = "********"
SNIPPET_CHARS = 120


def _url_forms(secret: str) -> List[str]:
    forms = [quote(secret, safe=""), quote(secret), quote_plus(secret), quote_plus(secret, safe="/")]
    forms += [quote(form, safe="") for form in list(forms)]  # double-encoded (a gateway quoting a query)
    return forms


def _json_forms(secret: str) -> List[str]:
    return [json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1]]


def _repr_forms(secret: str) -> List[str]:
    # exception texts carry reprs of str and of the utf-8 bytes
    return [repr(secret)[1:-1], repr(secret.encode("utf-8"))[2:-1]]


def _base64_forms(secret: str) -> List[str]:
    """Base64 of the raw value, plus the part that is the same wherever the value sits in a longer encoded
    string (``app:secret`` in a Basic header): for each of the 3 alignments, the 4-char groups made only of
    the value's bytes."""
    raw = secret.encode("utf-8")
    forms = []
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        whole = encode(raw).decode("ascii")
        forms += [whole, whole.rstrip("=")]
        for offset in (0, 1, 2):
            skip = (3 - offset) % 3  # value bytes that share a group with what comes before
            usable = (len(raw) - skip) // 3 * 3
            if usable >= 6:
                forms.append(encode(raw[skip:skip + usable]).decode("ascii"))
    return forms


def secret_forms(secret: str) -> List[str]:
    """Every encoding of ``secret`` that the redactor masks (upper and lower-case hex included)."""
    forms = [secret, html.escape(secret), html.escape(secret, quote=False)]
    forms += _url_forms(secret) + _json_forms(secret) + _repr_forms(secret) + _base64_forms(secret)
    forms += [form.replace("/", "\\/") for form in list(forms)]  # JSON writers that escape the solidus
    forms += [re.sub(r"%[0-9A-F]{2}", lambda match: match.group(0).lower(), form) for form in list(forms)]
    forms += [re.sub(r"\\u[0-9a-f]{4}", lambda match: "\\u" + match.group(0)[2:].upper(), form) for form in list(forms)]
    return sorted(set(form for form in forms if len(form) >= Redactor.MIN_LENGTH), key=len, reverse=True)


class Redactor:
    """Masks every secret in every encoding it can take: raw, URL-encoded (``quote`` and ``quote_plus``, upper
    and lower-case hex, double-encoded), JSON-escaped (``ensure_ascii`` both ways, ``\\/``), HTML-escaped,
    Python reprs, base64 of the raw value (also inside a longer base64 string), form-encoded ``key=value``.
    Secrets shorter than 4 characters are ignored (they would mask everything)."""

    MIN_LENGTH = 4

    def __init__(self, secrets: Iterable[Optional[str]] = ()):
        self._secrets = []  # type: List[str]
        self._known = set()  # the secrets, for a quick "already known"
        self._forms = set()  # every form of every secret
        self._pattern = None  # type: Optional[Any]
        self._stale = False
        self._lock = threading.Lock()  # add() and the compile may run in different threads
        for secret in secrets:
            self.add(secret)

    def add(self, secret: Optional[str]) -> None:
        """Mask ``secret`` from now on. Cheap: the pattern is compiled when a text is next redacted (a rollout may
        add a device secret per per-device read, thousands of them, and redacts only on error paths)."""
        if not isinstance(secret, str) or len(secret) < self.MIN_LENGTH:
            return
        forms = secret_forms(secret)
        with self._lock:
            if secret in self._known:
                return
            self._secrets.append(secret)
            self._known.add(secret)
            self._forms.update(forms)
            self._stale = True

    def _compiled(self) -> Optional[Any]:
        with self._lock:
            if self._stale:
                # longest first so that a form containing another is masked whole
                self._pattern = re.compile("|".join(re.escape(form)
                                                    for form in sorted(self._forms, key=len, reverse=True)))
                self._stale = False
            return self._pattern

    @property
    def secrets(self) -> List[str]:
        with self._lock:
            return list(self._secrets)

    def redact(self, text: Any) -> str:
        """``text`` (any object; bytes decoded as utf-8, ``None`` -> ``""``) as a string with secrets masked."""
        if text is None:
            return ""
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
        elif not isinstance(text, str):
            text = str(text)
        pattern = self._compiled()
        if pattern is None:
            return text
        return pattern.sub(MASK, text)

    def snippet(self, text: Any, limit: int = SNIPPET_CHARS) -> str:
        """A short one-line excerpt, masked *before* it is cut (a cut secret would no longer match)."""
        flat = " ".join(self.redact(text).split())
        return flat if len(flat) <= limit else flat[:limit] + "..."

    def redact_error(self, exc: IoTError) -> IoTError:
        """Masks the message (and ``args``, ``call``, ``request_id``) of ``exc`` in place; returns it."""
        exc.message = self.redact(exc.message)
        exc.args = tuple(self.redact(arg) if isinstance(arg, (str, bytes)) else arg for arg in exc.args)
        for name in ("call", "request_id", "code"):
            value = getattr(exc, name, None)
            if isinstance(value, str):
                setattr(exc, name, self.redact(value))
        return exc

    def redact_data(self, data: Any) -> Any:
        """A deep copy of ``data`` (dicts, lists, tuples, sets) with every string, keys included, masked."""
        if isinstance(data, (str, bytes)):
            return self.redact(data)
        if isinstance(data, dict):
            return dict((self.redact_data(key), self.redact_data(value)) for key, value in data.items())
        if isinstance(data, (list, tuple, set, frozenset)):
            return type(data)(self.redact_data(item) for item in data)
        return copy.deepcopy(data)
