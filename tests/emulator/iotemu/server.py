"""The HTTP(S) server: routing to the platforms and the control API, TLS, fault injection, request log.

In-process use::

    srv = EmulatorServer(fleet="demo", behaviour={"time_scale": 60}, tls=None).start()
    requests.get(srv.url + "/_emulator/health")
    srv.stop()

``tls="server"`` serves HTTPS with a fresh test CA (``ca.pem``, ``server.pem``/``server.key`` in
``tls_dir``); ``tls="mutual"`` also requires a client certificate (``client.pem`` + ``client.key``).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import re
import ssl
import struct
import sys
import tempfile
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Optional, Union
from urllib.parse import parse_qs, urlsplit

from .control import PREFIX, ControlApi
from .core import EmulatorCore
from .faults import FaultRule, apply_mutations
from .iotda import PREFIX as IOTDA_PREFIX
from .wire import Reply, Request, dumps, json_reply, text_reply

TLS_MODES = (None, "server", "mutual")
CONNECTION_TIMEOUT = 60


TRICKLE_TICK = 0.1  # fault trickle: seconds between writes when the rate allows more than one byte per write
BROKEN_ANSWERS = ("garbage", "html_error", "empty_body")
HTML_ERROR = ("<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1>"
              "</center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n")
CREATES = ("/iodm/northbound/v1.5.0/operations/firmwareUpgrade", "/iodm/northbound/v1.5.0/operations/softwareUpgrade")
IOTDA_CREATE = re.compile(r"/v5/iot/[^/]+/batchtasks")


def is_create(platform: Optional[str], request: Request) -> bool:
    """A request that creates an upgrade task (what fault slow_commit applies to)."""
    if platform == "huawei":
        return request.method == "POST" and request.path in CREATES
    if platform == "huawei_iotda":
        return request.method == "POST" and IOTDA_CREATE.fullmatch(request.path) is not None
    return platform == "tencent" and request.header("X-TC-Action") == "BatchUpdateFirmware"


def broken_answer(rule: FaultRule) -> Reply:
    """The answer of faults garbage, html_error and empty_body."""
    if rule.kind == "html_error":
        return Reply(status=502, body=HTML_ERROR.encode("utf-8"), content_type="text/html")
    return Reply(status=200, body=(rule.body or "").encode("utf-8") if rule.kind == "garbage" else b"")


def mutated(reply: Reply, changes: dict) -> Reply:
    """The reply with fault mutate's changes applied to its JSON (a non-JSON reply is left alone)."""
    try:
        payload = json.loads(reply.body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return reply
    return Reply(status=reply.status, body=dumps(apply_mutations(payload, changes)), content_type=reply.content_type,
                 headers=reply.headers, error_code=reply.error_code)


def classify(path: str) -> Optional[str]:
    """Which part of the emulator a path belongs to (None = nothing)."""
    if path.startswith(PREFIX):
        return "control"
    if path.startswith(("/iocm/", "/iodm/")):
        return "huawei"
    if path.startswith(IOTDA_PREFIX):
        return "huawei_iotda"
    if path == "/":
        return "tencent"
    return None


def _write_pem(path: str, blobs: list, private: bool = False) -> None:
    with open(path, "wb") as handle:
        for blob in blobs:
            handle.write(blob.bytes())
    if private:
        os.chmod(path, 0o600)


def make_tls_material(directory: str, mutual: bool) -> dict[str, Optional[str]]:
    """A test CA, a server certificate for 127.0.0.1/localhost and, for mutual TLS, a client certificate."""
    import trustme  # pylint: disable=import-outside-toplevel  # only needed for HTTPS

    os.makedirs(directory, exist_ok=True)
    authority = trustme.CA(organization_name="iotemu test CA")
    server = authority.issue_cert("127.0.0.1", "localhost", "::1")
    paths: dict[str, Optional[str]] = {
        "ca_path": os.path.join(directory, "ca.pem"),
        "server_cert": os.path.join(directory, "server.pem"),
        "server_key": os.path.join(directory, "server.key"),
        "client_cert": None,
        "client_key": None,
    }
    _write_pem(paths["ca_path"], [authority.cert_pem])
    _write_pem(paths["server_cert"], server.cert_chain_pems)
    _write_pem(paths["server_key"], [server.private_key_pem], private=True)
    if mutual:
        client = authority.issue_cert("client.iotemu.test", common_name="iotemu-client")
        paths["client_cert"] = os.path.join(directory, "client.pem")
        paths["client_key"] = os.path.join(directory, "client.key")
        _write_pem(paths["client_cert"], client.cert_chain_pems)
        _write_pem(paths["client_key"], [client.private_key_pem], private=True)
    return paths


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    emulator: "EmulatorServer"

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, ssl.SSLError, socket.timeout, TimeoutError)):
            return  # clients going away, failed TLS handshakes: not the emulator's problem
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "iotemu"
    sys_version = ""
    timeout = CONNECTION_TIMEOUT
    server: _HTTPServer

    # ------------------------------------------------------------------ plumbing

    def setup(self) -> None:
        super().setup()
        try:  # headers and body go out in separate writes: do not let Nagle + delayed ACK stall them
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass

    def handle(self) -> None:
        if isinstance(self.connection, ssl.SSLSocket):
            try:
                self.connection.do_handshake()  # in the worker thread, not in the accept loop
            except (ssl.SSLError, OSError):
                self.close_connection = True
                return
        super().handle()

    def log_message(self, format: str, *args: Any) -> None:  # pylint: disable=redefined-builtin
        if self.server.emulator.verbose:
            super().log_message(format, *args)

    def do_GET(self) -> None:  # pylint: disable=invalid-name
        self._dispatch()

    def do_POST(self) -> None:  # pylint: disable=invalid-name
        self._dispatch()

    def do_DELETE(self) -> None:  # pylint: disable=invalid-name
        self._dispatch()

    def do_PUT(self) -> None:  # pylint: disable=invalid-name
        self._dispatch()

    def _read(self) -> Optional[Request]:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0:
            self._send(json_reply(400, {"error": "bad Content-Length"}))
            return None
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        query = dict((key, values[0]) for key, values in parse_qs(parts.query, keep_blank_values=True).items())
        return Request(method=self.command, path=parts.path or "/", query=query, headers=self.headers, body=body,
                       client=self.client_address[0], raw_query=parts.query)

    def _send(self, reply: Reply, rate: Optional[float] = None) -> None:
        """Send the reply; with ``rate`` (fault ``trickle``) the body goes out at that many bytes per second."""
        self.send_response(reply.status)
        if reply.status != 204:
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if not reply.body or reply.status == 204:
            return
        if rate is None:
            self.wfile.write(reply.body)
            return
        self.wfile.flush()
        chunk = max(1, int(rate * TRICKLE_TICK))
        for start in range(0, len(reply.body), chunk):
            part = reply.body[start:start + chunk]
            try:
                self.wfile.write(part)
                self.wfile.flush()
            except OSError:  # the client gave up (its deadline): nothing more to send
                self.close_connection = True
                return
            if start + chunk < len(reply.body):
                time.sleep(len(part) / rate)

    def _abort(self) -> None:
        """Close the connection without an answer (RST where the platform allows it)."""
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.close_connection = True

    # ------------------------------------------------------------------ dispatch

    def _dispatch(self) -> None:
        request = self._read()
        if request is None:
            return
        emulator = self.server.emulator
        core = emulator.core
        platform = classify(request.path)
        if platform == "control":
            self._send(emulator.control.handle(request))
            return
        action = request.header("X-TC-Action") if platform == "tencent" else None
        if platform is None:
            reply = json_reply(404, {"error": "not found"})
            core.log.add("unknown", request.method, request.path, None, reply.status)
            self._send(reply)
            return
        rule = core.faults.take(platform, request.method, request.path, action, is_create(platform, request))
        kind = action if platform == "tencent" else core.platform(platform).kind_of(request)
        if rule is not None and rule.kind == "slow_commit":
            self._slow_commit(platform, request, action, rule, kind)
            return
        reply = self._run(platform, request, rule)
        fault = rule.kind if rule else None
        # logged before answering, so a client that got its answer also finds the entry
        if reply is None:
            core.log.add(platform, request.method, request.path, action, None, None, fault, kind)
            self._abort()
            return
        core.log.add(platform, request.method, request.path, action, reply.status, reply.error_code, fault, kind)
        self._send(reply, rule.rate if fault == "trickle" and rule is not None else None)

    def _slow_commit(self, platform: str, request: Request, action: Optional[str], rule: FaultRule,
                     kind: Optional[str]) -> None:
        """Accept the create, let it commit ``commit_after`` s after receipt, hold the answer ``delay`` s, drop it."""
        core = self.server.emulator.core
        entry = core.log.add(platform, request.method, request.path, action, None, None, rule.kind, kind)
        due = core.defer(platform, request, rule.commit_after, entry)
        release = time.monotonic() + rule.delay
        wait_commit = due - core.clock.real_now()
        if 0 < wait_commit < rule.delay:  # commit during the hold, so that it is visible once the connection closes
            time.sleep(wait_commit)
            core.commit_due()
        time.sleep(max(0.0, release - time.monotonic()))
        core.commit_due()
        self._abort()

    def _run(self, platform: str, request: Request, rule: Optional[FaultRule]) -> Optional[Reply]:
        """The reply to send, or None when the connection must be dropped (fault ``reset``/``drop_response``)."""
        core = self.server.emulator.core
        kind = rule.kind if rule else None
        if kind == "http_500":
            return text_reply(500, "Internal Server Error")
        if kind == "http_503":
            return text_reply(503, "Service Unavailable", {"Retry-After": "1"})
        if kind == "reset":
            return None
        if kind == "throttle":
            return core.platform(platform).throttle_reply()
        if kind in BROKEN_ANSWERS and rule is not None:
            if rule.execute:
                self._execute(platform, request)  # the work is done, the answer is broken
            return broken_answer(rule)
        if kind == "delay" and rule is not None:
            time.sleep(rule.delay)
        if kind == "expire_token":
            with core.lock:
                core.huawei.expire_tokens(request.header("app_key"))
        reply = self._execute(platform, request)
        if kind == "drop_response":
            return None  # the work is done (a task may have been created), the answer is lost
        if kind == "mutate" and rule is not None and rule.set:
            reply = mutated(reply, rule.set)
        return reply

    def _execute(self, platform: str, request: Request) -> Reply:
        core = self.server.emulator.core
        try:
            return core.handle(platform, request)
        except Exception:  # pylint: disable=broad-exception-caught  # an emulator bug must not kill the connection
            traceback.print_exc()
            if platform == "tencent":
                reply = core.tencent.error_reply("InternalError", "emulator error (see its stderr)")
            elif platform == "huawei_iotda":
                reply = json_reply(500, {"error_code": "500", "error_msg": "emulator error (see its stderr)"})
            else:
                reply = json_reply(500, {"error_code": "500", "error_desc": "emulator error (see its stderr)"})
            reply.error_code = "InternalError"
            return reply


class EmulatorServer:
    """One emulator on ``host:port`` (port 0 = any free port); ``start()`` returns self."""

    def __init__(self, fleet: Union[None, str, dict] = "demo", behaviour: Optional[dict] = None,
                 tls: Optional[str] = None, tls_dir: Optional[str] = None, host: str = "127.0.0.1", port: int = 0,
                 verbose: bool = False, clock: Optional[Callable[[], float]] = None) -> None:
        if tls == "none":
            tls = None
        if tls not in TLS_MODES:
            raise ValueError("tls must be None, 'server' or 'mutual'")
        self.core = EmulatorCore(fleet, behaviour, clock=clock)  # clock: a fake real time (tests)
        self.control = ControlApi(self.core)
        self.tls = tls
        self.host = host
        self.port = port
        self.verbose = verbose
        self._own_tls_dir = tls is not None and tls_dir is None
        self.tls_dir = tls_dir
        self.ca_path: Optional[str] = None
        self.client_cert: Optional[str] = None
        self.client_key: Optional[str] = None
        self._httpd: Optional[_HTTPServer] = None
        self._thread: Optional[threading.Thread] = None

    @property
    def url(self) -> str:
        scheme = "https" if self.tls else "http"
        host = "[%s]" % self.host if ":" in self.host else self.host
        return "%s://%s:%d" % (scheme, host, self.port)

    def _ssl_context(self) -> ssl.SSLContext:
        if self.tls_dir is None:
            self.tls_dir = tempfile.mkdtemp(prefix="iotemu-tls-")
        paths = make_tls_material(self.tls_dir, self.tls == "mutual")
        self.ca_path, self.client_cert, self.client_key = paths["ca_path"], paths["client_cert"], paths["client_key"]
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(str(paths["server_cert"]), str(paths["server_key"]))
        if self.tls == "mutual":
            context.verify_mode = ssl.CERT_REQUIRED
            context.load_verify_locations(cafile=self.ca_path)
        return context

    def start(self) -> "EmulatorServer":
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        server_class = type("_BoundHTTPServer", (_HTTPServer,), {"address_family": family})
        httpd = server_class((self.host, self.port), _Handler)
        httpd.emulator = self
        if self.tls:
            httpd.socket = self._ssl_context().wrap_socket(httpd.socket, server_side=True, do_handshake_on_connect=False)
        self.port = httpd.server_address[1]
        self._httpd = httpd
        self._thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="iotemu",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            stopper = threading.Thread(target=self._httpd.shutdown, daemon=True)
            stopper.start()
            try:  # wake the serve loop at once instead of waiting for its next poll
                socket.create_connection((self.host, self.port), timeout=1).close()
            except OSError:
                pass
            stopper.join(timeout=10)
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        if self._own_tls_dir and self.tls_dir:
            shutil.rmtree(self.tls_dir, ignore_errors=True)

    def __enter__(self) -> "EmulatorServer":
        return self.start()

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()
