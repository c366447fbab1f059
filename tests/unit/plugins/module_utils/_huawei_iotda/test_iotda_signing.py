"""IoTDA v5 AK/SK signing: the reference's test vectors (§10.6) and a byte-for-byte cross-check against the official
SDK's signer.

``huaweicloudsdkcore`` is a test-only, independent reference; nothing under plugins/ imports it.
"""
import copy

import pytest

from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer import hkdf
from huaweicloudsdkcore.signer.signer import DerivationAKSKSigner, Signer

from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei_iotda import signing

AK = "AKEXAMPLE0000000000"
SK = "SKEXAMPLE0000000000000000000000000000000"
DATE = "20240101T000000Z"
HOST = "iotda.cn-north-4.myhuaweicloud.com"


# ---- the reference's vectors -------------------------------------------------------------------------------

def test_vector_sdk_hmac_sha256_post():
    body = b'{"task_type":"firmwareUpgrade","targets":["d1"],"document":{"package_id":"p1"}}'
    signed = signing.sign(AK, SK, "POST", HOST, "/v5/iot/proj123/batchtasks",
                          headers={"Content-Type": "application/json", "X-Project-Id": "proj123", "X-Sdk-Date": DATE},
                          body=body)
    assert signed["signed_headers"] == "content-type;host;x-project-id;x-sdk-date"
    assert signed["signature"] == "834086f8fba0681f1d688cfd7b72e965ec1dd13c82fb17d4eac3bfbc95a26c5f"
    assert signed["headers"]["Authorization"] == (
        "SDK-HMAC-SHA256 Access=AKEXAMPLE0000000000, SignedHeaders=content-type;host;x-project-id;x-sdk-date, "
        "Signature=834086f8fba0681f1d688cfd7b72e965ec1dd13c82fb17d4eac3bfbc95a26c5f")
    assert signed["headers"]["Host"] == HOST
    assert signed["canonical_request"].startswith("POST\n/v5/iot/proj123/batchtasks/\n\ncontent-type:application/json\n")


def test_vector_sdk_hmac_sha256_get_with_query():
    signed = signing.sign(AK, SK, "GET", HOST, "/v5/iot/proj123/batchtasks",
                          query={"task_type": "firmwareUpgrade", "limit": 10},
                          headers={"Content-Type": "application/json", "X-Sdk-Date": DATE})
    assert signed["target"] == "/v5/iot/proj123/batchtasks?limit=10&task_type=firmwareUpgrade"
    assert signed["signature"] == "ad96784343889852bb0f939d61fdf9a47ed99e456ded2078992210045b2baf4f"
    assert signed["canonical_request"].endswith("\n" + signing.EMPTY_HASH)


def test_vector_v11_hmac_sha256_instance_endpoint():
    host = "abc.iotda.cn-north-4.myhuaweicloud.com"
    assert signing.uses_derived_signing(host, "cn-north-4")
    assert not signing.uses_derived_signing(HOST, "cn-north-4")
    assert not signing.uses_derived_signing(HOST.upper() + ":443", "cn-north-4")
    signed = signing.sign(AK, SK, "GET", host, "/v5/iot/proj123/batchtasks",
                          headers={"Content-Type": "application/json", "X-Sdk-Date": DATE},
                          region="cn-north-4", derived=True)
    assert signed["headers"]["Authorization"] == (
        "V11-HMAC-SHA256 Credential=AKEXAMPLE0000000000/20240101/cn-north-4/iotdm, "
        "SignedHeaders=content-type;host;x-sdk-date, "
        "Signature=087716472d86acd5e30048884a1e40fdfe42ba0a679b02fb078a25ed925d8d8e")
    assert signed["scope"] == "20240101/cn-north-4/iotdm"
    assert signed["string_to_sign"].split("\n")[:3] == ["V11-HMAC-SHA256", DATE, "20240101/cn-north-4/iotdm"]


def test_derived_needs_region():
    with pytest.raises(ValueError):
        signing.sign(AK, SK, "GET", "x.example", "/", headers={"X-Sdk-Date": DATE}, derived=True)


def test_date_from_timestamp_is_utc():
    assert signing.sdk_date(1704067200) == DATE
    signed = signing.sign(AK, SK, "GET", HOST, "/v5/iot/p/batchtasks", timestamp=1704067200)
    assert signed["headers"]["X-Sdk-Date"] == DATE


# ---- the official SDK's signer as an independent reference ----------------------------------------------

CASES = [
    # (method, host, path, query pairs, headers, body)
    ("POST", HOST, "/v5/iot/proj123/batchtasks", [],
     {"Content-Type": "application/json", "X-Project-Id": "proj123"},
     b'{"task_name":"t1","task_type":"firmwareUpgrade","targets":["d1","d2"],"document":{"package_ids":["p1"]}}'),
    ("GET", HOST, "/v5/iot/proj123/batchtasks",
     [("task_type", "firmwareUpgrade"), ("limit", 50), ("marker", "ffffffffffffffffffffffff"), ("offset", 0)],
     {"Content-Type": "application/json", "X-Project-Id": "proj123", "Instance-Id": "inst-1"}, b""),
    # list values (sorted, one pair each), booleans lower-cased, unicode and reserved characters
    ("GET", HOST, "/v5/iot/proj123/ota-upgrades/packages",
     [("version", "v2.0 beta/ü"), ("ids", ["b", "a", "c"]), ("flag", True), ("other", False),
      ("name", "固件 & co=1+2")],
     {"Content-Type": "application/json"}, b""),
    # path segments needing encoding (a device or task id with reserved characters), a tilde kept
    ("GET", HOST, "/v5/iot/proj%20123/batchtasks/task%2Fid~1%3Ax",
     [("task_detail_status", "Fail"), ("target", "dev 1/ä")],
     {"Content-Type": "application/json", "X-Project-Id": "proj 123"}, b""),
    # empty body on a POST, a session token, a header with "_" (never signed) and padded values
    ("POST", HOST, "/v5/iot/proj123/batchtasks/t1/stop", [],
     {"Content-Type": "application/json", "X-Project-Id": "proj123", "X-Security-Token": "tok/en+==",
      "X_Custom": "not signed", "User-Agent": "  iotfleet.firmware  "}, b""),
    ("POST", HOST, "/v5/iot/proj123/batchtasks/t1/stop", [],
     {"Content-Type": "application/json;charset=UTF-8", "X-Project-Id": "proj123"}, b"{}"),
    # non-JSON content: UNSIGNED-PAYLOAD
    ("POST", HOST, "/v5/iot/proj123/upload", [], {"Content-Type": "application/octet-stream"}, b"\x00\x01binary"),
    # a host with a port (an instance endpoint)
    ("GET", "iot.example.internal:8443", "/v5/iot/p/batchtasks/abc", [("limit", 1)],
     {"Content-Type": "application/json", "Instance-Id": "i-42"}, b""),
]


def _sdk_request(method, host, path, query, headers, body):
    return SdkRequest(method=method, schema="https", host=host, resource_path=path,
                      query_params=copy.deepcopy(list(query)),
                      header_params=dict(headers, **{"X-Sdk-Date": DATE}), body=body)


@pytest.mark.parametrize("case", CASES, ids=range(len(CASES)))
def test_same_as_sdk_signer(case):
    method, host, path, query, headers, body = case
    reference = Signer(BasicCredentials(AK, SK)).sign(_sdk_request(*case))
    mine = signing.sign(AK, SK, method, host, path, query=query, headers=dict(headers, **{"X-Sdk-Date": DATE}),
                        body=body)
    assert mine["headers"]["Authorization"] == reference.header_params["Authorization"]
    assert mine["target"] == reference.uri
    assert mine["headers"].get("X-Sdk-Content-Sha256") == reference.header_params.get("X-Sdk-Content-Sha256")


@pytest.mark.parametrize("case", CASES, ids=range(len(CASES)))
def test_same_as_sdk_derived_signer(case):
    method, host, path, query, headers, body = case
    reference = DerivationAKSKSigner(BasicCredentials(AK, SK)).sign(_sdk_request(*case), "iotdm", "cn-north-4")
    mine = signing.sign(AK, SK, method, host, path, query=query, headers=dict(headers, **{"X-Sdk-Date": DATE}),
                        body=body, region="cn-north-4", derived=True)
    assert mine["headers"]["Authorization"] == reference.header_params["Authorization"]
    assert mine["target"] == reference.uri


def test_derived_key_same_as_sdk_hkdf():
    for scope in ("20240101/cn-north-4/iotdm", "20261205/ap-southeast-1/iotdm"):
        assert signing.derived_key(AK, SK, scope) == hkdf.get_der_key_sha256(AK, SK, scope)


def test_sdk_signer_does_not_mutate_my_query():
    query = [("ids", ["b", "a"])]
    signing.sign(AK, SK, "GET", HOST, "/p", query=query, headers={"X-Sdk-Date": DATE})
    assert query == [("ids", ["b", "a"])]
