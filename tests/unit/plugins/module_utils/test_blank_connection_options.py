"""AWX injects blank optional credential fields as empty environment variables: "" counts as unset.

The environment goes through the modules' own argument spec (``env_fallback``) like in a job template run; the
provider built from the resulting params must verify TLS against the system CAs, send no client certificate and
carry no token, and the connection checks must not complain about the empty values.
"""
import pytest

from ansible.module_utils.basic import AnsibleModule
from module_runner import patch_module_args  # tests/unit/plugins/modules/module_runner.py

from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei import connection as huawei
from ansible_collections.iotfleet.firmware.plugins.module_utils._provider import ValidationError, blank_as_unset
from ansible_collections.iotfleet.firmware.plugins.module_utils._tencent import connection as tencent
from ansible_collections.iotfleet.firmware.plugins.module_utils._tencent.signing import DEFAULT_ENDPOINT

HUAWEI_ENV = {"HUAWEI_IOT_ENDPOINT": "https://iot.example.com:8743", "HUAWEI_IOT_APP_ID": "app",
              "HUAWEI_IOT_SECRET": "s3cret", "HUAWEI_IOT_ACCESS_TOKEN": "", "HUAWEI_IOT_CA_PATH": "",
              "HUAWEI_IOT_CLIENT_CERT": "", "HUAWEI_IOT_CLIENT_KEY": ""}
TENCENT_ENV = {"TENCENTCLOUD_SECRET_ID": "AKIDx", "TENCENTCLOUD_SECRET_KEY": "key", "TENCENTCLOUD_REGION": "ap-guangzhou",
               "TENCENTCLOUD_SESSION_TOKEN": "", "IOTFLEET_TENCENT_ENDPOINT": "", "TENCENTCLOUD_CA_PATH": ""}


def params_from_env(monkeypatch, tmp_path, env, spec):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("IOTFLEET_PACING_DIR", str(tmp_path))
    with patch_module_args({}):
        return AnsibleModule(argument_spec=spec).params


def test_huawei_blank_optional_fields_are_unset(monkeypatch, tmp_path):
    params = params_from_env(monkeypatch, tmp_path, HUAWEI_ENV, huawei.argument_spec())
    assert params["ca_path"] == "" and params["access_token"] == ""  # what env_fallback makes of AWX's fields
    huawei.validate(params)
    api = huawei.provider_from_params(params).api
    assert api.session.verify is True and api.session.cert is None
    assert api.given_token is None and api.token is None and api.token_cache is not None


def test_huawei_client_key_with_a_blank_client_cert_is_still_refused(monkeypatch, tmp_path):
    params = params_from_env(monkeypatch, tmp_path, dict(HUAWEI_ENV, HUAWEI_IOT_CLIENT_KEY="/etc/key.pem"),
                             huawei.argument_spec())
    with pytest.raises(ValidationError) as err:
        huawei.validate(params)
    assert "client_key requires client_cert" in str(err.value)


def test_tencent_blank_optional_fields_are_unset(monkeypatch, tmp_path):
    params = params_from_env(monkeypatch, tmp_path, TENCENT_ENV, tencent.argument_spec())
    assert params["endpoint"] == "" and params["session_token"] == ""
    tencent.validate(params)
    api = tencent.provider_factory(params).api
    assert api.url == DEFAULT_ENDPOINT.rstrip("/") + "/" and api.session_token is None
    assert api.session.verify is True


def test_blank_as_unset_touches_only_the_named_empty_options():
    params = {"ca_path": "", "secret": "", "timeout": 0, "client_cert": "/c.pem"}
    assert blank_as_unset(params, ("ca_path", "client_cert")) == {"ca_path": None, "secret": "", "timeout": 0,
                                                                  "client_cert": "/c.pem"}
    assert params["ca_path"] == ""  # a copy: the module's params stay as given
