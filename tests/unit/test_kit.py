"""The test kit itself (tests/kit/): the recorder refuses what differs, the clock moves only when slept, the fake
provider refuses the unscripted call, the doc reader names the option that differs, the emulator process starts,
answers its control client and stops."""
import multiprocessing
import threading

import pytest

from ansible_collections.iotfleet.firmware.plugins.module_utils._errors import IoTError

from kit.calls import ANY, GET, POST, Call, Calls
from kit.clock import Clock, ProcessClock
from kit.control import EmulatorProcess
from kit.credentials import IOTDA_ACCESS_KEY, IOTDA_PROJECT_ID, IOTDA_SECRET_KEY
from kit.docs import compare, documented_options
from kit.iotda import HOST, get, package, package_path, signed
from kit.providers import ScriptedProvider, Step, Unexpected

from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei_iotda import signing
from ansible_collections.iotfleet.firmware.plugins.modules import tencent_iot_batch_firmware


def send(calls, method, url, **kwargs):
    return calls.request(method, url, "Test %s" % method, **kwargs)


def test_a_canned_call_checks_method_url_query_body_and_headers_then_answers():
    calls = Calls(GET("/things", query={"page": 1}, headers={"app_key": "a"}, answer={"items": []}),
                  POST("https://api.example/things", body={"name": "x"}, answer=b"raw", status=201))
    answer = send(calls, "GET", "https://api.example/things", params={"page": 1, "skip": None},
                  headers={"App_Key": "a"})
    assert answer.status == 200 and answer.body == b'{"items": []}' and answer.header("content-type")
    answer = send(calls, "POST", "https://api.example/things", data='{"name": "x"}')
    assert (answer.status, answer.body) == (201, b"raw")
    calls.assert_done()
    assert calls.lines == ["GET /things?page=1", 'POST /things']


@pytest.mark.parametrize("call, why", [
    (Call("POST", "/things", answer={}), "method GET"),
    (Call("GET", "/other", answer={}), "URL /things"),
    (Call("GET", "https://other.example/things", answer={}), "URL https://api.example/things"),
    (Call("GET", "/things", query={"page": 2}, answer={}), "query"),
    (Call("GET", "/things", query={"page": 1}, body={"a": 1}, answer={}), "body"),
    (Call("GET", "/things", query={"page": 1}, headers={"app_key": "b"}, answer={}), "header app_key"),
    (Call("GET", "/things", query={"page": 1}, headers={"Authorization": None}, answer={}), "expected none"),
], ids=["method", "path", "origin", "query", "body", "header", "absent-header"])
def test_the_first_difference_fails_at_once_and_again_at_assert_done(call, why):
    calls = Calls(call)
    with pytest.raises(pytest.fail.Exception, match=why):
        send(calls, "GET", "https://api.example/things?page=1", headers={"app_key": "a", "Authorization": "x"})
    with pytest.raises(AssertionError, match="unexpected request #1"):
        calls.assert_done()


class Session:
    """A stand-in for the real session a recorder forwards to."""
    redactor = None

    def __init__(self):
        self.sent = []

    def request(self, method, url, call, **kwargs):
        self.sent.append(url)
        return "answer"


def test_line_patterns_and_a_bare_action_need_a_session_to_answer():
    calls = Calls("GET /things/*", "DescribeFirmware", "GetDeviceList A=*", forward=Session())
    send(calls, "GET", "https://api.example/things/7")
    send(calls, "POST", "https://t.example/", data=b'{"B": 1}', headers={"X-TC-Action": "DescribeFirmware"})
    send(calls, "POST", "https://t.example/", data=b'{"A": [1, 2]}', headers={"X-TC-Action": "GetDeviceList"})
    calls.assert_done()
    assert calls.lines == ["GET /things/7", "DescribeFirmware B=1", "GetDeviceList A=[1, 2]"]
    assert calls.actions == [None, "DescribeFirmware", "GetDeviceList"] and calls.count("GetDeviceList") == 1
    with pytest.raises(pytest.fail.Exception, match="no canned answer"):
        Calls("GET /things").request("GET", "https://api.example/things", "Test GET")


def test_a_forwarding_recorder_records_only_until_told_what_to_expect():
    calls = Calls(forward=Session(), clock=Clock(start=5.0))
    assert send(calls, "GET", "https://x.example/a") == "answer"
    calls.expect("GET /b")
    assert send(calls, "GET", "https://x.example/b") == "answer"
    with pytest.raises(pytest.fail.Exception, match="no more calls expected"):
        send(calls, "GET", "https://x.example/c")
    assert calls.forward.sent == ["https://x.example/a", "https://x.example/b"]
    assert [request.time for request in calls.requests] == [5.0, 5.0, 5.0]


def test_a_canned_exception_is_raised_as_the_transport_raises_it():
    lost = IoTError("no answer", code="ReadTimeout", maybe_committed=True)
    calls = Calls(POST("/tasks", body=None, answer=lost))
    with pytest.raises(IoTError, match="no answer"):
        send(calls, "POST", "https://x.example/tasks")


def test_the_clock_moves_only_when_slept_or_advanced():
    clock = Clock(start=100.0, monotonic=7.0)
    seen = []
    clock.hooks.append(seen.append)
    assert (clock(), clock.time(), clock.monotonic()) == (100.0, 100.0, 7.0)
    clock.sleep(2.5)
    clock.advance(10)
    assert (clock.now, clock.mono, clock.sleeps, clock.slept, seen) == (112.5, 19.5, [2.5], 2.5, [2.5, 10])
    with pytest.raises(ValueError):
        clock.sleep(-1)
    assert abs(Clock().now - __import__("time").time()) < 5  # signed requests need the real time by default


def test_a_check_refuses_a_request_that_matches_its_call_but_breaks_the_rule():
    calls = Calls(GET("/a", answer={}), GET("/b", answer={}),
                  check=lambda sent: "no app_key" if "app_key" not in sent.headers else None)
    send(calls, "GET", "https://x.example/a", headers={"app_key": "k"})
    with pytest.raises(pytest.fail.Exception, match="unexpected request #2 GET /b: no app_key"):
        send(calls, "GET", "https://x.example/b")
    with pytest.raises(AssertionError, match="no app_key"):
        calls.assert_done()


@pytest.mark.parametrize("secret_key, timestamp, params, why", [
    (IOTDA_SECRET_KEY, 1800000000, None, None),
    ("another-secret", 1800000000, None, "does not sign the request sent"),
    (IOTDA_SECRET_KEY, 1800000005, None, "X-Sdk-Date '20270115T080005Z', expected the time of sending 2027"),
    (IOTDA_SECRET_KEY, 1800000000, {"limit": 1}, "must be sent as signed"),
], ids=["signed", "another-key", "another-time", "query-outside-the-signature"])
def test_the_iotda_check_recomputes_the_signature_of_what_was_sent(secret_key, timestamp, params, why):
    made = signing.sign(IOTDA_ACCESS_KEY, secret_key, "GET", HOST, package_path(), timestamp=timestamp,
                        headers={"Content-Type": "application/json", "X-Project-Id": IOTDA_PROJECT_ID})
    calls = Calls(get(package_path(), query=ANY, answer=package()), check=signed(clock=Clock(start=1800000000)))
    if why is None:
        assert send(calls, "GET", "https://" + HOST + made["target"], headers=made["headers"]).status == 200
        calls.assert_done()
    else:
        with pytest.raises(pytest.fail.Exception, match=why):
            send(calls, "GET", "https://" + HOST + made["target"], headers=made["headers"], params=params)


def test_threads_sleeping_on_one_clock_lose_no_time():
    clock = Clock(start=0.0)

    def sleeper():
        for _index in range(1000):
            clock.sleep(0.5)

    threads = [threading.Thread(target=sleeper) for _index in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert (clock.now, len(clock.sleeps), clock.slept) == (2000.0, 4000, 2000.0)


def _sleep_then_read(clock, seconds, results):
    clock()
    clock.sleep(seconds)
    results.put(clock())


def test_the_process_clock_moves_for_every_process_and_never_back():
    context = multiprocessing.get_context("fork")
    clock, results = ProcessClock(start=100.0, context=context), context.Queue()
    child = context.Process(target=_sleep_then_read, args=(clock, 30.0, results))
    child.start()
    assert results.get(timeout=20) == 130.0
    child.join(10)
    assert clock() == 130.0
    clock.sleep(-50)  # to a time before the clock's: no move
    assert clock() == 130.0


def test_the_fake_provider_refuses_the_unscripted_call_and_remembers_it():
    provider = ScriptedProvider("tencent", [Step("prepare", [("d1",)]), ("find", [ANY, ()], "found")])
    work = provider.validate({"device_names": ["d1"]})
    provider.prepare(work)
    assert work["target_version"] == "2.0.0" and provider.find(work) == "found"
    with pytest.raises(Unexpected, match="unexpected call create"):
        provider.create(work, ["d1"])
    with pytest.raises(AssertionError, match="unexpected call create"):
        provider.assert_done()  # even when the code under test caught the error


def test_the_documented_options_include_the_fragments_and_compare_names_the_difference():
    docs = documented_options(tencent_iot_batch_firmware)
    assert {"product_id", "secret_key", "wait", "timeout"} <= set(docs)  # its own, tencent_iot's and wait's
    spec = tencent_iot_batch_firmware.argument_spec()
    compare(spec, docs)
    for option, change, why in (("wait", {"default": not spec["wait"].get("default")}, "wait: default"),
                                ("timeout", {"type": "str"}, "timeout: type"),
                                ("product_id", {"required": not spec["product_id"].get("required")},
                                 "product_id: required")):
        with pytest.raises(AssertionError, match=why):
            compare(dict(spec, **{option: dict(spec[option], **change)}), docs)
    with pytest.raises(AssertionError):
        compare(dict(spec, undocumented={"type": "str"}), docs)
    nested = {"policy": {"type": "dict", "options": {"a": {"type": "int"}}}}
    with pytest.raises(AssertionError, match="policy.a: type"):
        compare(nested, {"policy": {"type": "dict", "description": "x", "suboptions": {
            "a": {"type": "str", "description": ["y"]}}}})


def test_the_emulator_process_answers_its_control_client_and_stops(tmp_path):
    with EmulatorProcess(["--devices", "2"], str(tmp_path / "ok")) as emulator:
        assert emulator.url.startswith("http://127.0.0.1:") and emulator.info["pid"] == emulator.process.pid
        assert len(emulator.control.state()["huawei"]["devices"]) == 1
    assert emulator.process.returncode == 0
    with pytest.raises(RuntimeError, match="did not start"):
        EmulatorProcess(["--fleet", str(tmp_path / "missing.json")], str(tmp_path))
