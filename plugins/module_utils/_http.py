# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Transport tier: errors, redaction, one HTTP exchange under one overall deadline, typed field access.

Knows no platform. The platform packages build their calls on :class:`HttpSession`, turn answers into values
with :func:`parse_json` and the ``expect_*`` helpers, and raise :class:`IoTError` for everything else.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import copy
import html
import json
import re
import socket
import threading
import time
import traceback
import warnings
from typing import Any, Dict, Iterable, List, Optional
from urllib.parse import quote, quote_plus, urlsplit

REQUESTS_IMPORT_ERROR = None
try:
    import requests
    from requests import adapters as requests_adapters
    from requests import exceptions as requests_exceptions
    from urllib3 import connection as urllib3_connection
    from urllib3 import connectionpool as urllib3_connectionpool
    from urllib3 import exceptions as urllib3_exceptions
except ImportError:  # pragma: no cover - exercised only where requests is absent
    requests = None
    REQUESTS_IMPORT_ERROR = traceback.format_exc()

USER_AGENT = "iotfleet.firmware/0.2.0"
MASK = "********"
CHUNK_SIZE = 64 * 1024
SNIPPET_CHARS = 120


class IoTError(Exception):
    """An error from a platform API or the transport, safe to show once redacted.

    ``code``: the platform's error code (``1010009``, ``RequestLimitExceeded``) or a client-side one
    (``ConnectTimeout``, ``DeadlineExceeded``, ``InvalidResponse``...). ``retryable``: repeating the same call is
    harmless *and* useful. ``maybe_committed``: the request may have reached the server and been acted on
    although no (complete) answer came back; a create must be reconciled, never sent again. ``throttled``: the
    platform refused for rate before executing anything; ``retry_after`` says how long to wait when known.
    ``already_in_task``: the platform says the devices are already in a task (look it up).
    """

    def __init__(self, message: str, code: Optional[str] = None, http_status: Optional[int] = None,
                 request_id: Optional[str] = None, call: Optional[str] = None, retryable: bool = False,
                 maybe_committed: bool = False, throttled: bool = False, retry_after: Optional[float] = None,
                 already_in_task: bool = False):
        super(IoTError, self).__init__(message)
        self.message = message
        self.code = code
        self.http_status = http_status
        self.request_id = request_id
        self.call = call
        self.retryable = retryable
        self.maybe_committed = maybe_committed
        self.throttled = throttled
        self.retry_after = retry_after
        self.already_in_task = already_in_task

    def __str__(self) -> str:
        return self.message

    def to_result(self) -> Dict[str, Any]:
        """The fields a module puts next to ``msg`` in ``fail_json``."""
        result = {"error_code": self.code, "http_status": self.http_status}  # type: Dict[str, Any]
        if self.request_id:
            result["request_id"] = self.request_id
        if self.call:
            result["call"] = self.call
        return result


def invalid_response(call: str, message: str, http_status: Optional[int] = None,
                     maybe_committed: bool = False) -> IoTError:
    """The error for an answer that is not what the documentation promises: ``"<call>: <message>"``."""
    return IoTError("%s: %s" % (call, message), code="InvalidResponse", http_status=http_status, call=call,
                    maybe_committed=maybe_committed)


# ---------------------------------------------------------------------------------------------- redaction

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
        self._pattern = None  # type: Optional[Any]
        for secret in secrets:
            self.add(secret)

    def add(self, secret: Optional[str]) -> None:
        if not isinstance(secret, str) or len(secret) < self.MIN_LENGTH or secret in self._secrets:
            return
        self._secrets.append(secret)
        forms = set()
        for known in self._secrets:
            forms.update(secret_forms(known))
        # longest first so that a form containing another is masked whole
        self._pattern = re.compile("|".join(re.escape(form) for form in sorted(forms, key=len, reverse=True)))

    @property
    def secrets(self) -> List[str]:
        return list(self._secrets)

    def redact(self, text: Any) -> str:
        """``text`` (any object; bytes decoded as utf-8, ``None`` -> ``""``) as a string with secrets masked."""
        if text is None:
            return ""
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
        elif not isinstance(text, str):
            text = str(text)
        if self._pattern is None:
            return text
        return self._pattern.sub(MASK, text)

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


# ---------------------------------------------------------------------------------------------- transport

class HttpResponse:
    """A complete answer: the body is fully read and the connection released."""

    def __init__(self, status: int, headers: Dict[str, str], body: bytes, call: str = "", url: str = "",
                 elapsed: float = 0.0, redactor: Optional[Redactor] = None):
        self.status = status
        self.headers = headers
        self.body = body
        self.call = call
        self.url = url
        self.elapsed = elapsed
        self.redactor = redactor
        self._lower = dict((name.lower(), value) for name, value in headers.items())

    def header(self, name: str, default: Optional[str] = None) -> Optional[str]:
        """A header by case-insensitive name."""
        return self._lower.get(name.lower(), default)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def __repr__(self) -> str:
        return "HttpResponse(%s, %d bytes)" % (self.status, len(self.body))


class _Deadline:
    """The overall deadline of one exchange.

    requests' timeouts bound each socket read, so a server that trickles one byte per second (headers or body)
    is never timed out. A timer shuts the request's socket down at the deadline; the blocked read then fails at
    once and the caller reports ``DeadlineExceeded``.
    """

    def __init__(self, seconds: float, monotonic):
        self.seconds = seconds
        self._monotonic = monotonic
        self.expires = monotonic() + seconds
        self.fired = False
        self._finished = False
        self._connections = []  # type: List[Any]
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(seconds, 0.0), self._fire)
        self._timer.daemon = True

    def start(self) -> "_Deadline":
        self._timer.start()
        return self

    def remaining(self) -> float:
        return self.expires - self._monotonic()

    def attach(self, connection: Any) -> None:
        with self._lock:
            if connection not in self._connections:
                self._connections.append(connection)
            if self.fired:
                _shutdown(connection)

    def _fire(self) -> None:
        with self._lock:
            if self._finished:
                return
            self.fired = True
            for connection in self._connections:
                _shutdown(connection)

    def finish(self) -> None:
        with self._lock:
            self._finished = True
        self._timer.cancel()

    @property
    def exceeded(self) -> bool:
        return self.fired or self.remaining() <= 0


def _shutdown(connection: Any) -> None:
    sock = getattr(connection, "sock", None)
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except (OSError, ValueError):
            pass


_ACTIVE = threading.local()  # the _Deadline of the exchange running in this thread


def _watch(connection: Any) -> None:
    deadline = getattr(_ACTIVE, "deadline", None)
    if deadline is not None:
        deadline.attach(connection)


class _WatchMixin:
    """A urllib3 connection that registers with the running exchange's deadline (new and reused ones)."""

    def connect(self):
        _watch(self)
        return super().connect()

    def request(self, *args, **kwargs):
        _watch(self)
        return super().request(*args, **kwargs)


if requests is not None:
    class _WatchedConnection(_WatchMixin, urllib3_connection.HTTPConnection):
        pass

    class _WatchedHTTPSConnection(_WatchMixin, urllib3_connection.HTTPSConnection):
        pass

    class _WatchedPool(urllib3_connectionpool.HTTPConnectionPool):
        ConnectionCls = _WatchedConnection

    class _WatchedHTTPSPool(urllib3_connectionpool.HTTPSConnectionPool):
        ConnectionCls = _WatchedHTTPSConnection

    class _DeadlineAdapter(requests_adapters.HTTPAdapter):
        """An adapter whose connections register with the running exchange's deadline. No retries at this
        level (max_retries 0): repeating is the retry policy's decision, never urllib3's."""

        def init_poolmanager(self, *args, **kwargs):
            super(_DeadlineAdapter, self).init_poolmanager(*args, **kwargs)
            _use_watched_pools(self.poolmanager)

        def proxy_manager_for(self, proxy, **proxy_kwargs):
            manager = super(_DeadlineAdapter, self).proxy_manager_for(proxy, **proxy_kwargs)
            _use_watched_pools(manager)
            return manager


def _use_watched_pools(manager: Any) -> None:
    classes = dict(getattr(manager, "pool_classes_by_scheme", {}))
    classes.update({"http": _WatchedPool, "https": _WatchedHTTPSPool})
    manager.pool_classes_by_scheme = classes


def _never_sent(exc: BaseException) -> bool:
    """A refused or unresolvable connection never carried the request; anything else might have."""
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    if isinstance(reason, urllib3_exceptions.NewConnectionError):
        return True
    text = repr(exc)
    return any(marker in text for marker in ("NewConnectionError", "Connection refused", "NameResolutionError",
                                             "Name or service not known"))


def _short(exc: BaseException) -> str:
    """The root cause of a requests exception, without the pool/URL boilerplate."""
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    cause = reason if isinstance(reason, BaseException) else exc
    return "%s: %s" % (type(cause).__name__, cause)


def _origin(url: str) -> str:
    """scheme://host[:port] only: a query string may carry signed or secret parameters."""
    parts = urlsplit(url)
    return "%s://%s" % (parts.scheme, parts.netloc.rpartition("@")[2])


class HttpSession:
    """A ``requests`` session with TLS settings, one overall deadline per exchange and error classification.

    Every transport failure becomes an :class:`IoTError` naming the call. Redirects are not followed (no
    platform API documents one, and a redirect would carry the auth headers elsewhere); a 3xx answer is
    returned like any other status.
    """

    def __init__(self, timeout: float = 30, validate_certs: bool = True, ca_path: Optional[str] = None,
                 client_cert: Optional[str] = None, client_key: Optional[str] = None, monotonic=time.monotonic,
                 max_body_bytes: int = 16 * 1024 * 1024, redactor: Optional[Redactor] = None):
        if requests is None:
            raise IoTError("The Python library requests is required", code="MissingLibrary")
        self.timeout = float(timeout)
        self.monotonic = monotonic
        self.max_body_bytes = max_body_bytes
        self.redactor = redactor or Redactor()
        # Passed with every request: requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE override a session-level
        # ``verify`` (psf/requests#3829), which would silently ignore ca_path.
        self.verify = (ca_path or True) if validate_certs else False
        self.cert = None if not client_cert else ((client_cert, client_key) if client_key else client_cert)
        self._session = requests.Session()
        self._session.headers["User-Agent"] = USER_AGENT
        adapter = _DeadlineAdapter(max_retries=0)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)

    def request(self, method: str, url: str, call: str, headers: Optional[Dict[str, str]] = None,
                params: Any = None, data: Any = None, json_body: Any = None) -> HttpResponse:
        """One HTTP exchange with ONE overall deadline of ``timeout`` seconds for connect + send + the whole
        body. Raises IoTError(call=call, code=ConnectTimeout | ReadTimeout | DeadlineExceeded | ConnectionError
        | TLSError | RequestError | InvalidResponse (body too large))."""
        started = self.monotonic()
        deadline = _Deadline(self.timeout, self.monotonic).start()
        _ACTIVE.deadline = deadline
        response = None
        try:
            with warnings.catch_warnings():
                if self.verify is False:  # validate_certs=false was asked for: no warning on every request
                    warnings.simplefilter("ignore", urllib3_exceptions.InsecureRequestWarning)
                response = self._send(method, url, call, deadline, headers, params, data, json_body)
            body = self._read_body(response, url, call, deadline)
            return HttpResponse(response.status_code, dict(response.headers), body, call=call, url=url,
                                elapsed=self.monotonic() - started, redactor=self.redactor)
        finally:
            _ACTIVE.deadline = None
            deadline.finish()
            if response is not None:
                response.close()

    def _send(self, method, url, call, deadline, headers, params, data, json_body):
        remaining = max(deadline.remaining(), 0.001)
        try:
            return self._session.request(
                method, url, headers=headers, params=params, data=data, json=json_body, stream=True,
                timeout=(min(remaining, self.timeout), remaining), verify=self.verify, cert=self.cert,
                allow_redirects=False)
        except requests_exceptions.RequestException as exc:
            raise self._transport_error(exc, url, call, deadline, sent=None)

    def _read_body(self, response, url, call, deadline) -> bytes:
        chunks = []
        size = 0
        try:
            for chunk in response.iter_content(CHUNK_SIZE):
                size += len(chunk)
                if size > self.max_body_bytes:
                    raise invalid_response(call, "answer larger than %d bytes (HTTP %s)" % (
                        self.max_body_bytes, response.status_code), response.status_code, maybe_committed=True)
                chunks.append(chunk)
                if deadline.exceeded:
                    raise self._deadline_error(url, call, response.status_code)
        except requests_exceptions.RequestException as exc:
            raise self._transport_error(exc, url, call, deadline, sent=True, status=response.status_code)
        if deadline.fired:  # the shutdown may end a body without Content-Length silently
            raise self._deadline_error(url, call, response.status_code)
        return b"".join(chunks)

    def _deadline_error(self, url: str, call: str, status: Optional[int] = None) -> IoTError:
        got = "" if status is None else " (HTTP %s received, body incomplete)" % status
        return IoTError("%s: no complete answer from %s within %s s%s" % (call, _origin(url), _seconds(self.timeout),
                                                                          got),
                        code="DeadlineExceeded", http_status=status, call=call, retryable=True,
                        maybe_committed=True)

    def _transport_error(self, exc, url, call, deadline, sent, status=None) -> IoTError:
        """Classify a requests exception. ``sent``: True when the request certainly went out (body phase)."""
        if deadline.fired:
            return self._deadline_error(url, call, status)
        where = _origin(url)
        detail = self.redactor.redact(_short(exc))

        def error(text, code, retryable, committed):
            return IoTError("%s: %s %s: %s" % (call, text, where, detail), code=code, http_status=status, call=call,
                            retryable=retryable, maybe_committed=committed)

        if isinstance(exc, requests_exceptions.SSLError):
            return error("TLS error talking to", "TLSError", False, bool(sent))
        if isinstance(exc, requests_exceptions.ConnectTimeout):
            return error("timed out connecting to", "ConnectTimeout", True, False)
        if isinstance(exc, requests_exceptions.ReadTimeout) or _is_read_timeout(exc):
            return error("no answer within %s s from" % _seconds(self.timeout), "ReadTimeout", True, True)
        if isinstance(exc, requests_exceptions.ConnectionError):
            committed = True if sent else not _never_sent(exc)
            return error("connection failed to", "ConnectionError", True, committed)
        if isinstance(exc, (requests_exceptions.InvalidURL, requests_exceptions.MissingSchema,
                            requests_exceptions.InvalidSchema, requests_exceptions.InvalidHeader)):
            return error("invalid request for", "RequestError", False, False)
        return error("HTTP request failed to", "RequestError", True, True)

    def close(self) -> None:
        self._session.close()


def _is_read_timeout(exc: BaseException) -> bool:
    # a read timeout while streaming the body is wrapped as requests' ConnectionError
    reason = exc.args[0] if exc.args else None
    return isinstance(reason, urllib3_exceptions.ReadTimeoutError)


def _seconds(value: float) -> str:
    return ("%d" % value) if float(value).is_integer() else ("%g" % value)


# ---------------------------------------------------------------------------------------------- parsing

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
