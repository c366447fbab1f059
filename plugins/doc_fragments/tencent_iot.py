# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    DOCUMENTATION = r"""
options:
  secret_id:
    description:
      - Tencent Cloud API SecretId.
      - If not set, the value of the E(TENCENTCLOUD_SECRET_ID) environment variable is used.
    type: str
    required: true
  secret_key:
    description:
      - Tencent Cloud API SecretKey, used to sign every request (TC3-HMAC-SHA256). Never sent, logged or returned.
      - If not set, the value of the E(TENCENTCLOUD_SECRET_KEY) environment variable is used.
    type: str
    required: true
  session_token:
    description:
      - STS session token of temporary credentials, sent as C(X-TC-Token) (it is not part of the signature).
      - If not set, the value of the E(TENCENTCLOUD_SESSION_TOKEN) environment variable is used.
    type: str
  region:
    description:
      - Region of the IoT Explorer instance, for example V(ap-guangzhou), sent as C(X-TC-Region).
        The firmware actions require it.
      - If not set, the value of the E(TENCENTCLOUD_REGION) environment variable is used.
    type: str
    required: true
  endpoint:
    description:
      - Full URL of the API endpoint, scheme and host (and port) only; requests are posted to C(/).
      - The C(Host) header sent and signed is the host (and port) of this URL.
      - Use a region-specific host such as C(https://iotexplorer.ap-shanghai-fsi.tencentcloudapi.com) for
        finance zones, or a test endpoint such as C(http://127.0.0.1:8080).
      - If not set, the value of the E(IOTFLEET_TENCENT_ENDPOINT) environment variable is used, then the default.
    type: str
    default: https://iotexplorer.tencentcloudapi.com
  ca_path:
    description:
      - PEM file of the certificate authorities to trust instead of the system/certifi bundle.
    type: path
  validate_certs:
    description:
      - Verify the TLS certificate of the endpoint. Only set to V(false) on trusted test networks.
    type: bool
    default: true
  timeout:
    description:
      - Seconds to wait for each HTTP answer.
    type: int
    default: 30
notes:
  - Requests are made with the Python C(requests) library and signed by the collection itself; the Tencent Cloud SDK
    is not needed.
  - The controller clock must be within 5 minutes of Tencent Cloud's, or every call fails with
    C(AuthFailure.SignatureExpire).
  - Reads are retried with bounded, jittered exponential backoff on C(RequestLimitExceeded*), C(InternalError*),
    HTTP 5xx and connection errors; writes only on C(RequestLimitExceeded*) and refused connections.
requirements:
  - requests >= 2.25
"""
