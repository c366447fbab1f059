"""Credentials of the emulator's built-in demo fleet, shared by the integration tests.

A module of its own (not ``conftest``) so that test modules can import it unambiguously:
several directories have a ``conftest.py`` and ``from conftest import ...`` would pick any of them.
"""

HUAWEI_APP_ID = "demo-app"
HUAWEI_SECRET = "demo-secret"
TENCENT_SECRET_ID = "AKIDdemo0000000000000000000000000000"
TENCENT_SECRET_KEY = "demo-secret-key-000000000000000000"
TENCENT_REGION = "ap-guangzhou"
IOTDA_ACCESS_KEY = "IOTDADEMOAK0000000000"
IOTDA_SECRET_KEY = "IOTDADEMOSK0000000000000000000000000000000"
IOTDA_PROJECT_ID = "iotda-demo-project"
IOTDA_REGION = "cn-north-4"
