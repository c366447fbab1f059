# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # The connection options of Huawei Cloud IoTDA v5 (plugins/module_utils/_huawei_iotda/connection.py).
    DOCUMENTATION = r"""
options:
  access_key:
    description:
      - Access key ID (AK) of the Huawei Cloud account or IAM user. Every request is signed with it and O(secret_key).
      - If not set, the value of the E(HUAWEICLOUD_SDK_AK) environment variable is used (the name Huawei's SDK reads).
    type: str
    required: true
  secret_key:
    description:
      - Secret access key (SK) of O(access_key). It only signs the requests; it is never sent and never returned.
      - If not set, the value of the E(HUAWEICLOUD_SDK_SK) environment variable is used.
    type: str
    required: true
  security_token:
    description:
      - Security token of temporary (STS) credentials, sent signed as the C(X-Security-Token) header.
      - If not set, the value of the E(HUAWEICLOUD_SDK_SECURITY_TOKEN) environment variable is used. An empty value
        means not set.
    type: str
  project_id:
    description:
      - Project ID of the region, used in the API paths (C(/v5/iot/{project_id}/...)) and the C(X-Project-Id) header.
      - If not set, the value of the E(HUAWEICLOUD_SDK_PROJECT_ID) environment variable is used.
    type: str
    required: true
  region:
    description:
      - Region ID, for example V(cn-north-4). It picks the default endpoint and the scope of the derived signature.
      - If not set, the value of the E(HW_REGION_NAME) environment variable is used.
    type: str
    required: true
  endpoint:
    description:
      - The IoTDA endpoint, C(scheme://host[:port]) only (no path), for example an instance's own endpoint.
      - Defaults to C(https://iotda.<region>.myhuaweicloud.com), whose requests are signed with C(SDK-HMAC-SHA256);
        requests to any other host are signed with C(V11-HMAC-SHA256) (derived key, scope C(<date>/<region>/iotdm)).
      - If not set, the value of the E(IOTFLEET_IOTDA_ENDPOINT) environment variable is used. An empty value means
        not set.
    type: str
  instance_id:
    description:
      - IoTDA instance ID, sent as the C(Instance-Id) header (needed by some editions' instances).
      - If not set, the value of the E(IOTFLEET_IOTDA_INSTANCE_ID) environment variable is used. An empty value means
        not set.
    type: str
  ca_path:
    description:
      - PEM file of the certificate authorities to trust instead of the system/certifi bundle.
      - If not set, the value of the E(IOTFLEET_IOTDA_CA_PATH) environment variable is used.
    type: path
  validate_certs:
    description:
      - Verify the TLS certificate (and host name) of the endpoint. Only set to V(false) on trusted test networks.
    type: bool
    default: true
  timeout:
    description:
      - Seconds one HTTP request may take in total (connect, send and the whole answer). At least 1.
    type: int
    default: 30
  api_calls_per_window:
    description:
      - Calls per O(api_window_seconds) the modules make at most for this endpoint and access key, shared by every
        process of the controller (forks, parallel plays).
      - The IoTDA reference documents no per-API limit; 5 calls per second is a conservative default. Raise it when
        the account's limits are known. Throttle answers (HTTP 429, C(APIGW.0308)) are waited out.
      - If not set, the value of the E(IOTFLEET_IOTDA_CALLS_PER_WINDOW) environment variable is used.
    type: int
    default: 5
  api_window_seconds:
    description:
      - The window of O(api_calls_per_window), in seconds; more than 0.
      - If not set, the value of the E(IOTFLEET_IOTDA_WINDOW_SECONDS) environment variable is used.
    type: float
    default: 1.0
  pacing_dir:
    description:
      - Directory of the lock files through which the processes of one controller share the rate limit and the
        work lock (mode 0700, created when missing).
      - If not set, the value of the E(IOTFLEET_PACING_DIR) environment variable is used, else
        C(iotfleet-firmware-<uid>) in the system temporary directory.
    type: path
  reconcile_timeout:
    description:
      - Seconds a create whose answer was lost is looked up before the module gives up (it never posts again).
      - Defaults to twice O(timeout).
    type: int
notes:
  - Requests are signed with the access key pair (AK/SK); the secret key and the security token are never sent in
    clear, never returned and hidden from the output. IAM tokens (C(X-Auth-Token)) are not used.
  - Any answer with C(error_code) is an error. HTTP 404 means the object does not exist; HTTP 5xx and connection
    errors are transient, reads are retried with bounded backoff; a create or a stop is never repeated after an
    error after which it may have been executed, the module reads the platform instead.
  - Answers that are not what the API documents (an empty body, an HTML page, a missing or null list, a counter that
    is not an integer) fail with an error naming the call, never with a success.
  - These modules belong to the C(iotfleet.firmware.huawei_iotda) action group, so the connection options can be set
    once with C(module_defaults).
requirements:
  - requests >= 2.25
"""

    # The connection options of the inventory plugin iotfleet.firmware.huawei_iotda: the modules' names, types,
    # defaults and environment variables (module_utils/_huawei_iotda/connection.py), as plugin options with env
    # entries. No reconcile_timeout: a plugin creates nothing.
    PLUGIN_OPTIONS = r"""
options:
  access_key:
    description:
      - Access key ID (AK) of the Huawei Cloud account or IAM user. Every request is signed with it and O(secret_key).
    type: str
    required: true
    env:
      - name: HUAWEICLOUD_SDK_AK
  secret_key:
    description:
      - Secret access key (SK) of O(access_key). It only signs the requests; it is never sent and never shown.
    type: str
    required: true
    env:
      - name: HUAWEICLOUD_SDK_SK
  security_token:
    description:
      - Security token of temporary (STS) credentials, sent signed as the C(X-Security-Token) header. An empty value
        means not set.
    type: str
    env:
      - name: HUAWEICLOUD_SDK_SECURITY_TOKEN
  project_id:
    description:
      - Project ID of the region, used in the API paths (C(/v5/iot/{project_id}/...)) and the C(X-Project-Id) header.
    type: str
    required: true
    env:
      - name: HUAWEICLOUD_SDK_PROJECT_ID
  region:
    description:
      - Region ID, for example V(cn-north-4). It picks the default endpoint and the scope of the derived signature.
    type: str
    required: true
    env:
      - name: HW_REGION_NAME
  endpoint:
    description:
      - The IoTDA endpoint, C(scheme://host[:port]) only (no path), for example an instance's own endpoint.
      - Defaults to C(https://iotda.<region>.myhuaweicloud.com) (signed with C(SDK-HMAC-SHA256)); any other host is
        signed with C(V11-HMAC-SHA256). An empty value means not set.
    type: str
    env:
      - name: IOTFLEET_IOTDA_ENDPOINT
  instance_id:
    description:
      - IoTDA instance ID, sent as the C(Instance-Id) header (needed by some editions' instances). An empty value
        means not set.
    type: str
    env:
      - name: IOTFLEET_IOTDA_INSTANCE_ID
  ca_path:
    description:
      - PEM file of the certificate authorities to trust instead of the system/certifi bundle.
    type: path
    env:
      - name: IOTFLEET_IOTDA_CA_PATH
  validate_certs:
    description:
      - Verify the TLS certificate (and host name) of the endpoint. Only set to V(false) on trusted test networks.
    type: bool
    default: true
  timeout:
    description:
      - Seconds one HTTP request may take in total (connect, send and the whole answer). At least 1.
    type: int
    default: 30
  api_calls_per_window:
    description:
      - Calls per O(api_window_seconds) this controller makes for the endpoint and access key, shared by every
        process using it (modules, rollouts and this plugin). The IoTDA reference documents no per-API limit; 5 calls
        per second is a conservative default.
    type: int
    default: 5
    env:
      - name: IOTFLEET_IOTDA_CALLS_PER_WINDOW
  api_window_seconds:
    description:
      - The window of O(api_calls_per_window), in seconds; more than 0.
    type: float
    default: 1.0
    env:
      - name: IOTFLEET_IOTDA_WINDOW_SECONDS
  pacing_dir:
    description:
      - Directory of the controller-wide rate limiter files.
      - Default C(<temporary directory>/iotfleet-firmware-<uid>).
    type: path
    env:
      - name: IOTFLEET_PACING_DIR
requirements:
  - requests >= 2.25
"""

    # The action group of the IoTDA v5 modules (meta/runtime.yml).
    ACTIONGROUP = r"""
options: {}
attributes:
  action_group:
    description: Use C(group/iotfleet.firmware.huawei_iotda) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - iotfleet.firmware.huawei_iotda
"""
