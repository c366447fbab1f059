"""Provider-level calls: device listings and versions, progress with failures, cancel after a lost answer."""
import pytest

from tencent_calls import CANCEL, DEVICES, DF, DFT, GDL, PRODUCT, ROWS

from ansible_collections.iotfleet.firmware.plugins.module_utils._provider import TaskInfo
from ansible_collections.iotfleet.firmware.plugins.module_utils._tencent import errors

TASK = {"product_id": PRODUCT, "firmware_version": "2.0.0", "fw_type": "mcu", "device_names": DEVICES,
        "state": "present"}


@pytest.fixture
def provider(provider_for, connection_args):
    made = provider_for(dict(connection_args, api_calls_per_second=20, validate_certs=True, session_token=None,
                             ca_path=None, reconcile_timeout=None))
    yield made
    made.close()


def work_of(provider, **changes):
    work = provider.validate(dict(TASK, **changes))
    provider.scope = provider._scope_of(work)
    return work


def create(provider, calls, work, devices=None):
    calls.expect(BUF_ONLY)
    return provider.create(work, devices)


BUF_ONLY = "BatchUpdateFirmware"


def test_iter_devices_one_listing_per_product_without_device_secrets(emulator, calls, provider):
    emulator.inject(kind="mutate", action=GDL, set={"Response.Devices.0.DevicePsk": "psk-0123456789",
                                                    "Response.Devices.0.AppSKey": "appskey-0123456789"})
    calls.expect(GDL, GDL)  # 20 devices: one page per product
    devices = list(provider.iter_devices({"product_ids": [PRODUCT, PRODUCT]}))
    calls.assert_done()
    assert len(devices) == 40 and devices[0]["device_id"] == "tc-sensor-0001"
    assert devices[0]["firmware_version"] == "1.0.0" and devices[0]["platform"] == "tencent"
    assert "psk-0123456789" not in repr(devices) and "appskey-0123456789" not in repr(devices)


def test_iter_devices_filters_one_version_on_the_platform(emulator, calls, provider):
    calls.expect(GDL)
    assert list(provider.iter_devices({"product_ids": [PRODUCT], "firmware_versions": ["2.0.0"]})) == []
    calls.assert_done()


def test_device_versions_one_listing_page_when_it_holds_the_product(emulator, calls, provider):
    work = work_of(provider)
    calls.expect(GDL)  # one page holds the whole product (20 devices): no per-device read
    assert provider.device_versions(DEVICES, work) == dict((device, "1.0.0") for device in DEVICES)
    calls.assert_done()


def test_known_versions_spare_the_device_reads(emulator, calls, provider):
    work = work_of(provider)
    calls.expect(ROWS)  # no GetDeviceList: the caller knew every version
    lookup = provider.find(work, known_versions={DEVICES[0]: "2.0.0", DEVICES[1]: "1.0.0", DEVICES[2]: "1.0.0"})
    calls.assert_done()
    assert lookup.up_to_date == [DEVICES[0]] and lookup.remaining == DEVICES[1:] and lookup.same == []


def test_progress_reads_the_rows_once_for_every_task_with_failures(emulator, calls, provider):
    emulator.control("POST", "behaviour", {"failure_rates": {"tc-sensor-0002": 1.0}})
    work = work_of(provider)
    first = create(provider, calls, work, DEVICES[:2])
    second = create(provider, calls, work, DEVICES[2:])
    emulator.advance(100000)
    calls.expect(ROWS)
    progress = provider.progress([TaskInfo(task_id=first), TaskInfo(task_id=second)], with_failures=True)
    calls.assert_done()
    assert progress[first].done and progress[second].done
    assert progress[first].summary["failed"] == 1 and progress[first].summary["succeeded"] == 1
    assert progress[first].failures == [{"device": "tc-sensor-0002", "detail": "firmware update failed (Retcode -5)"}]
    assert progress[second].summary == {"total": 1, "succeeded": 1, "failed": 0, "in_progress": 0, "finished": 1,
                                        "success_percent": 100.0, "failure_percent": 0.0}


def test_lost_cancel_answer_is_checked_by_reading_never_repeated(emulator, calls, provider):
    work = work_of(provider)
    task_id = create(provider, calls, work)
    emulator.inject(kind="drop_response", action=CANCEL)
    calls.expect(CANCEL, DFT)
    assert provider.cancel(TaskInfo(task_id=task_id, active=True)) is True
    calls.assert_done()
    assert emulator.tasks()[0]["Status"] == 6


def test_cancel_of_a_task_that_just_finished_is_no_change(emulator, calls, provider):
    work = work_of(provider)
    task_id = create(provider, calls, work)
    emulator.advance(100000)
    calls.expect(CANCEL, DFT, ROWS)
    assert provider.cancel(TaskInfo(task_id=task_id, active=True)) is False
    calls.assert_done()


def test_signature_expire_explains_the_clock(emulator, calls, provider, fake_time):
    fake_time.now -= 3600  # the controller clock is an hour behind
    calls.expect(DF)
    with pytest.raises(Exception) as caught:
        provider.prepare(work_of(provider))
    calls.assert_done()
    assert caught.value.code == errors.SIGNATURE_EXPIRE and "Synchronise its clock (NTP)" in caught.value.message
    assert "Estimated offset from the server's Date header" in caught.value.message


@pytest.fixture
def big_fleet(tmp_path, calls, fake_time, connection_args):
    """250 devices: three listing pages, so reading two devices one by one is cheaper."""
    from iotemu.server import EmulatorServer
    from ansible_collections.iotfleet.firmware.plugins.module_utils._tencent import connection

    server = EmulatorServer(fleet="demo:250", behaviour={"tencent_calls_per_second": 0}, tls=None,
                            tls_dir=str(tmp_path / "big")).start()
    made = connection.provider_factory(dict(connection_args, endpoint=server.url), session=calls,
                                       sleep=fake_time.sleep, clock=fake_time.time, monotonic=fake_time.monotonic)
    yield made
    made.close()
    server.stop()


def test_device_versions_per_device_reads_when_cheaper(big_fleet, calls):
    work = work_of(big_fleet)
    wanted = ["tc-sensor-0200", "tc-sensor-0250"]
    calls.expect(GDL, "DescribeDeviceFirmwares", "DescribeDeviceFirmwares")  # not the 2 remaining pages
    assert big_fleet.device_versions(wanted, work) == {"tc-sensor-0200": "1.0.0", "tc-sensor-0250": "1.0.0"}
    calls.assert_done()


def test_up_to_date_check_reads_per_device_when_cheaper(big_fleet, calls):
    work = work_of(big_fleet, device_names=["tc-sensor-0001"])
    calls.expect(ROWS, GDL)  # no device on 2.0.0 yet: the first (empty) page settles it
    lookup = big_fleet.find(work)
    calls.assert_done()
    assert lookup.remaining == ["tc-sensor-0001"] and lookup.up_to_date == []
