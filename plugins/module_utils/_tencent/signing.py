# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""TC3-HMAC-SHA256 signing of API 3.0 requests (reference §1.3), stdlib only.

The exact body bytes that are sent are signed; a fresh timestamp and signature are made for every attempt.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import hmac
import json
from datetime import datetime, timezone

SERVICE = "iotexplorer"
API_VERSION = "2019-04-23"
DEFAULT_ENDPOINT = "https://iotexplorer.tencentcloudapi.com"
CONTENT_TYPE = "application/json"
LANGUAGE = "en-US"
REQUEST_CLIENT = "ANSIBLE_IOTFLEET_FIRMWARE_0.2.0"
ALGORITHM = "TC3-HMAC-SHA256"
SIGNED_HEADERS = "content-type;host"


def _sha256_hex(data):
    if not isinstance(data, bytes):
        data = data.encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def _hmac(key, msg):
    return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()


def utc_date(timestamp):
    """The UTC calendar date of a Unix timestamp (never local time: reference §1.3 step 4)."""
    return datetime.fromtimestamp(int(timestamp), timezone.utc).strftime("%Y-%m-%d")


def tc3_signature(secret_key, host, body, timestamp, service=SERVICE, content_type=CONTENT_TYPE):
    """Every intermediate value of TC3-HMAC-SHA256 for a ``POST /`` with ``body`` (bytes).

    Returns a dict with ``payload_hash``, ``canonical_request``, ``hashed_canonical_request``, ``date``,
    ``credential_scope``, ``string_to_sign``, ``k_date``/``k_service``/``k_signing`` (hex) and ``signature``.
    """
    if not isinstance(body, bytes):
        body = body.encode("utf-8")
    payload_hash = _sha256_hex(body)
    canonical_headers = "content-type:%s\nhost:%s\n" % (content_type, host)
    canonical_request = "\n".join(["POST", "/", "", canonical_headers, SIGNED_HEADERS, payload_hash])
    hashed_canonical_request = _sha256_hex(canonical_request)
    date = utc_date(timestamp)
    credential_scope = "%s/%s/tc3_request" % (date, service)
    string_to_sign = "\n".join([ALGORITHM, str(int(timestamp)), credential_scope, hashed_canonical_request])
    k_date = _hmac(("TC3" + secret_key).encode("utf-8"), date)
    k_service = _hmac(k_date, service)
    k_signing = _hmac(k_service, "tc3_request")
    signature = hmac.new(k_signing, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    return {
        "payload_hash": payload_hash,
        "canonical_request": canonical_request,
        "hashed_canonical_request": hashed_canonical_request,
        "date": date,
        "credential_scope": credential_scope,
        "string_to_sign": string_to_sign,
        "k_date": k_date.hex(),
        "k_service": k_service.hex(),
        "k_signing": k_signing.hex(),
        "signature": signature,
    }


def authorization_header(secret_id, secret_key, host, body, timestamp, service=SERVICE, content_type=CONTENT_TYPE):
    parts = tc3_signature(secret_key, host, body, timestamp, service=service, content_type=content_type)
    return "%s Credential=%s/%s, SignedHeaders=%s, Signature=%s" % (
        ALGORITHM, secret_id, parts["credential_scope"], SIGNED_HEADERS, parts["signature"])


def signed_headers(secret_id, secret_key, action, body, timestamp, host, region=None, session_token=None,
                   language=LANGUAGE, version=API_VERSION, request_client=REQUEST_CLIENT, service=SERVICE):
    """The full header set of one API 3.0 request. Only ``content-type`` and ``host`` are signed."""
    headers = {
        "Authorization": authorization_header(secret_id, secret_key, host, body, timestamp, service=service),
        "Content-Type": CONTENT_TYPE,
        "Host": host,
        "X-TC-Action": action,
        "X-TC-Timestamp": str(int(timestamp)),
        "X-TC-Version": version,
    }
    optional = (("X-TC-Region", region), ("X-TC-Token", session_token), ("X-TC-Language", language),
                ("X-TC-RequestClient", request_client))
    headers.update((name, value) for name, value in optional if value)
    return headers


def encode_body(params):
    """The JSON body bytes (``None`` parameters left out, keys sorted, compact); these exact bytes are signed."""
    clean = dict((key, value) for key, value in (params or {}).items() if value is not None)
    return json.dumps(clean, separators=(",", ":"), sort_keys=True).encode("utf-8")
