"""Transport tier: overall deadline, error classes, parsing, typed field access, redaction (_http, _errors,
_parse, _redact)."""
import base64
import json
import socket
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote, quote_plus

import pytest

from ansible_collections.iotfleet.firmware.plugins.module_utils import _http, _redact
from ansible_collections.iotfleet.firmware.plugins.module_utils._errors import IoTError
from ansible_collections.iotfleet.firmware.plugins.module_utils._http import (
    HttpResponse,
    HttpSession,
)
from ansible_collections.iotfleet.firmware.plugins.module_utils._parse import (
    expect_bool,
    expect_dict,
    expect_dict_list,
    expect_int,
    expect_list,
    expect_str,
    parse_json,
)
from ansible_collections.iotfleet.firmware.plugins.module_utils._redact import Redactor

SECRET = 'p@ss w+rd/"\u00e9\\'
CALL = "Test GET /thing"


def encodings(secret):
    """Written independently of the code under test, so a missing form makes the tests fail."""
    url = [quote(secret, safe=""), quote(secret), quote_plus(secret)]
    forms = [secret, json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1],
             base64.b64encode(secret.encode("utf-8")).decode("ascii")]
    forms += url + [form.lower() for form in url]
    assert "p%40ss+w%2Brd" in forms[-4]  # the quote_plus form the issue saw leaking
    return forms


def assert_no_secret(text):
    for form in encodings(SECRET):
        assert form not in text, form


# ------------------------------------------------------------------------------------------- local server

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _answer(self, status, body, content_type="application/json", headers=()):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _trickle(self, data, every):
        for index in range(len(data)):
            try:
                self.wfile.write(data[index:index + 1])
                self.wfile.flush()
            except OSError:
                return
            time.sleep(every)

    def do_GET(self):
        self.server.paths.append(self.path)
        route = self.path.split("?")[0]
        if route == "/json":
            self._answer(200, b'{"a": 1}', headers=[("X-Request-Id", "r-1")])
        elif route == "/html":
            page = "<html><head><title>502</title><style>p{}</style></head><body><h1>Bad Gateway</h1>" \
                   "<p>upstream said: secret=%s</p></body></html>" % quote_plus(SECRET)
            self._answer(502, page.encode("utf-8"), "text/html")
        elif route == "/empty":
            self._answer(503, b"", "text/plain")
        elif route == "/trickle-body":
            body = json.dumps({"data": "x" * 60}).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.flush()
            self._trickle(body, 0.1)
        elif route == "/trickle-headers":
            self._trickle(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Padding: " + b"y" * 60, 0.1)
        elif route == "/stall":
            time.sleep(1.5)
            self._answer(200, b"{}")
        elif route == "/redirect":
            self._answer(302, b"", headers=[("Location", "http://127.0.0.1:1/elsewhere")])
        elif route == "/large":
            self._answer(200, b"[" + b"1," * 50000 + b"1]")
        else:
            self._answer(404, b'{"error": "not found"}')

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        self.server.paths.append(self.path)
        if self.path == "/drop":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self._answer(200, json.dumps({"echo": body.decode("utf-8")}).encode())


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    httpd.paths = []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield "http://127.0.0.1:%d" % httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    """The same handler over HTTPS with a test CA; yields (base url, ca.pem path)."""
    trustme = pytest.importorskip("trustme")
    authority = trustme.CA()
    directory = tmp_path_factory.mktemp("tls")
    ca_path = str(directory / "ca.pem")
    authority.cert_pem.write_to_path(ca_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    authority.issue_cert("127.0.0.1").configure_cert(context)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    httpd.paths = []
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield "https://127.0.0.1:%d" % httpd.server_address[1], ca_path
    httpd.shutdown()
    httpd.server_close()


def timed(func):
    started = time.monotonic()
    try:
        return func(), time.monotonic() - started
    except IoTError as exc:
        return exc, time.monotonic() - started


# ------------------------------------------------------------------------------------------- transport

def test_request_returns_complete_response(server):
    session = HttpSession(timeout=5)
    response = session.request("GET", server + "/json", CALL, params={"q": "1"})
    assert response.status == 200
    assert response.body == b'{"a": 1}'
    assert response.header("x-request-id") == "r-1"
    assert response.header("X-REQUEST-ID") == "r-1"
    assert parse_json(CALL, response) == {"a": 1}
    session.close()


def test_post_body_is_sent(server):
    response = HttpSession(timeout=5).request("POST", server + "/echo", CALL, data="a=b")
    assert parse_json(CALL, response) == {"echo": "a=b"}
    response = HttpSession(timeout=5).request("POST", server + "/echo", CALL, json_body={"k": 1})
    assert json.loads(parse_json(CALL, response)["echo"]) == {"k": 1}


def test_trickling_body_stops_at_the_overall_deadline(server):
    # 70 bytes at 10 bytes/s would take 7 s; each read gets a byte well within the per-read timeout
    exc, elapsed = timed(lambda: HttpSession(timeout=1).request("GET", server + "/trickle-body", CALL))
    assert isinstance(exc, IoTError), exc
    assert exc.code == "DeadlineExceeded"
    assert exc.retryable and exc.maybe_committed
    assert exc.call == CALL and CALL in exc.message and "1 s" in exc.message
    assert exc.http_status == 200
    assert 0.9 <= elapsed < 1.5


def test_trickling_headers_stop_at_the_overall_deadline(server):
    exc, elapsed = timed(lambda: HttpSession(timeout=1).request("GET", server + "/trickle-headers", CALL))
    assert isinstance(exc, IoTError), exc
    assert exc.code == "DeadlineExceeded" and exc.maybe_committed
    assert 0.9 <= elapsed < 1.5


def test_session_stays_usable_after_a_deadline(server):
    session = HttpSession(timeout=1)
    with pytest.raises(IoTError):
        session.request("GET", server + "/trickle-body", CALL)
    assert session.request("GET", server + "/json", CALL).status == 200


def test_silent_server_gives_a_timeout_within_the_deadline(server):
    exc, elapsed = timed(lambda: HttpSession(timeout=0.5).request("GET", server + "/stall", CALL))
    assert isinstance(exc, IoTError), exc
    assert exc.code in ("ReadTimeout", "DeadlineExceeded")
    assert exc.maybe_committed and exc.retryable
    assert elapsed < 1.0


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_refused_connection_is_retryable_and_not_committed():
    with pytest.raises(IoTError) as info:
        HttpSession(timeout=2).request("POST", "http://127.0.0.1:%d/x" % _free_port(), CALL, data="{}")
    assert info.value.code == "ConnectionError"
    assert info.value.retryable and not info.value.maybe_committed
    assert info.value.call == CALL and info.value.message.startswith(CALL + ": ")


def test_connection_dropped_after_the_request_may_have_been_committed(server):
    with pytest.raises(IoTError) as info:
        HttpSession(timeout=5).request("POST", server + "/drop", CALL, data="{}")
    assert info.value.code == "ConnectionError"
    assert info.value.maybe_committed and info.value.retryable


def test_redirects_are_not_followed(server):
    response = HttpSession(timeout=5).request("GET", server + "/redirect", CALL)
    assert response.status == 302
    with pytest.raises(IoTError) as info:
        parse_json(CALL, response)
    assert "HTTP 302" in info.value.message


def test_body_size_is_bounded(server):
    with pytest.raises(IoTError) as info:
        HttpSession(timeout=5, max_body_bytes=1000).request("GET", server + "/large", CALL)
    assert info.value.code == "InvalidResponse" and "larger than 1000 bytes" in info.value.message


def test_tls_error_is_not_retryable(server):
    # an HTTPS handshake against the plain HTTP server fails in TLS
    with pytest.raises(IoTError) as info:
        HttpSession(timeout=5).request("GET", server.replace("http:", "https:") + "/json", CALL)
    assert info.value.code == "TLSError" and not info.value.retryable


def test_https_with_ca_path_and_deadline(tls_server):
    url, ca_path = tls_server
    assert HttpSession(timeout=5, ca_path=ca_path).request("GET", url + "/json", CALL).status == 200
    assert HttpSession(timeout=5, validate_certs=False).request("GET", url + "/json", CALL).status == 200
    with pytest.raises(IoTError) as info:
        HttpSession(timeout=5).request("GET", url + "/json", CALL)  # the test CA is not trusted by default
    assert info.value.code == "TLSError" and not info.value.retryable
    exc, elapsed = timed(lambda: HttpSession(timeout=1, ca_path=ca_path).request("GET", url + "/trickle-body", CALL))
    assert isinstance(exc, IoTError) and exc.code == "DeadlineExceeded", exc
    assert 0.9 <= elapsed < 1.5


def test_ca_path_is_passed_per_request_and_wins_over_the_environment(monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/nonexistent/env-bundle.pem")
    session = HttpSession(ca_path="/my/ca.pem")
    seen = {}

    def fake_request(method, url, **kwargs):
        seen.update(kwargs)
        raise _http.requests_exceptions.ConnectionError("stop")

    monkeypatch.setattr(session._session, "request", fake_request)
    with pytest.raises(IoTError):
        session.request("GET", "https://example.invalid/x", CALL)
    assert seen["verify"] == "/my/ca.pem"
    assert seen["stream"] is True and seen["allow_redirects"] is False
    connect, read = seen["timeout"]
    assert 0 < connect <= 30 and 0 < read <= 30
    assert HttpSession(validate_certs=False).verify is False
    assert HttpSession().verify is True


def test_html_error_page_names_call_and_status_without_the_secret(server):
    session = HttpSession(timeout=5, redactor=Redactor([SECRET]))
    response = session.request("GET", server + "/html", CALL)
    with pytest.raises(IoTError) as info:
        parse_json(CALL, response)
    message = info.value.message
    assert message.startswith(CALL + ": answer is not JSON (HTTP 502, text/html): ")
    assert "Bad Gateway" in message and "<h1>" not in message and "p{}" not in message
    assert info.value.code == "InvalidResponse" and info.value.http_status == 502
    assert_no_secret(message)


def test_empty_body_names_call_and_status(server):
    response = HttpSession(timeout=5).request("GET", server + "/empty", CALL)
    with pytest.raises(IoTError) as info:
        parse_json(CALL, response, maybe_committed=True)
    assert info.value.message == CALL + ": empty answer (HTTP 503)"
    assert info.value.maybe_committed and info.value.http_status == 503


def test_snippet_is_masked_before_it_is_cut():
    # the secret straddles the cut: a cut-then-mask snippet would leak its first half
    text = "x" * (_redact.SNIPPET_CHARS - 5) + " " + SECRET + " tail"
    response = HttpResponse(500, {}, text.encode("utf-8"), redactor=Redactor([SECRET]))
    with pytest.raises(IoTError) as info:
        parse_json(CALL, response)
    assert "p@ss" not in info.value.message and "p@s" not in info.value.message.split("x")[-1]


# ------------------------------------------------------------------------------------------- typed access

def check_error(func, text):
    with pytest.raises(IoTError) as info:
        func()
    assert info.value.code == "InvalidResponse"
    assert info.value.call == CALL
    assert info.value.message == "%s: %s" % (CALL, text)
    return info.value


def test_expect_list_never_reads_missing_or_null_as_empty():
    check_error(lambda: expect_list(CALL, {}, "data"), "field 'data' is missing, expected a list")
    check_error(lambda: expect_list(CALL, {"data": None}, "data"), "field 'data' is null, expected a list")
    check_error(lambda: expect_list(CALL, {"data": {}}, "data"), "field 'data' is an object, expected a list")
    check_error(lambda: expect_list(CALL, [], "data"), "the answer is a list, expected an object")
    assert expect_list(CALL, {}, "data", required=False) == []
    assert expect_list(CALL, {"data": [1]}, "data") == [1]


def test_expect_dict_and_dict_list():
    assert expect_dict(CALL, {"a": 1}, "Response") == {"a": 1}
    check_error(lambda: expect_dict(CALL, "x", "Response"), "Response is a string, expected an object")
    check_error(lambda: expect_dict_list(CALL, {"data": [{}, 3]}, "data"), "data[1] is an integer, expected an object")
    check_error(lambda: expect_dict_list(CALL, {"d": [[]]}, "d", where="Response"),
                "Response.d[0] is a list, expected an object")


def test_expect_int_takes_ints_and_int_strings_only():
    assert expect_int(CALL, {"Total": 3}, "Total") == 3
    assert expect_int(CALL, {"Total": "42"}, "Total") == 42
    assert expect_int(CALL, {}, "Total", required=False) is None
    check_error(lambda: expect_int(CALL, {"Total": True}, "Total"), "field 'Total' is a boolean, expected an integer")
    check_error(lambda: expect_int(CALL, {"Total": 1.5}, "Total"), "field 'Total' is a number 1.5, expected an integer")
    check_error(lambda: expect_int(CALL, {"Total": "abc"}, "Total"),
                "field 'Total' is a string \"abc\", expected an integer")
    check_error(lambda: expect_int(CALL, {"Total": [1]}, "Total"), "field 'Total' is a list, expected an integer")
    check_error(lambda: expect_int(CALL, {"Total": None}, "Total"), "field 'Total' is null, expected an integer")
    check_error(lambda: expect_int(CALL, {"n": -1}, "n", minimum=0, where="staResult"),
                "field 'staResult.n' is -1, expected at least 0")


def test_expect_str_and_bool():
    assert expect_str(CALL, {"id": "a"}, "id") == "a"
    assert expect_str(CALL, {"id": 12}, "id") == "12"
    assert expect_str(CALL, {}, "id", required=False) is None
    assert expect_str(CALL, {"id": ""}, "id", required=False) == ""
    check_error(lambda: expect_str(CALL, {"id": ""}, "id"), "field 'id' is empty, expected a string")
    check_error(lambda: expect_str(CALL, {"id": {}}, "id"), "field 'id' is an object, expected a string")
    check_error(lambda: expect_str(CALL, {"id": False}, "id"), "field 'id' is a boolean, expected a string")
    check_error(lambda: expect_str(CALL, {}, "id"), "field 'id' is missing, expected a string")
    assert expect_bool(CALL, {"ok": False}, "ok") is False
    check_error(lambda: expect_bool(CALL, {"ok": "true"}, "ok"), "field 'ok' is a string, expected a boolean")


# ------------------------------------------------------------------------------------------- errors, redaction

def test_io_error_fields_and_result():
    exc = IoTError("boom", code="1010009", http_status=403, request_id="rid", call=CALL, throttled=True,
                   retry_after=2.5, already_in_task=False)
    assert str(exc) == "boom"
    assert exc.to_result() == {"error_code": "1010009", "http_status": 403, "request_id": "rid", "call": CALL}
    assert IoTError("x").to_result() == {"error_code": None, "http_status": None}
    assert exc.throttled and exc.retry_after == 2.5 and not exc.retryable and not exc.maybe_committed


def test_redactor_masks_every_encoding_in_messages():
    redactor = Redactor([SECRET, None, "abc"])
    text = " | ".join(encodings(SECRET)) + " | secret=" + quote_plus(SECRET) + "&app_id=x"
    masked = redactor.redact(text)
    assert_no_secret(masked)
    assert "secret=********&app_id=x" in masked
    assert "abc" not in redactor.secrets  # too short to mask


def test_redactor_masks_base64_inside_a_longer_value():
    basic = base64.b64encode(("app-id:" + SECRET + ":tail").encode("utf-8")).decode("ascii")
    masked = Redactor([SECRET]).redact("Authorization: Basic " + basic)
    assert basic not in masked and _redact.MASK in masked


def test_redactor_masks_reprs_and_other_escapes():
    redactor = Redactor([SECRET])
    for text in (repr(SECRET), repr(SECRET.encode("utf-8")), json.dumps({"s": SECRET}).replace("/", "\\/"),
                 json.dumps(SECRET).replace("\\u00e9", "\\u00E9"),
                 "<p>%s</p>" % SECRET.replace("&", "&amp;").replace('"', "&quot;")):
        assert redactor.redact(text).count(_redact.MASK) >= 1, text
        assert "p@ss" not in redactor.redact(text)


def test_redact_error_and_redact_data():
    redactor = Redactor()
    redactor.add(SECRET)
    exc = IoTError("login failed: body secret=%s, json %s" % (quote_plus(SECRET), json.dumps(SECRET)), call=CALL)
    assert redactor.redact_error(exc) is exc
    assert_no_secret(exc.message)
    assert_no_secret(str(exc.args))
    data = {"task": {"note": [SECRET, ("x", quote(SECRET))], SECRET: 1}, "n": 3, "none": None}
    masked = redactor.redact_data(data)
    assert_no_secret(json.dumps(masked, ensure_ascii=False))
    assert masked["n"] == 3 and masked["none"] is None and isinstance(masked["task"]["note"][1], tuple)
    assert data["task"]["note"][0] == SECRET  # a copy: the original is untouched


def test_redact_accepts_any_object():
    redactor = Redactor([SECRET])
    assert redactor.redact(None) == ""
    assert redactor.redact(12) == "12"
    assert redactor.redact(SECRET.encode("utf-8")) == _redact.MASK
    assert Redactor().redact("plain") == "plain"
