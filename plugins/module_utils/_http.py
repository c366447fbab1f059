# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Transport tier: one HTTP exchange under one overall deadline (:class:`HttpSession`, :class:`HttpResponse`).

Knows no platform. The platform packages build their calls on :class:`HttpSession`, turn answers into values with
``_parse`` (``parse_json`` and the ``expect_*`` helpers), and raise ``_errors.IoTError`` for everything else; every
transport failure is an ``IoTError`` naming the call, its message masked by the session's ``_redact.Redactor``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import socket
import threading
import time
import traceback
import warnings
from typing import Any, Dict, List, Optional
from urllib.parse import urlsplit

from ansible_collections.iotfleet.firmware.plugins.module_utils._errors import IoTError, invalid_response
from ansible_collections.iotfleet.firmware.plugins.module_utils._redact import Redactor

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
CHUNK_SIZE = 64 * 1024


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
        self._connections: List[Any] = []
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
