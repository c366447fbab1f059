# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # The connection options of the modules (module_utils/_huawei/connection.py: argument_spec).
    DOCUMENTATION = r"""
options:
  endpoint:
    description:
      - Full URL of the northbound API, with scheme, host and port, for example V(https://iot.example.com:8743)
        (8743 is the platform's usual northbound HTTPS port).
      - The API paths (C(/iocm/app/sec/v1.1.0/...), C(/iodm/northbound/v1.5.0/...)) are appended to it.
      - If not set, the value of the E(HUAWEI_IOT_ENDPOINT) environment variable is used.
    type: str
    required: true
  app_id:
    description:
      - Application ID (C(appId)) of the northbound application (NA). It is also sent as the C(app_key) header
        of every call, so it is needed with O(access_token) too.
      - If not set, the value of the E(HUAWEI_IOT_APP_ID) environment variable is used.
    type: str
    required: true
  secret:
    description:
      - Secret of the application, used to log in (C(POST /iocm/app/sec/v1.1.0/login)) when no valid shared token is
        cached.
      - Required unless O(access_token) is given.
      - If not set, the value of the E(HUAWEI_IOT_SECRET) environment variable is used.
    type: str
  access_token:
    description:
      - An access token obtained beforehand. The module then does not log in and uses it as is.
      - Only the newest token of an application is valid; if the token is rejected (error C(1010005)) the module
        fails with a clear message instead of logging in.
      - If not set, the value of the E(HUAWEI_IOT_ACCESS_TOKEN) environment variable is used.
    type: str
  client_cert:
    description:
      - PEM client certificate for mutual TLS (the northbound port usually requires one).
      - May contain the private key too; otherwise give O(client_key).
      - If not set, the value of the E(HUAWEI_IOT_CLIENT_CERT) environment variable is used.
    type: path
  client_key:
    description:
      - PEM private key of O(client_cert) (unencrypted).
      - If not set, the value of the E(HUAWEI_IOT_CLIENT_KEY) environment variable is used.
    type: path
  ca_path:
    description:
      - PEM file of the certificate authorities that signed the platform's server certificate, used instead of the
        system/certifi bundle.
      - If not set, the value of the E(HUAWEI_IOT_CA_PATH) environment variable is used.
    type: path
  validate_certs:
    description:
      - Verify the TLS certificate (and host name) of the endpoint. Only set to V(false) on trusted test networks.
    type: bool
    default: true
  timeout:
    description:
      - Seconds one HTTP request may take in total (connect, send and the whole answer).
    type: int
    default: 30
  api_calls_per_minute:
    description:
      - Calls per 60 seconds the module makes at most for this endpoint and app id, shared by every process of the
        controller (forks, parallel plays). The platform's documented default flow control is 100 calls per minute
        (error C(1010009) beyond it); set this to the quota when the platform operators raised it.
      - If not set, the value of the E(HUAWEI_IOT_API_CALLS_PER_MINUTE) environment variable is used.
    type: int
    default: 100
  pacing_dir:
    description:
      - Directory of the lock files through which the processes of one controller share the rate limit and the
        access token (mode 0700, created when missing).
      - If not set, the value of the E(IOTFLEET_PACING_DIR) environment variable is used, else
        C(iotfleet-firmware-<uid>) in the system temporary directory.
    type: path
  reconcile_timeout:
    description:
      - Seconds a create whose answer was lost is looked up before the module gives up (it never posts again).
      - Defaults to twice O(timeout).
    type: int
notes:
  - The access token is shared by the processes of the controller (see O(pacing_dir)) and put in the values Ansible
    hides from output. The module logs in only when no valid token is cached, or when the cached token was rejected
    (C(1010005), for example because another login replaced it); a token rejected right after a login is an error.
  - Any answer carrying C(error_code) is an error, also with HTTP 200. Every call waits for the shared rate limit;
    a throttle answer (C(403/1010009)) waits for the rate-limit window, reads are retried with bounded, jittered
    exponential backoff on HTTP 5xx and connection errors. A create is never repeated after an error after which it
    may have been executed; the module looks the task up instead.
  - Answers that are not what the API documents (an empty body, an HTML error page, a missing or null list, a
    counter that is not an integer) fail with an error naming the call, never with a success.
  - These modules belong to the C(iotfleet.firmware.huawei_iot) action group, so the connection options can be set
    once with C(module_defaults).
requirements:
  - requests >= 2.25
"""

    # The connection options of the plugins (inventory plugin iotfleet.firmware.huawei_iot): the modules' names,
    # types, defaults and environment variables (module_utils/_huawei/connection.py), as plugin options with env
    # entries. No reconcile_timeout: a plugin creates nothing.
    PLUGIN_OPTIONS = r"""
options:
  endpoint:
    description:
      - Full URL of the northbound API, with scheme, host and port, for example V(https://iot.example.com:8743).
    type: str
    required: true
    env:
      - name: HUAWEI_IOT_ENDPOINT
  app_id:
    description:
      - Application ID (C(appId)) of the northbound application; also sent as the C(app_key) header.
    type: str
    required: true
    env:
      - name: HUAWEI_IOT_APP_ID
  secret:
    description:
      - Secret of the application, used to log in (the access token is shared with the modules through the
        controller's token cache, so a listing does not invalidate the token of a running rollout).
      - Required unless O(access_token) is given.
    type: str
    env:
      - name: HUAWEI_IOT_SECRET
  access_token:
    description:
      - An access token obtained beforehand; the plugin then does not log in.
    type: str
    env:
      - name: HUAWEI_IOT_ACCESS_TOKEN
  client_cert:
    description:
      - PEM client certificate for mutual TLS; may contain the private key too, otherwise give O(client_key).
    type: path
    env:
      - name: HUAWEI_IOT_CLIENT_CERT
  client_key:
    description:
      - PEM private key of O(client_cert) (unencrypted).
    type: path
    env:
      - name: HUAWEI_IOT_CLIENT_KEY
  ca_path:
    description:
      - PEM file of the certificate authorities that signed the platform's server certificate.
    type: path
    env:
      - name: HUAWEI_IOT_CA_PATH
  validate_certs:
    description:
      - Verify the TLS certificate (and host name) of the endpoint. Only set to V(false) on trusted test networks.
    type: bool
    default: true
  timeout:
    description:
      - Seconds one HTTP request may take in total (connect, send and the whole answer).
    type: int
    default: 30
  api_calls_per_minute:
    description:
      - Calls per minute this controller makes for the application, shared by every process using it (modules,
        rollouts and this plugin). The platform's documented default limit is 100.
    type: int
    default: 100
    env:
      - name: HUAWEI_IOT_API_CALLS_PER_MINUTE
  pacing_dir:
    description:
      - Directory of the controller-wide rate limiter and token cache files.
      - Default C(<temporary directory>/iotfleet-firmware-<uid>).
    type: path
    env:
      - name: IOTFLEET_PACING_DIR
requirements:
  - requests >= 2.25
"""
