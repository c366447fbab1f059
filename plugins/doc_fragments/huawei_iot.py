# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
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
      - Secret of the application, used to log in (C(POST /iocm/app/sec/v1.1.0/login)) once per module run.
      - Required unless O(access_token) is given.
      - If not set, the value of the E(HUAWEI_IOT_SECRET) environment variable is used.
    type: str
  access_token:
    description:
      - An access token obtained beforehand. The module then does not log in.
      - Only the newest token of an application is valid; if the token is rejected (error C(1010005)) the module
        fails with a clear message instead of logging in.
    type: str
  client_cert:
    description:
      - PEM client certificate for mutual TLS (the northbound port usually requires one).
      - May contain the private key too; otherwise give O(client_key).
    type: path
  client_key:
    description:
      - PEM private key of O(client_cert) (unencrypted).
    type: path
  ca_path:
    description:
      - PEM file of the certificate authorities that signed the platform's server certificate, used instead of the
        system/certifi bundle.
    type: path
  validate_certs:
    description:
      - Verify the TLS certificate (and host name) of the endpoint. Only set to V(false) on trusted test networks.
    type: bool
    default: true
  timeout:
    description:
      - Seconds to wait for each HTTP answer.
    type: int
    default: 30
notes:
  - The module logs in once per run and puts the access token in the values Ansible hides from output. If a call
    answers C(1010005) (token invalid, for example because another login replaced it), it logs in again and repeats
    that call once.
  - Any answer carrying C(error_code) is an error, also with HTTP 200. Reads are retried with bounded, jittered
    exponential backoff on C(403/1010009) (flow control, 100 calls per minute by default), HTTP 5xx and connection
    errors. A create is only repeated when the error proves nothing was created (throttle, refused connection);
    otherwise the module looks the task up first.
  - These modules belong to the C(iotfleet.firmware.huawei_iot) action group, so the connection options can be set
    once with C(module_defaults).
requirements:
  - requests >= 2.25
"""
