"""Canned IoTDA v5 answers, community.dns style: the test writes the ordered list of the calls it expects (method,
path, query, selected headers, body), each with the answer to give. The fake session fails the test on the first call
that is not the next expected one (``pytest.fail`` raises an ``OutcomeException``, which no ``except IoTError`` or
``except Exception`` of the code under test can swallow) and :meth:`CannedSession.assert_done` fails when calls are
left. Every request's signature is checked too: signing the request as sent must give its ``Authorization``.

A module of its own name: ``from conftest import`` would pick whichever ``conftest`` was imported first.
"""
import json
from urllib.parse import parse_qsl, urlsplit

import pytest

from ansible_collections.iotfleet.firmware.plugins.module_utils._errors import IoTError
from ansible_collections.iotfleet.firmware.plugins.module_utils._http import HttpResponse
from ansible_collections.iotfleet.firmware.plugins.module_utils._redact import Redactor
from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei_iotda import signing

AK = "AKIOTDAEXAMPLE000001"
SK = "iotda-secret-key-EXAMPLE-0000000000000000"
TOKEN = "sts-security-token-EXAMPLE-111111"
PROJECT = "0123456789abcdef0123456789abcdef"
REGION = "cn-north-4"
HOST = "iotda.cn-north-4.myhuaweicloud.com"
BASE = "/v5/iot/%s" % PROJECT
TASKS = BASE + "/batchtasks"
PACKAGE = "pkg-fw-2"
OTHER_PACKAGE = "pkg-other-9"


def task_path(task_id, action=""):
    return "%s/%s%s" % (TASKS, task_id, action)


class Call:
    """One expected request and its answer: ``answer`` = (status, body) with body a JSON value, bytes or str, or an
    :class:`IoTError` to raise as the transport would."""

    def __init__(self, method, path, query=None, body=None, headers=None, answer=(200, {}), answer_headers=None):
        self.method = method
        self.path = path
        self.query = query or {}
        self.body = body
        self.headers = headers or {}
        self.answer = answer
        self.answer_headers = answer_headers or {}

    def __repr__(self):
        return "%s %s %s" % (self.method, self.path, self.query)


def GET(path, query=None, answer=(200, {}), **kwargs):
    return Call("GET", path, query, None, answer=answer, **kwargs)


def POST(path, body, answer=(200, {}), **kwargs):
    return Call("POST", path, None, body, answer=answer, **kwargs)


class CannedSession:
    def __init__(self, calls=(), secret_key=SK, region=REGION):
        self.expected = list(calls)
        self.sent = []
        self.secret_key = secret_key
        self.region = region
        self.redactor = Redactor()
        self.closed = False

    def expect(self, *calls):
        self.expected.extend(calls)
        return self

    def request(self, method, url, call, headers=None, params=None, data=None, json_body=None):
        parts = urlsplit(url)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        body = json.loads(data.decode("utf-8")) if data else None
        where = "request #%d %s %s?%s" % (len(self.sent) + 1, method, parts.path, parts.query)
        self.sent.append((method, parts.path, query, body, dict(headers or {})))
        if params is not None or json_body is not None:
            pytest.fail("%s: query and body must be sent as signed (in the URL / data)" % where, pytrace=False)
        if not self.expected:
            pytest.fail("unexpected %s: no more calls expected" % where, pytrace=False)
        want = self.expected.pop(0)
        got = (method, parts.path, query, body)
        if got != (want.method, want.path, dict((k, "%s" % v) for k, v in want.query.items()), want.body):
            pytest.fail("unexpected %s body %r; expected %r body %r" % (where, body, want, want.body), pytrace=False)
        for name, value in want.headers.items():
            if (headers or {}).get(name) != value:
                pytest.fail("%s: header %s is %r, expected %r" % (where, name, (headers or {}).get(name), value),
                            pytrace=False)
        self._check_signature(method, parts, headers or {}, data, where)
        if isinstance(want.answer, IoTError):
            raise want.answer
        status, payload = want.answer
        if isinstance(payload, (dict, list)) or payload is None:
            raw = json.dumps(payload).encode("utf-8")
        else:
            raw = payload.encode("utf-8") if isinstance(payload, str) else payload
        return HttpResponse(status, dict(want.answer_headers), raw, call=call, url=url, redactor=self.redactor)

    def _check_signature(self, method, parts, headers, data, where):
        unsigned = dict((name, value) for name, value in headers.items() if name != "Authorization")
        derived = headers["Authorization"].startswith(signing.V11_ALGORITHM)
        query = parse_qsl(parts.query, keep_blank_values=True)
        again = signing.sign(AK, self.secret_key, method, parts.netloc, parts.path, query=query, headers=unsigned,
                             body=data or b"", region=self.region, derived=derived)
        if again["headers"]["Authorization"] != headers["Authorization"]:
            pytest.fail("%s: the Authorization does not sign the request sent" % where, pytrace=False)
        if headers.get("Host") != parts.netloc:
            pytest.fail("%s: Host header %r differs from the URL's %r" % (where, headers.get("Host"), parts.netloc),
                        pytrace=False)

    def close(self):
        self.closed = True

    def assert_done(self):
        assert not self.expected, "expected calls not sent: %s" % self.expected


def task(task_id, devices=None, package=PACKAGE, status="Processing", created="20261201T100000Z",
         task_type="firmwareUpgrade", progress=None, package_key="package_ids"):
    raw = {"task_id": task_id, "task_name": "t_%s" % task_id, "task_type": task_type, "status": status,
           "create_time": created}
    if devices is not None:
        raw["targets"] = list(devices)
    if package is not None:
        raw["document"] = {package_key: [package] if package_key == "package_ids" else package}
    if progress is not None:
        raw["task_progress"] = progress
    return raw


def listing(tasks, marker=None, count=None):
    return {"batchtasks": list(tasks), "page": {"count": len(tasks) if count is None else count, "marker": marker}}


def list_query(task_type="firmwareUpgrade", marker=None, **extra):
    query = {"task_type": task_type, "limit": 50}
    if marker:
        query["marker"] = marker
    query.update(extra)
    return query


def show(raw, details=(), marker=None, count=None):
    return {"batchtask": raw, "task_details": list(details),
            "page": {"count": len(details) if count is None else count, "marker": marker}}


def progress(total=0, success=0, fail=0, processing=0, waitting=0, stopped=0, fail_wait_retry=0, removed=0):
    return {"total": total, "success": success, "fail": fail, "processing": processing, "waitting": waitting,
            "stopped": stopped, "fail_wait_retry": fail_wait_retry, "removed": removed}
