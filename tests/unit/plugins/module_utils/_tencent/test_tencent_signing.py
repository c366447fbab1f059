"""TC3-HMAC-SHA256: the reference's vectors A-D and a cross-check against the official SDK's own code.

The SDK (tencentcloud-sdk-python-iotexplorer) is a test-only reference; the module never imports it.
"""
import json
import os
import random
import string
import time
from unittest import mock

import pytest

from ansible_collections.iotfleet.firmware.plugins.module_utils._pacing import RateLimiter
from ansible_collections.iotfleet.firmware.plugins.module_utils._retry import RetryPolicy
from ansible_collections.iotfleet.firmware.plugins.module_utils._tencent.api import TencentApi
from ansible_collections.iotfleet.firmware.plugins.module_utils._tencent.signing import (
    authorization_header,
    encode_body,
    signed_headers,
    tc3_signature,
    utc_date,
)

from kit.calls import ANY, Call, Calls
from kit.clock import Clock

VEC_ID = "AKIDEXAMPLEonlyForTestVector00000001"
VEC_KEY = "ExampleOnlySecretKeyForTestVector01"
HOST = "iotexplorer.tencentcloudapi.com"

BODY_A = (b'{"ProductID": "ABCDE12345", "FirmwareVersion": "2.0.0", "FirmwareOriVersion": "1.0.0", '
          b'"UpgradeMethod": 0, "TimeoutInterval": 300}')
BODY_B = b'{"ProductID": "ABCDE12345", "FirmwareVersion": "2.0.0", "TaskId": 123}'
BODY_C = b'{"ProductID":"ABCDE12345","FirmwareVersion":"2.0.0","TaskId":123}'


def test_vector_a_every_intermediate_value():
    assert len(BODY_A) == 130
    parts = tc3_signature(VEC_KEY, HOST, BODY_A, 1700000000)
    assert parts["payload_hash"] == "4d7800af9a734d0d3c9ae25e46028385d240c43fc8d0a3a7c91af690ec9b8aa7"
    assert parts["canonical_request"] == (
        "POST\n/\n\ncontent-type:application/json\nhost:iotexplorer.tencentcloudapi.com\n\ncontent-type;host\n"
        "4d7800af9a734d0d3c9ae25e46028385d240c43fc8d0a3a7c91af690ec9b8aa7")
    assert parts["hashed_canonical_request"] == "696b81dbb37d5e1962ae1948ee36218f0cd1138bbabd21c360707ca51114b1fc"
    assert parts["string_to_sign"] == (
        "TC3-HMAC-SHA256\n1700000000\n2023-11-14/iotexplorer/tc3_request\n"
        "696b81dbb37d5e1962ae1948ee36218f0cd1138bbabd21c360707ca51114b1fc")
    assert parts["k_date"] == "d84dc50e39e6e7d951ab1e736e33fe41f63355081f79544110aef9539e6a1bf5"
    assert parts["k_service"] == "5934f2ba9c579168ae98769f1a0e8657a5b45192932b326bc84f3b3f32d45b75"
    assert parts["k_signing"] == "3764abe1ee9790f5c403a327beaa0cb8514d996c9119e8714d72328a67254e8a"
    assert parts["signature"] == "4113635a94309e909963cdffaab1580008b469793249d947f2cd3af63a71ff70"
    assert authorization_header(VEC_ID, VEC_KEY, HOST, BODY_A, 1700000000) == (
        "TC3-HMAC-SHA256 Credential=AKIDEXAMPLEonlyForTestVector00000001/2023-11-14/iotexplorer/tc3_request, "
        "SignedHeaders=content-type;host, Signature=4113635a94309e909963cdffaab1580008b469793249d947f2cd3af63a71ff70")


def test_vector_a_full_header_set_and_token_not_signed():
    plain = signed_headers(VEC_ID, VEC_KEY, "BatchUpdateFirmware", BODY_A, 1700000000, HOST, region="ap-guangzhou")
    with_token = signed_headers(VEC_ID, VEC_KEY, "BatchUpdateFirmware", BODY_A, 1700000000, HOST,
                                region="ap-guangzhou", session_token="ExampleSessionToken123", language="en-US")
    assert plain["Authorization"] == with_token["Authorization"]
    assert with_token["X-TC-Token"] == "ExampleSessionToken123"
    assert "X-TC-Token" not in plain
    assert plain["Content-Type"] == "application/json"
    assert plain["Host"] == HOST
    assert plain["X-TC-Action"] == "BatchUpdateFirmware"
    assert plain["X-TC-Timestamp"] == "1700000000"
    assert plain["X-TC-Version"] == "2019-04-23"
    assert plain["X-TC-Region"] == "ap-guangzhou"
    assert plain["X-TC-Language"] == "en-US"
    assert plain["X-TC-RequestClient"].startswith("ANSIBLE_IOTFLEET")


def test_vector_b_uses_the_utc_date_before_midnight(monkeypatch):
    # 2023-12-31 23:59:59 UTC is already 2024-01-01 in UTC+8: the local zone must not matter.
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    if hasattr(time, "tzset"):
        time.tzset()
    try:
        parts = tc3_signature(VEC_KEY, HOST, BODY_B, 1704067199)
        assert utc_date(1704067199) == "2023-12-31"
        assert parts["payload_hash"] == "53ade98c206379988006d2c449d92a94d8a122cc78f446d8faabbf89f21a44dc"
        assert parts["hashed_canonical_request"] == "d745950cc9dab4969940bf066d64ff67a3e12f71e6fce2eec192e604b4b2551a"
        assert authorization_header(VEC_ID, VEC_KEY, HOST, BODY_B, 1704067199) == (
            "TC3-HMAC-SHA256 Credential=AKIDEXAMPLEonlyForTestVector00000001/2023-12-31/iotexplorer/tc3_request, "
            "SignedHeaders=content-type;host, "
            "Signature=c56cea8b42fc730ca81efcef0ade3ebc943800a5181cfd006788e34f56d6b3f0")
    finally:
        monkeypatch.delenv("TZ")
        if hasattr(time, "tzset"):
            time.tzset()


def test_vector_c_compact_json_changes_the_signature():
    parts = tc3_signature(VEC_KEY, HOST, BODY_C, 1704067199)
    assert parts["payload_hash"] == "b1229ab4168c8059117f635b89ea1f5e4a2c7fd48edff9b316540edd5460b900"
    assert parts["signature"] == "f9abaaa95c4d5d10b3cd66bb1220395fbbab37455e7e4c489452657d77477c2c"


def test_vector_d_tencent_published_cvm_example():
    body = b'{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}'
    parts = tc3_signature("Gu5t9xGARNpq86cd98joQYCN3EXAMPLE", "cvm.tencentcloudapi.com", body, 1551113065,
                          service="cvm", content_type="application/json; charset=utf-8")
    assert parts["payload_hash"] == "35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064"
    assert parts["hashed_canonical_request"] == "5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031"
    assert parts["signature"] == "72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"


def test_encode_body_is_compact_sorted_and_drops_none():
    assert encode_body({"b": 1, "a": None, "c": ["x"], "ProductID": "P"}) == b'{"ProductID":"P","b":1,"c":["x"]}'
    assert encode_body({"Name": "\u672a"}) == b'{"Name":"\\u672a"}'


# --------------------------------------------------------------------------- cross-check with the official SDK

sdk = pytest.importorskip("tencentcloud.iotexplorer.v20190423.iotexplorer_client")
from tencentcloud.common import credential  # noqa: E402
from tencentcloud.common.http.request import RequestInternal  # noqa: E402
from tencentcloud.common.profile.client_profile import ClientProfile  # noqa: E402
from tencentcloud.common.profile.http_profile import HttpProfile  # noqa: E402
from tencentcloud.common.sign import Sign  # noqa: E402


def sdk_client(secret_id, secret_key, token=None, endpoint=None, language="en-US"):
    profile = ClientProfile(httpProfile=HttpProfile(endpoint=endpoint) if endpoint else HttpProfile(), language=language)
    return sdk.IotexplorerClient(credential.Credential(secret_id, secret_key, token), "ap-guangzhou", profile)


def sdk_build(client, action, params, timestamp):
    req = RequestInternal(client._get_endpoint(), "POST", "/")
    with mock.patch("tencentcloud.common.abstract_client.time.time", return_value=timestamp):
        client._build_req_inter(action, params, req)
    return req


def random_params(rng):
    def word(n=8):
        return "".join(rng.choice(string.ascii_letters + string.digits + "-_.") for dummy in range(rng.randint(1, n)))

    params = {"ProductID": word(10), "FirmwareVersion": "%d.%d.%d" % (rng.randint(0, 9), rng.randint(0, 9), rng.randint(0, 99))}
    choice = rng.randint(0, 2)
    if choice == 0:
        params["FirmwareOriVersion"] = word()
    elif choice == 1:
        params["DeviceNames"] = [word(12) for dummy in range(rng.randint(1, 20))]
    else:
        params.update(FileName=word(), FileMd5="%032x" % rng.getrandbits(128), FileSize=rng.randint(1, 10 ** 6))
    for key, value in (("UpgradeMethod", rng.randint(0, 1)), ("TimeoutInterval", rng.randint(120, 900)),
                       ("RateLimit", rng.randint(1, 1000)), ("FwType", "mcu")):
        if rng.random() < 0.5:
            params[key] = value
    if rng.random() < 0.5:
        params["TaskUserDefine"] = json.dumps({"k": word(), "\u4e2d": "\u6587 " + word()})
    return params


@pytest.mark.parametrize("seed", range(25))
def test_sdk_signature_of_sdk_built_request_equals_ours(seed):
    """The SDK signs its own body (json.dumps default form); we sign the same bytes identically."""
    rng = random.Random(seed)
    secret_id = "AKID" + "".join(rng.choice(string.ascii_letters + string.digits) for dummy in range(32))
    secret_key = "".join(rng.choice(string.ascii_letters + string.digits) for dummy in range(32))
    timestamp = rng.randint(1500000000, 2000000000)
    endpoint = rng.choice([None, "127.0.0.1:8443", "iotexplorer.ap-shanghai-fsi.tencentcloudapi.com"])
    token = rng.choice([None, "token-" + str(seed)])
    params = random_params(rng)
    client = sdk_client(secret_id, secret_key, token=token, endpoint=endpoint)
    req = sdk_build(client, "BatchUpdateFirmware", params, timestamp)
    body = req.data.encode("utf-8")
    ours = signed_headers(secret_id, secret_key, "BatchUpdateFirmware", body, timestamp, req.header["Host"],
                          region="ap-guangzhou", session_token=token)
    assert ours["Authorization"] == req.header["Authorization"]
    for name in ("Content-Type", "Host", "X-TC-Action", "X-TC-Timestamp", "X-TC-Version", "X-TC-Region",
                 "X-TC-Language"):
        assert ours[name] == req.header[name], name
    assert ours.get("X-TC-Token") == req.header.get("X-TC-Token")


@pytest.mark.parametrize("seed", range(25))
def test_sdk_signing_code_accepts_the_exact_bytes_our_client_sends(seed):
    """Our client's wire bytes and headers, verified with the SDK's _get_tc3_signature and Sign.sign_tc3."""
    rng = random.Random(1000 + seed)
    secret_key = "".join(rng.choice(string.ascii_letters + string.digits) for dummy in range(40))
    timestamp = rng.randint(1500000000, 2000000000)
    params = random_params(rng)
    port = rng.choice(["", ":8080"])
    calls = Calls(Call("POST", "http://127.0.0.1%s/" % port, body=params,
                       headers={"Host": "127.0.0.1%s" % port, "X-TC-Action": "BatchUpdateFirmware"},
                       answer={"Response": {"TaskId": 1, "RequestId": "r"}}))
    client = api_on(calls, "http://127.0.0.1%s" % port, lambda: timestamp, secret_key=secret_key)
    client.batch_update_firmware(params)
    calls.assert_done()
    sent = calls.requests[0]

    reference = sdk_client("AKIDcross", secret_key)
    req = RequestInternal("127.0.0.1" + port, "POST", "/",
                          header=dict(sent.headers),
                          data=sent.data.decode("utf-8"))
    date = time.strftime("%Y-%m-%d", time.gmtime(timestamp))
    sdk_signature = reference._get_tc3_signature(params, req, date, "iotexplorer", secret_key)
    assert sent.headers["Authorization"].endswith("Signature=" + sdk_signature)
    assert "Credential=AKIDcross/%s/iotexplorer/tc3_request" % date in sent.headers["Authorization"]
    # and the SDK's bare HMAC chain over our string to sign
    ours = tc3_signature(secret_key, sent.headers["Host"], sent.data, timestamp)
    assert Sign.sign_tc3(secret_key, date, "iotexplorer", ours["string_to_sign"]) == sdk_signature


def api_on(session, endpoint, clock, secret_key="key-xxxx"):
    """The client on ``session``; ``clock`` stamps the requests, the limiter runs on its own fake time."""
    fake = Clock(start=0.0)
    limiter = RateLimiter("signing-test", 1000, 1.0, shared=False, clock=fake, sleep=fake.sleep)
    return TencentApi("AKIDcross", secret_key, "ap-guangzhou", endpoint, session=session, clock=clock,
                      limiter=limiter, retry=RetryPolicy(limiter, sleep=fake.sleep))


def test_fresh_timestamp_and_signature_per_attempt():
    ticks = iter([1767225600, 1767225603])
    throttled = {"Response": {"Error": {"Code": "RequestLimitExceeded", "Message": "slow"}, "RequestId": "r"}}
    calls = Calls(
        Call("POST", "/", body=ANY, headers={"X-TC-Action": "DescribeFirmwareTasks", "X-TC-Timestamp": "1767225600"},
             answer=throttled),
        Call("POST", "/", body=ANY, headers={"X-TC-Action": "DescribeFirmwareTasks", "X-TC-Timestamp": "1767225603"},
             answer={"Response": {"TaskInfos": [], "Total": 0, "RequestId": "r"}}))
    client = api_on(calls, "http://127.0.0.1:1", lambda: next(ticks))
    assert list(client.describe_firmware_tasks("P", "2.0.0")) == []
    calls.assert_done()
    first, second = calls.requests
    assert first.headers["Authorization"] != second.headers["Authorization"]


def test_secret_key_never_in_headers():
    headers = signed_headers("AKIDx", "super-secret-key-value", "DescribeFirmware", b"{}", 1767225600, HOST,
                             region="ap-guangzhou")
    assert "super-secret-key-value" not in json.dumps(headers)
    assert os.environ.get("TZ") != "Asia/Shanghai"
