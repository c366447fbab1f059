"""One HTTP call recorder for every test, in community.dns's ordered ``FetchUrlCall`` style.

A :class:`Calls` stands in for the providers' ``HttpSession`` (``request(method, url, call, headers=None,
params=None, data=None, json_body=None)``). The test writes the calls it expects, in order; each request is checked
against the next one *as it is sent*, and the first that differs fails the test with ``pytest.fail`` (an
``OutcomeException``: no ``except Exception`` of the code under test can swallow it). :meth:`Calls.assert_done`
fails when expected calls were not sent, or when a request was refused (in case it was refused in another thread,
where ``pytest.fail`` ends that thread only).

An expected call is either

- a :class:`Call`: the method, the URL (a path, or a whole URL; ``fnmatch`` wildcards allowed), the query, the JSON
  body (or a form, as a dict), a subset of the headers, then the canned answer (a JSON value, bytes or text with
  its status and headers, or an exception to raise as the transport would); or
- a string, an ``fnmatch`` pattern of the request's one-line form (:attr:`Request.line`): ``"GET /path?a=1&b=2"``
  (the query sorted), or for a Tencent request (``X-TC-Action``) ``"Action Key=value ..."`` (the body's keys
  sorted) -- a bare action name matches that action whatever its body.

Without a canned answer the request is passed on to ``forward`` (a real ``HttpSession``: the emulator answers),
so the same recorder checks the exact calls of a test against the emulator and answers the calls of a test that
has no emulator. A forwarding recorder given no expected calls only records, until :meth:`Calls.expect` is called.

``check``: a rule every request must keep besides matching its call (given the :class:`Request`, it answers why
the request breaks it, or None), e.g. :func:`kit.iotda.signed`: the request's signature signs what was sent.
"""
import fnmatch
import json
from urllib.parse import parse_qsl, urlsplit

import pytest

from ansible_collections.iotfleet.firmware.plugins.module_utils._http import HttpResponse
from ansible_collections.iotfleet.firmware.plugins.module_utils._redact import Redactor


class _Any:
    def __repr__(self):
        return "ANY"

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    def __hash__(self):
        return 0


ANY = _Any()  # a query, body or header value (or a fake provider's argument) that is not checked
_FORWARD = object()  # no canned answer: the request goes to the forward session


def _text(value):
    return value if isinstance(value, str) else "%s" % (value,)


def _query_of(url, params):
    """The query as sent: the URL's own plus ``params`` (None values dropped, as requests does), values as text."""
    query = {}
    for key, value in parse_qsl(urlsplit(url).query, keep_blank_values=True):
        query.setdefault(key, []).append(value)
    for key, value in (params or {}).items():
        if value is None:
            continue
        values = value if isinstance(value, (list, tuple)) else [value]
        query.setdefault(key, []).extend(_text(item) for item in values)
    return dict((key, values[0] if len(values) == 1 else values) for key, values in query.items())


def _header(headers, name):
    for key, value in (headers or {}).items():
        if key.lower() == name.lower():
            return value
    return None


def _body_of(headers, data, json_body):
    """The body as the platform reads it: JSON decoded, a form as a dict, other text as it is, None when empty."""
    if json_body is not None:
        return json_body
    if data is None or data in (b"", ""):
        return None
    if isinstance(data, dict):
        return dict(data)
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    if "x-www-form-urlencoded" in (_header(headers, "Content-Type") or ""):
        return dict(parse_qsl(text, keep_blank_values=True))
    try:
        return json.loads(text)
    except ValueError:
        return text


class Request:
    """One request as sent: ``method``, ``url``, ``path``, ``query`` (dict of text), ``body`` (decoded), ``data``
    (the bytes or text sent), ``params`` and ``json_body`` (as the session was given them, None when not),
    ``headers``, ``action`` (Tencent ``X-TC-Action`` or None), ``line`` and ``time`` (the recorder's clock when it
    was sent, or None)."""

    def __init__(self, method, url, headers, params, data, json_body, time=None):
        self.method = method
        self.url = url
        parts = urlsplit(url)
        self.origin = "%s://%s" % (parts.scheme, parts.netloc)
        self.path = parts.path or "/"
        self.query = _query_of(url, params)
        self.headers = dict(headers or {})
        self.data = data
        self.params = params
        self.json_body = json_body
        self.body = _body_of(headers, data, json_body)
        self.action = _header(headers, "X-TC-Action")
        self.time = time

    @property
    def line(self):
        if self.action:
            body = self.body if isinstance(self.body, dict) else {}
            return " ".join([self.action] + ["%s=%s" % (key, body[key]) for key in sorted(body)])
        query = "&".join("%s=%s" % (key, value) for key, value in sorted(self.query.items()))
        return "%s %s%s" % (self.method, self.path, "?" + query if query else "")

    def __repr__(self):
        return self.line


class Call:
    """One expected request, then its answer (``FetchUrlCall`` order).

    ``url``: the request's path, or a whole URL (scheme, host and path); ``fnmatch`` wildcards allowed.
    ``query``: the whole query as a dict (values compared as text); ``None``: no query; ``ANY``: not checked.
    ``body``: the JSON body (a form: a dict); ``None``: no body; ``ANY``: not checked.
    ``headers``: headers the request must carry with these values (names case-insensitive; a value ``ANY``: present;
    ``None``: absent).
    ``answer``: the body of the canned answer (a JSON value; bytes or text as they are) with ``status`` and
    ``answer_headers``; an exception instance is raised instead, as the transport raises ``IoTError``. Without an
    answer the request goes to the recorder's ``forward`` session.
    """

    def __init__(self, method, url, query=None, body=None, headers=None, answer=_FORWARD, status=200,
                 answer_headers=None):
        self.method = method.upper()
        self.url = url
        self.query = query
        self.body = body
        self.headers = dict(headers or {})
        self.answer = answer
        self.status = status
        self.answer_headers = answer_headers

    @property
    def canned(self):
        return self.answer is not _FORWARD

    def mismatch(self, sent):
        """Why ``sent`` is not this call (None when it is)."""
        if sent.method != self.method:
            return "method %s, expected %s" % (sent.method, self.method)
        where = sent.origin + sent.path if "://" in self.url else sent.path
        if not fnmatch.fnmatchcase(where, self.url):
            return "URL %s, expected %s" % (where, self.url)
        if self.query is not ANY:
            want = dict((key, [_text(item) for item in value] if isinstance(value, (list, tuple)) else _text(value))
                        for key, value in (self.query or {}).items())
            if sent.query != want:
                return "query %r, expected %r" % (sent.query, want)
        if self.body is not ANY and sent.body != self.body:
            return "body %s, expected %s" % (
                json.dumps(sent.body, sort_keys=True, default=repr), json.dumps(self.body, sort_keys=True, default=repr))
        for name, value in self.headers.items():
            got = _header(sent.headers, name)
            if value is None and got is not None:
                return "header %s is %r, expected none" % (name, got)
            if value is not None and (got is None or got != value):
                return "header %s is %r, expected %r" % (name, got, value)
        return None

    def respond(self, url, call, redactor):
        if isinstance(self.answer, BaseException):
            raise self.answer
        headers = dict(self.answer_headers or {})
        if isinstance(self.answer, bytes):
            raw = self.answer
        elif isinstance(self.answer, str):
            raw = self.answer.encode("utf-8")
        else:
            raw = json.dumps(self.answer).encode("utf-8")
            headers.setdefault("Content-Type", "application/json")
        return HttpResponse(self.status, headers, raw, call=call, url=url, redactor=redactor)

    def __repr__(self):
        query = "" if self.query in (None, ANY) else "?" + "&".join(
            "%s=%s" % item for item in sorted(self.query.items()))
        action = self.headers.get("X-TC-Action")
        return "%s %s%s%s" % (self.method, self.url, query, " (%s)" % action if action else "")


def GET(url, query=None, answer=_FORWARD, **kwargs):
    return Call("GET", url, query=query, answer=answer, **kwargs)


def POST(url, body=None, answer=_FORWARD, **kwargs):
    return Call("POST", url, body=body, answer=answer, **kwargs)


def _describe(want):
    return repr(want) if isinstance(want, Call) else "%r" % want


class Calls:
    """The ordered recorder/expecter (see the module docstring).

    ``expected``: the calls, in order (more with :meth:`expect`). ``forward``: the session that answers the calls
    without a canned answer (``None``: every call needs one). ``clock``: read when each request is sent
    (``Request.time``). ``before``: ``{index: callable}`` run just before the request of that index (0 = the first
    one recorded) is answered, e.g. a competitor's create. ``check``: see the module docstring.
    """

    def __init__(self, *expected, forward=None, clock=None, check=None):
        self.expected = list(expected)
        self.checking = bool(self.expected) or forward is None
        self.next = 0
        self.forward = forward
        self.clock = clock
        self.check = check
        self.requests = []
        self.refused = []  # why each refused request was refused
        self.before = {}
        self.closed = False
        self.redactor = getattr(forward, "redactor", None) or Redactor()

    def expect(self, *calls):
        """More expected calls (after those given before); from now on every request is checked."""
        self.expected.extend(calls)
        self.checking = True
        return self

    # ---- the session interface

    def request(self, method, url, call, headers=None, params=None, data=None, json_body=None):
        sent = Request(method, url, headers, params, data, json_body, time=self.clock() if self.clock else None)
        index = len(self.requests)
        self.requests.append(sent)
        want = None
        if self.checking:
            if self.next >= len(self.expected):
                self._fail(index, sent, "no more calls expected")
            want = self.expected[self.next]
            self.next += 1
            problem = want.mismatch(sent) if isinstance(want, Call) else self._line_mismatch(want, sent)
            if problem:
                self._fail(index, sent, "%s (expected call #%d: %s)" % (problem, self.next, _describe(want)))
        problem = self.check(sent) if self.check is not None else None
        if problem:
            self._fail(index, sent, problem)
        hook = self.before.pop(index, None)
        if hook is not None:
            hook()
        if isinstance(want, Call) and want.canned:
            return want.respond(url, call, self.redactor)
        if self.forward is None:
            self._fail(index, sent, "no canned answer and no session to forward it to")
        return self.forward.request(method, url, call, headers=headers, params=params, data=data,
                                    json_body=json_body)

    def close(self):
        self.closed = True
        if self.forward is not None:
            self.forward.close()

    # ---- checks and views

    @staticmethod
    def _line_mismatch(pattern, sent):
        if fnmatch.fnmatchcase(sent.line, pattern) or (sent.action and sent.action == pattern):
            return None
        return "expected %r" % pattern

    def _fail(self, index, sent, why):
        before = [request.line for request in self.requests[:index]]
        message = "unexpected request #%d %s: %s\nsent before: %s" % (
            index + 1, sent.line, why, json.dumps(before, indent=1))
        self.refused.append(message)
        pytest.fail(message, pytrace=False)

    def assert_done(self):
        """Every expected call was sent, and none refused."""
        assert not self.refused, "\n".join(self.refused)
        assert self.next == len(self.expected), "expected calls not sent: %s\nsent: %s" % (
            [_describe(want) for want in self.expected[self.next:]], json.dumps(self.lines, indent=1))

    @property
    def lines(self):
        """The one-line form of every request recorded, in order."""
        return [request.line for request in self.requests]

    @property
    def actions(self):
        """The Tencent action of every request recorded (None for other requests)."""
        return [request.action for request in self.requests]

    def count(self, pattern):
        """How many requests recorded match ``pattern`` (a :class:`Call` or a line pattern)."""
        if isinstance(pattern, Call):
            return sum(1 for request in self.requests if pattern.mismatch(request) is None)
        return sum(1 for request in self.requests if self._line_mismatch(pattern, request) is None)
