# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # The connection options of the modules (module_utils/_tencent/connection.py: argument_spec).
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
      - If not set, the value of the E(TENCENTCLOUD_SESSION_TOKEN) environment variable is used, then
        E(TENCENTCLOUD_SECURITY_TOKEN).
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
      - If not set, the value of the E(TENCENTCLOUD_CA_PATH) environment variable is used.
    type: path
  validate_certs:
    description:
      - Verify the TLS certificate of the endpoint. Only set to V(false) on trusted test networks.
    type: bool
    default: true
  timeout:
    description:
      - Overall deadline in seconds of each HTTP exchange (connect, send and the whole answer).
    type: int
    default: 30
  api_calls_per_second:
    description:
      - Unset, each action is paced at its own documented call-frequency limit (IoT Explorer limits each action on
        its own; C(GetDeviceList) 10 per second, C(DescribeDevice) 50, the firmware actions 20, an action without a
        documented limit 20). Set, every action is paced at most at this many calls per second.
      - The pace is shared by every process of this controller (C(forks), parallel plays) for one endpoint and
        O(secret_id), through a lock file per action in O(pacing_dir). The window is 1.1 s, as the platform counts a
        call when it arrives and the limiter when it leaves.
      - If not set, the value of the E(TENCENT_IOT_API_CALLS_PER_SECOND) environment variable is used.
    type: int
  pacing_dir:
    description:
      - Directory of the rate limiter's state files (mode 0700), shared by the processes of the controller.
      - If not set, the value of the E(IOTFLEET_PACING_DIR) environment variable is used, else
        C(<temp dir>/iotfleet-firmware-<uid>).
    type: path
  reconcile_timeout:
    description:
      - Seconds a create whose answer was lost (or refused because the devices are in a task) is looked up before
        the module gives up; nothing is ever posted twice. Default twice O(timeout).
    type: int
notes:
  - Requests are made with the Python C(requests) library and signed by the collection itself; the Tencent Cloud SDK
    is not needed.
  - The controller clock must be within 5 minutes of Tencent Cloud's, or every call fails with
    C(AuthFailure.SignatureExpire).
  - Every call is paced by the shared rate limiter of its action (O(api_calls_per_second)). C(RequestLimitExceeded*)
    answers wait for the window and are sent again (the platform executed nothing). Reads are retried with bounded, jittered
    exponential backoff on C(InternalError*), HTTP 5xx and connection errors; writes only when the request cannot
    have been executed (a refused connection).
  - Every answer is type-checked; a missing or null list, a non-integer C(Total), an empty or non-JSON body is a
    failure naming the action, never read as "nothing there".
requirements:
  - requests >= 2.25
"""

    # The connection options of the plugins (inventory plugin iotfleet.firmware.tencent_iot): the modules' names,
    # types, defaults and environment variables (module_utils/_tencent/connection.py), as plugin options with env
    # entries. No reconcile_timeout: a plugin creates nothing.
    PLUGIN_OPTIONS = r"""
options:
  secret_id:
    description:
      - Tencent Cloud API SecretId.
    type: str
    required: true
    env:
      - name: TENCENTCLOUD_SECRET_ID
  secret_key:
    description:
      - Tencent Cloud API SecretKey, used to sign every request (TC3-HMAC-SHA256); never sent or shown.
    type: str
    required: true
    env:
      - name: TENCENTCLOUD_SECRET_KEY
  session_token:
    description:
      - STS session token of temporary credentials, sent as C(X-TC-Token).
    type: str
    env:
      - name: TENCENTCLOUD_SESSION_TOKEN
      - name: TENCENTCLOUD_SECURITY_TOKEN
  region:
    description:
      - Region of the IoT Explorer instance, for example V(ap-guangzhou), sent as C(X-TC-Region).
    type: str
    required: true
    env:
      - name: TENCENTCLOUD_REGION
  endpoint:
    description:
      - Full URL of the API endpoint, scheme and host (and port) only.
    type: str
    default: https://iotexplorer.tencentcloudapi.com
    env:
      - name: IOTFLEET_TENCENT_ENDPOINT
  ca_path:
    description:
      - PEM file of the certificate authorities to trust instead of the system/certifi bundle.
    type: path
    env:
      - name: TENCENTCLOUD_CA_PATH
  validate_certs:
    description:
      - Verify the TLS certificate of the endpoint. Only set to V(false) on trusted test networks.
    type: bool
    default: true
  timeout:
    description:
      - Overall deadline in seconds of each HTTP exchange (connect, send and the whole answer).
    type: int
    default: 30
  api_calls_per_second:
    description:
      - Unset, each action is paced at its own documented limit (C(GetDeviceList) 10 per second); set, every action
        at most at this many calls per second. Shared by every process of the controller using the SecretId
        (modules, rollouts and this plugin).
    type: int
    env:
      - name: TENCENT_IOT_API_CALLS_PER_SECOND
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
