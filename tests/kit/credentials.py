"""The demo credentials of the emulator's built-in fleet, written once.

The emulator holds the same accounts on its side (``tests/emulator/iotemu/fleet.py``, checked by
``tests/unit/emulator/test_emulator_control.py``); every test and ``scripts/dev.py`` (the demo's
``.demo/emulator.env``) take them from here. Standard library only.
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


def huawei_env(endpoint):
    """The environment variables of the Huawei IoT (legacy) modules for the emulator at ``endpoint``."""
    return {"HUAWEI_IOT_ENDPOINT": endpoint, "HUAWEI_IOT_APP_ID": HUAWEI_APP_ID, "HUAWEI_IOT_SECRET": HUAWEI_SECRET}


def tencent_env(endpoint):
    """The environment variables of the Tencent Cloud IoT Explorer modules for the emulator at ``endpoint``."""
    return {"TENCENTCLOUD_SECRET_ID": TENCENT_SECRET_ID, "TENCENTCLOUD_SECRET_KEY": TENCENT_SECRET_KEY,
            "TENCENTCLOUD_REGION": TENCENT_REGION, "IOTFLEET_TENCENT_ENDPOINT": endpoint}


def iotda_env(endpoint):
    """The IoTDA v5 connection as the environment variables Huawei's tools read (the emulator's endpoint: a host
    other than the region's default, so requests are signed with the derived V11-HMAC-SHA256)."""
    return {"HUAWEICLOUD_SDK_AK": IOTDA_ACCESS_KEY, "HUAWEICLOUD_SDK_SK": IOTDA_SECRET_KEY,
            "HUAWEICLOUD_SDK_PROJECT_ID": IOTDA_PROJECT_ID, "HW_REGION_NAME": IOTDA_REGION,
            "IOTFLEET_IOTDA_ENDPOINT": endpoint}
