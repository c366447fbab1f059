# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""AK/SK signing of Huawei Cloud IoTDA v5 requests (reference §10.6), stdlib only, pure functions.

* ``SDK-HMAC-SHA256`` for the shared regional endpoints ``iotda.{region}.myhuaweicloud.com``.
* ``V11-HMAC-SHA256`` (derived AK/SK) for every other host (an instance's own endpoint): the string to sign carries
  the scope ``YYYYMMDD/<region>/iotdm`` and the HMAC key is the hex of an HKDF-SHA256 derivation of AK and SK.

The canonical request follows the official SDK's signer byte for byte (``huaweicloudsdkcore`` ``signer/signer.py``;
the unit tests compare both): every header is signed except names containing ``_``; the URI is each path segment
percent-encoded (only ``~`` kept besides the unreserved characters) and always ends with ``/``; the query is sorted
by key (list values sorted, booleans lower-case); an empty body hashes as the empty string. The request sent must
use the same path and query strings as the ones signed: :func:`request_target` gives them.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import hmac
from datetime import datetime, timezone
from urllib.parse import quote, unquote

SDK_ALGORITHM = "SDK-HMAC-SHA256"
V11_ALGORITHM = "V11-HMAC-SHA256"
DERIVED_SERVICE = "iotdm"  # the derived-auth service name of IoTDA (reference §10.6, IoTDACredentials)
DATE_FORMAT = "%Y%m%dT%H%M%SZ"
HEADER_DATE = "X-Sdk-Date"
HEADER_CONTENT_SHA256 = "X-Sdk-Content-Sha256"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
EMPTY_HASH = hashlib.sha256(b"").hexdigest()
DEFAULT_HOST = "iotda.%s.myhuaweicloud.com"


def sdk_date(timestamp):
    """``X-Sdk-Date`` of a Unix timestamp: ``YYYYMMDDTHHMMSSZ`` in UTC."""
    return datetime.fromtimestamp(int(timestamp), timezone.utc).strftime(DATE_FORMAT)


def default_host(region):
    """The shared ("default") endpoint host of a region (reference §10.1)."""
    return DEFAULT_HOST % region


def uses_derived_signing(host, region):
    """``V11-HMAC-SHA256`` is used for every host other than the region's default endpoint (reference §10.6).

    The host is compared without a port: ``iotda.<region>.myhuaweicloud.com:443`` is still the default endpoint
    (spec silent on ports; the SDK compares the host it was given)."""
    return (host or "").lower().rsplit(":", 1)[0] != default_host(region).lower()


def encode(value):
    """Percent-encoding of one query key/value or path segment (unreserved characters and ``~`` kept)."""
    return quote(value, safe="~")


def canonical_uri(path):
    """Each segment of ``path`` (decoded, then encoded again) joined by ``/``, always ending with ``/``."""
    uri = "/".join(encode(segment) for segment in unquote(path or "/").split("/"))
    return uri if uri.endswith("/") else uri + "/"


def _pairs(query):
    if not query:
        return []
    items = query.items() if isinstance(query, dict) else query
    return [(key, value) for key, value in items if value is not None]


def canonical_query(query):
    """The sorted, encoded query string (also the one sent): ``query`` is a dict or a list of ``(key, value)``;
    ``None`` values are left out, a list value gives one ``key=value`` per item (items sorted), booleans are
    ``true``/``false``."""
    parts = []
    for key, value in sorted(_pairs(query)):
        name = encode(str(key))
        if isinstance(value, (list, tuple)):
            parts.extend("%s=%s" % (name, encode(str(item))) for item in sorted(value))
        elif isinstance(value, bool):
            parts.append("%s=%s" % (name, encode(str(value).lower())))
        else:
            parts.append("%s=%s" % (name, encode(str(value))))
    return "&".join(parts)


def request_target(path, query=None):
    """The path and query to send: exactly what :func:`canonical_query` signs."""
    text = canonical_query(query)
    return "%s?%s" % (path, text) if text else path


def _header(headers, name):
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value
    return None


def payload_hash(headers, body):
    """The hex SHA-256 of ``body``; ``X-Sdk-Content-Sha256`` when set (non-JSON content) and the body is not empty."""
    if not body:
        return EMPTY_HASH
    given = _header(headers, HEADER_CONTENT_SHA256)
    if given:
        return given
    return hashlib.sha256(body if isinstance(body, bytes) else body.encode("utf-8")).hexdigest()


def signed_header_names(headers):
    """Every header name, lower-case, except names containing ``_``; sorted."""
    return sorted(set(name.lower() for name in headers if "_" not in name))


def canonical_request(method, path, query, headers, body):
    """``(canonical request, signed header names)``; ``headers`` must already hold Host and X-Sdk-Date."""
    names = signed_header_names(headers)
    values = dict((name.lower(), str(value).strip()) for name, value in headers.items())
    canonical_headers = "".join("%s:%s\n" % (name, values[name]) for name in names)
    text = "\n".join([method.upper(), canonical_uri(path), canonical_query(query), canonical_headers,
                      ";".join(names), payload_hash(headers, body)])
    return text, names


def _hex_sha256(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _hmac_hex(key, text):
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()


def derived_key(access_key, secret_key, scope):
    """HKDF-SHA256 (extract: HMAC key = AK, message = SK; expand: info = scope, one block of 32 bytes) as lower-case
    hex: the HMAC key (its ASCII bytes) of a ``V11-HMAC-SHA256`` signature."""
    prk = hmac.new(access_key.encode("utf-8"), secret_key.encode("utf-8"), hashlib.sha256).digest()
    return hmac.new(prk, scope.encode("utf-8") + b"\x01", hashlib.sha256).hexdigest()


def prepare_headers(headers, host, date, content_type=None):
    """A copy of ``headers`` with ``Host`` and ``X-Sdk-Date`` (unless present), and ``X-Sdk-Content-Sha256:
    UNSIGNED-PAYLOAD`` when the Content-Type is neither JSON nor BSON (as the SDK's signer does)."""
    result = dict(headers)
    content_type = content_type if content_type is not None else _header(result, "Content-Type")
    if content_type and not content_type.startswith(("application/json", "application/bson")):
        result.setdefault(HEADER_CONTENT_SHA256, UNSIGNED_PAYLOAD)
    if _header(result, HEADER_DATE) is None:
        result[HEADER_DATE] = date
    if _header(result, "Host") is None:
        result["Host"] = host
    return result


def sign(access_key, secret_key, method, host, path, query=None, headers=None, body=b"", timestamp=None, region=None,
         derived=False, service=DERIVED_SERVICE):
    """Sign one request. Returns a dict: ``headers`` (the request headers, ``Authorization`` included),
    ``target`` (path and query to send), ``canonical_request``, ``string_to_sign``, ``signed_headers``,
    ``signature``, ``scope`` (derived only).

    ``headers`` may carry ``X-Sdk-Date`` already (test vectors); otherwise ``timestamp`` gives it. ``derived``
    selects ``V11-HMAC-SHA256`` and needs ``region``.
    """
    headers = dict(headers or {})
    date = _header(headers, HEADER_DATE) or sdk_date(timestamp)
    headers = prepare_headers(headers, host, date)
    if isinstance(body, str):
        body = body.encode("utf-8")
    canonical, names = canonical_request(method, path, query, headers, body)
    hashed = _hex_sha256(canonical)
    result = {"canonical_request": canonical, "signed_headers": ";".join(names), "target": request_target(path, query)}
    if derived:
        if not region:
            raise ValueError("V11-HMAC-SHA256 signing needs the region")
        scope = "%s/%s/%s" % (date[:8], region, service)
        string_to_sign = "\n".join([V11_ALGORITHM, date, scope, hashed])
        signature = _hmac_hex(derived_key(access_key, secret_key, scope).encode("ascii"), string_to_sign)
        authorization = "%s Credential=%s/%s, SignedHeaders=%s, Signature=%s" % (
            V11_ALGORITHM, access_key, scope, result["signed_headers"], signature)
        result["scope"] = scope
    else:
        string_to_sign = "\n".join([SDK_ALGORITHM, date, hashed])
        signature = _hmac_hex(secret_key.encode("utf-8"), string_to_sign)
        authorization = "%s Access=%s, SignedHeaders=%s, Signature=%s" % (
            SDK_ALGORITHM, access_key, result["signed_headers"], signature)
    headers["Authorization"] = authorization
    result.update(headers=headers, string_to_sign=string_to_sign, signature=signature)
    return result
