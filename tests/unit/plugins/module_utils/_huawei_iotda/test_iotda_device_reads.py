"""IoTDA v5 device versions by per-device reads (``ShowDevice``, ``GET /v5/iot/{project_id}/devices/{device_id}``,
taken from the official SDK ``huaweicloudsdkiotda``: the reference documents no v5 device query) or by the paged
``ListDevices``, whichever costs fewer calls; ``auth_info`` (the device secret) dropped at parse. Against canned
answers (tests/kit/iotda.py): every test lists the exact calls it expects, in order."""
import json

import pytest

from ansible_collections.iotfleet.firmware.plugins.module_utils._errors import IoTError
from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei_iotda import api as iapi

from kit.iotda import (
    DEVICES, PACKAGE, device, device_path, devices_page, devices_query, error, get, package, package_path)

MARKER_1 = "64000000000000000000012c"
MARKER_2 = "6400000000000000000000fa"
PRODUCT = "prod-meter"
SECRET = "dev-secret-EXAMPLE-7f3a9c21"
SECONDARY = "dev-secondary-EXAMPLE-52be"


def show_path(number):
    return device_path("dev-%03d" % number)


def shown(number, fw="1.0.0", sw="1.0.0", product=PRODUCT, secret=SECRET, **extra):
    """A ShowDeviceResponse (SDK): the QueryDeviceSimplify fields plus auth_info with the device's secrets."""
    raw = device(number, fw=fw, sw=sw, product=product, **extra)
    raw["auth_info"] = {"auth_type": "SECRET", "secret": secret, "secondary_secret": SECONDARY,
                        "secure_access": True, "timeout": 0}
    return raw


def package_call():
    return get(package_path(), answer=package(product_id=PRODUCT))


def work_of(provider, devices, **extra):
    work = provider.validate(dict({"package_id": PACKAGE, "targets": list(devices)}, **extra))
    provider.prepare(work)
    return work


def ids(numbers):
    return ["dev-%03d" % number for number in numbers]


def not_found(number):
    """ShowDevice of a device IoTDA does not know: 404 with the IoTDA envelope."""
    return get(show_path(number), answer=error("IOTDA.014904", "The device does not exist."), status=404)


def test_two_devices_are_read_one_by_one_without_a_listing_page(make):
    provider = make(package_call(), get(show_path(7), answer=shown(7, fw="2.0.0")),
                    get(show_path(8), answer=shown(8)))
    work = work_of(provider, ids((7, 8)))
    assert provider.device_versions(ids((7, 8)), work) == {"dev-007": "2.0.0", "dev-008": "1.0.0"}
    assert [entry["call"] for entry in provider.call_log] == [
        "Huawei IoTDA ShowOtaPackage", "Huawei IoTDA ShowDevice", "Huawei IoTDA ShowDevice"]


def test_a_canary_in_a_large_product_costs_one_page_and_a_read_per_device(make):
    """10 devices among 100,000 (2,000 pages): the first page tells the count, one canary device is on it, the other
    nine are read one by one: 10 calls instead of up to 2,000 pages."""
    canary = (12, 100, 250, 301, 407, 599, 600, 777, 850, 999)
    first = [device(number) for number in range(1000, 950, -1)]
    first[1] = device(999, fw="2.0.0")
    provider = make(package_call(),
                    get(DEVICES, devices_query(product_id=PRODUCT), answer=devices_page(first, 100000, MARKER_1)),
                    *[get(show_path(number), answer=shown(number)) for number in canary[:-1]])
    versions = provider.device_versions(ids(canary), work_of(provider, ids(canary)))
    assert versions == dict(("dev-%03d" % number, "2.0.0" if number == 999 else "1.0.0") for number in canary)
    calls = [entry["call"] for entry in provider.call_log]
    assert calls == ["Huawei IoTDA ShowOtaPackage", "Huawei IoTDA ListDevices"] + ["Huawei IoTDA ShowDevice"] * 9


def test_a_large_set_reads_the_listing_and_never_show_device(make):
    """120 devices of a product of 150 (3 pages): the listing is cheaper than 120 reads; every page is read."""
    wanted = ids(range(1, 121))
    pages = [[device(number) for number in range(150, 100, -1)], [device(number) for number in range(100, 50, -1)],
             [device(number, fw=None if number == 3 else "1.0.0") for number in range(50, 0, -1)]]
    provider = make(package_call(),
                    get(DEVICES, devices_query(product_id=PRODUCT), answer=devices_page(pages[0], 150, MARKER_1)),
                    get(DEVICES, devices_query(MARKER_1, product_id=PRODUCT),
                        answer=devices_page(pages[1], 150, MARKER_2)),
                    get(DEVICES, devices_query(MARKER_2, product_id=PRODUCT),
                        answer=devices_page(pages[2], 150, "640000000000000000000001")))
    versions = provider.device_versions(wanted, work_of(provider, wanted[:1]))
    assert sorted(versions) == sorted(set(wanted) - {"dev-003"})  # dev-003 reports no fw_version: unknown
    assert [entry["call"] for entry in provider.call_log].count("Huawei IoTDA ShowDevice") == 0


def test_the_listing_goes_on_while_its_pages_cost_less_then_the_rest_is_read_one_by_one(make):
    """8 devices, a product of 300 (6 pages). Page 1 finds 2: 6 missing, 5 pages to come, so the listing goes on;
    page 2 finds 2: 4 missing, 4 pages to come (a tie is read one by one, the legacy rule), so 4 ShowDevice."""
    wanted = (300, 299, 240, 210, 30, 20, 10, 5)
    provider = make(
        package_call(),
        get(DEVICES, devices_query(product_id=PRODUCT),
            answer=devices_page([device(n) for n in range(300, 250, -1)], 300, MARKER_1)),
        get(DEVICES, devices_query(MARKER_1, product_id=PRODUCT),
            answer=devices_page([device(n) for n in range(250, 200, -1)], 300, MARKER_2)),
        get(show_path(30), answer=shown(30)), get(show_path(20), answer=shown(20, fw="2.0.0")),
        not_found(10), get(show_path(5), answer=shown(5, fw="")))
    versions = provider.device_versions(ids(wanted), work_of(provider, ids(wanted[:1])))
    # dev-010 is unknown to IoTDA (404 IOTDA.*), dev-005 reports an empty fw_version: both left out
    assert versions == {"dev-300": "1.0.0", "dev-299": "1.0.0", "dev-240": "1.0.0", "dev-210": "1.0.0",
                        "dev-030": "1.0.0", "dev-020": "2.0.0"}


def test_without_page_count_the_listing_is_read_to_its_end_and_unlisted_devices_are_unknown(make):
    provider = make(
        get(DEVICES, devices_query(),
            answer={"devices": [device(n) for n in range(100, 50, -1)], "page": {"marker": MARKER_1}}),
        get(DEVICES, devices_query(MARKER_1), answer={"devices": [device(n) for n in range(50, 20, -1)]}))
    # dev-001 ... dev-003 are not in the (complete) listing: unknown, not read one by one
    assert provider.device_versions(ids((99, 21, 3, 2, 1))) == {"dev-099": "1.0.0", "dev-021": "1.0.0"}


def test_software_upgrade_reads_sw_version_and_another_product_counts_as_not_listed(make):
    provider = make(package_call(), get(show_path(1), answer=shown(1, sw="2.0.0")),
                    get(show_path(2), answer=shown(2, sw="2.0.0", product="prod-other")))
    work = work_of(provider, ids((1, 2)), task_type="softwareUpgrade")
    assert provider.device_versions(ids((1, 2)), work) == {"dev-001": "2.0.0"}


@pytest.mark.parametrize("status, answer, code", [
    (404, error("APIGW.0101", "The API does not exist"), "APIGW.0101"),
    (404, "<html>Not Found</html>", "HTTP404"),
    (400, error("IOTDA.000006", "Invalid input data."), "IOTDA.000006"),
    (403, error("IOTDA.000004", "Forbidden"), "IOTDA.000004"),
])
def test_other_errors_name_the_call_and_the_device(make, status, answer, code):
    """Only a 404 with an IoTDA envelope means "no such device"; the gateway's 404 (the API does not exist), a 404
    without envelope and every other error fail, naming the call and the device."""
    provider = make(get(show_path(1), answer=answer, status=status))
    with pytest.raises(IoTError) as info:
        provider.device_versions(ids((1,)))
    assert info.value.code == code and info.value.call == "Huawei IoTDA ShowDevice"
    assert str(info.value).startswith("Reading device dev-001: Huawei IoTDA ShowDevice failed: HTTP")


@pytest.mark.parametrize("answer, expected", [
    ("<html>" + SECRET + "</html>", "answer is not JSON (HTTP 200); its text is not shown"),
    ('{"device_id": "dev-001", "auth_info": {"secret": "' + SECRET + '"', "its text is not shown"),
    ({"device_id": "dev-002", "fw_version": "1.0.0"}, "the answer is about device 'dev-002', not 'dev-001'"),
    ({"fw_version": "1.0.0"}, "device_id"),
    ({"device_id": "dev-001", "fw_version": {"v": 1}}, "fw_version"),
    (["dev-001"], "the answer"),
    ("", "empty answer"),
])
def test_garbage_is_an_error_naming_the_call_without_the_text(make, answer, expected):
    provider = make(get(show_path(1), answer=answer))
    with pytest.raises(IoTError) as info:
        provider.device_versions(ids((1,)))
    assert info.value.code == "InvalidResponse" and info.value.call == "Huawei IoTDA ShowDevice"
    assert expected in str(info.value) and SECRET not in str(info.value), str(info.value)


def test_the_device_secret_never_appears_in_a_result_an_error_or_the_call_log(make):
    """auth_info is dropped at parse and its secrets go to the redactor first: the versions, the call log and a later
    error whose text echoes the secret (a gateway quoting it back) hold no trace of them."""
    echo = get(show_path(3), answer=error("IOTDA.000001", "internal error near secret=%s / %s" % (SECRET, SECONDARY)),
               status=500)
    provider = make(get(show_path(1), answer=shown(1)), get(show_path(2), answer=shown(2, fw="2.0.0")),
                    *[echo] * 5)
    assert provider.device_versions(ids((1, 2))) == {"dev-001": "1.0.0", "dev-002": "2.0.0"}
    assert SECRET in provider.api.redactor.secrets and SECONDARY in provider.api.redactor.secrets
    with pytest.raises(IoTError) as info:
        provider.device_versions(ids((3,)))
    texts = [str(info.value), repr(info.value.args), json.dumps(provider.call_log)]
    assert all(SECRET not in text and SECONDARY not in text for text in texts), texts
    assert "secret=********" in str(info.value)


def test_drop_auth_info_adds_every_secret_and_only_secrets(make):
    provider = make()
    redactor = provider.api.redactor
    data = {"device_id": "d1", "auth_info": {"auth_type": "SECRET", "secret": "s3cr3t-one", "fingerprint": "ab" * 20,
                                             "nested": {"secondary_secret": "s3cr3t-two"}, "secure_access": True}}
    assert iapi.drop_auth_info(data, redactor) == {"device_id": "d1"}
    assert {"s3cr3t-one", "s3cr3t-two"} <= set(redactor.secrets)
    assert "SECRET" not in redactor.secrets and "ab" * 20 not in redactor.secrets
    assert iapi.drop_auth_info({"device_id": "d2", "auth_info": "bare-secret-value"}, redactor) == {"device_id": "d2"}
    assert "bare-secret-value" in redactor.secrets
    assert iapi.drop_auth_info(["auth_info"], redactor) == ["auth_info"]


def test_a_read_keeps_the_ids_and_versions_only(make):
    provider = make(get(show_path(1), answer=shown(1, fw="2.0.0", sw=None, description="meter on the roof")),
                    not_found(2))
    assert provider.show_device("dev-001") == {"device_id": "dev-001", "product_id": PRODUCT,
                                               "firmware_version": "2.0.0", "software_version": None}
    assert provider.show_device("dev-002") is None
