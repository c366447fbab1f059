"""A device source without one inventory host per device (plugin_utils/_engine/sources.py): a CSV or JSON-lines file
read line by line, its errors naming the file and the line; its place among the run's sources (planning.py) and in a
derived run (derive.py)."""
import json
import types

import pytest

from ansible_collections.iotfleet.firmware.plugins.plugin_utils import _rollout as rollout
from ansible_collections.iotfleet.firmware.plugins.plugin_utils._engine import derive, planning, sources

HEADER = "platform,id,product_id,version"
WINDOW = '"{""start"": ""0 2 * * *"", ""duration"": ""4h""}"'
TARGETS = {"huawei_file_id": "fw-2", "huawei_target_version": "2.0.0", "tencent_firmware_version": "2.0.0",
           "tencent_fw_type": "mcu"}
STAGES = [{"name": "canary", "count": 1}, {"name": "rest", "percent": 100}]


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return str(path)


def brief(devices):
    return [(d["platform"], d["id"], d["product_id"], d["version"], d["host"]) for d in devices]


# --- CSV ------------------------------------------------------------------------------------------------------------

def test_csv_rows_become_devices_like_list_entries(tmp_path):
    path = write(tmp_path, "fleet.csv", "\n".join([
        "platform, ID ,product_id,version,host,maintenance_window,timezone",
        "huawei,hw-1,,1.0.0,,,",
        "tencent,tc-1,P1,2.0.0,sensor-1,%s,Europe/Berlin" % WINDOW,
        "",
        "Huawei,hw-2,,,meter-2,,",
        "huawei_iotda,io-1,,1.0.0,,,", ""]))
    found = sources.read_devices_file(path)
    assert (found.lines, found.errors, found.error_count, found.duplicates) == (4, [], 0, [])
    assert brief(found.devices) == [("huawei", "hw-1", None, "1.0.0", "hw-1"), ("tencent", "tc-1", "P1", "2.0.0",
                                                                                "sensor-1"),
                                    ("huawei", "hw-2", None, None, "meter-2"), ("huawei_iotda", "io-1", None, "1.0.0",
                                                                                "io-1")]
    assert found.devices[1]["uid"] == "P1/tc-1"
    assert found.devices[1]["window"] == [{"start": "0 2 * * *", "duration": 14400, "timezone": "Europe/Berlin"}]
    assert found.devices[0]["window"] is None
    # the same as the list entries would give
    listed = rollout.normalize_devices([{"platform": "huawei", "id": "hw-1", "version": "1.0.0"}])[0]
    assert found.devices[0] == listed[0]


def test_csv_with_a_byte_order_mark_and_crlf_line_ends(tmp_path):
    path = write(tmp_path, "export.csv", HEADER + "\r\nhuawei,hw-1,,1.0.0\r\n", encoding="utf-8-sig")
    assert brief(sources.read_devices_file(path).devices) == [("huawei", "hw-1", None, "1.0.0", "hw-1")]


def test_the_default_window_and_timezone_apply_to_devices_without_their_own(tmp_path):
    path = write(tmp_path, "fleet.csv", "%s,timezone\nhuawei,hw-1,,1.0.0,Asia/Shanghai\nhuawei,hw-2,,1.0.0,\n" % HEADER)
    found = sources.read_devices_file(path, {"start": "0 1 * * *", "duration": "1h"}, "Europe/Berlin")
    assert [d["window"][0]["timezone"] for d in found.devices] == ["Asia/Shanghai", "Europe/Berlin"]


@pytest.mark.parametrize("header, message", [
    ("platform,id,product,version", "line 1: unknown column 'product'; the columns are platform, id, product_id, "
                                    "version, optionally host, maintenance_window, timezone"),
    ("platform,id,version", "line 1: the header row has no column product_id; the columns are platform, id, "
                            "product_id, version, optionally host, maintenance_window, timezone"),
    ("platform,id,product_id,version,id", "line 1: column id named twice"),
])
def test_a_wrong_header_row_is_named_before_any_device(tmp_path, header, message):
    path = write(tmp_path, "fleet.csv", "\n" + header + "\nhuawei,hw-1,,1.0.0\n")
    with pytest.raises(rollout.RolloutError) as raised:
        sources.read_devices_file(path)
    assert str(raised.value) == "%s %s" % (path, message.replace("line 1", "line 2"))


def test_an_empty_file_and_a_missing_file(tmp_path):
    empty = write(tmp_path, "empty.csv", "\n\n")
    with pytest.raises(rollout.RolloutError, match="staged_rollout_devices_file: .*empty.csv is empty \\(a CSV file "
                                                   "needs a header row: platform,id,product_id,version\\)"):
        sources.read_devices_file(empty)
    with pytest.raises(rollout.RolloutError, match="staged_rollout_devices_file: .*nowhere.csv is not a file"):
        sources.read_devices_file(str(tmp_path / "nowhere.csv"))


def test_each_bad_line_is_named_by_file_and_line_and_all_are_reported(tmp_path):
    path = write(tmp_path, "fleet.csv", "\n".join([
        HEADER,                                      # 1
        "huawei,hw-1,,1.0.0",                        # 2
        "zigbee,z-1,,1.0.0",                         # 3
        "tencent,tc-1,,1.0.0",                       # 4
        'huawei,"hw-2\nsecond line",,1.0.0',         # 5-6: a quoted newline
        "huawei,hw-3,,1.0.0,extra",                  # 7
        "huawei,,,1.0.0",                            # 8
        "", ""]))
    found = sources.read_devices_file(path)
    assert [d["id"] for d in found.devices] == ["hw-1", "hw-2\nsecond line"]
    assert found.errors == [
        "%s line 3: platform must be one of huawei/tencent/huawei_iotda, got 'zigbee'" % path,
        "%s line 4: a Tencent device needs a product_id" % path,
        "%s line 7: 5 cells, the header row names 4 columns" % path,
        "%s line 8: no device id" % path]
    assert found.error_count == 4 and found.lines == 6  # the devices, the duplicates and the bad lines


def test_a_bad_window_is_named_with_its_line(tmp_path):
    path = write(tmp_path, "fleet.csv", "%s,maintenance_window\nhuawei,hw-1,,1.0.0,{\"start\": \n"
                 "huawei,hw-2,,1.0.0,\"{\"\"start\"\": \"\"0 2 * * *\"\"}\"\n" % HEADER)
    found = sources.read_devices_file(path)
    assert found.errors[0].startswith("%s line 2: maintenance_window: '{\"start\": ' is not valid JSON" % path)
    assert found.errors[1].startswith("%s line 3: maintenance_window: a window needs a duration" % path)
    assert found.devices == []


def test_errors_beyond_the_first_hundred_are_counted(tmp_path):
    path = write(tmp_path, "fleet.csv", HEADER + "\n" + "zigbee,z,,1\n" * 250)
    found = sources.read_devices_file(path)
    assert len(found.errors) == sources.MAX_ERRORS and found.error_count == 250
    assert found.errors[-1].startswith("%s line 101:" % path)


def test_a_device_listed_twice_is_counted_once(tmp_path):
    path = write(tmp_path, "fleet.csv", "\n".join([HEADER, "huawei,hw-1,,1.0.0", "tencent,tc-1,P,1.0.0",
                                                   "huawei,hw-1,,3.0.0", "tencent,tc-1,Q,1.0.0", ""]))
    found = sources.read_devices_file(path)
    assert [(d["uid"], d["version"]) for d in found.devices] == [("hw-1", "1.0.0"), ("P/tc-1", "1.0.0"),
                                                                 ("Q/tc-1", "1.0.0")]
    assert found.duplicates == ["hw-1"] and found.lines == 4


# --- JSON lines -----------------------------------------------------------------------------------------------------

def test_json_lines_take_the_keys_of_a_device_list_entry(tmp_path):
    lines = [{"platform": "huawei", "id": "hw-1", "version": "1.0.0"},
             {"platform": "tencent", "device_id": "tc-1", "product_id": "P1", "version": 2,
              "maintenance_window": [{"start": "0 2 * * *", "duration": "1h"}], "timezone": "UTC", "host": "s1"}]
    path = write(tmp_path, "fleet.jsonl", "\n".join(json.dumps(line) for line in lines) + "\n\n")
    found = sources.read_devices_file(path)
    assert found.errors == [] and found.lines == 2
    assert brief(found.devices) == [("huawei", "hw-1", None, "1.0.0", "hw-1"), ("tencent", "tc-1", "P1", "2", "s1")]
    assert found.devices == rollout.normalize_devices(lines)[0]


def test_json_lines_errors_name_the_line(tmp_path):
    path = write(tmp_path, "fleet.ndjson", "\n".join([
        '{"platform": "huawei", "id": "hw-1"}',
        '{"platform": "huawei", "id": ',
        '["huawei", "hw-2"]',
        '{"platform": "huawei", "id": "hw-3", "fw": "1.0.0"}',
        '{"platform": "tencent", "id": "tc-1"}']))
    found = sources.read_devices_file(path)
    assert [d["id"] for d in found.devices] == ["hw-1"]
    assert [e.split(": ", 1)[0] for e in found.errors] == ["%s line %d" % (path, n) for n in (2, 3, 4, 5)]
    assert "not a JSON object" in found.errors[0]
    assert "got list" in found.errors[1]
    assert "unknown key 'fw'; the keys are platform, id, device_id, name, product_id, version" in found.errors[2]
    assert found.errors[3].endswith("a Tencent device needs a product_id")


def test_the_format_by_name_or_by_the_first_character(tmp_path):
    assert sources.file_format(write(tmp_path, "a.CSV", '{"x": 1}\n')) == "csv"
    assert sources.file_format(write(tmp_path, "a.json", HEADER + "\n")) == "jsonl"
    assert sources.file_format(write(tmp_path, "devices.txt", '\n  {"platform": "huawei", "id": "x"}\n')) == "jsonl"
    assert sources.file_format(write(tmp_path, "devices", HEADER + "\n")) == "csv"
    path = write(tmp_path, "devices.txt", '{"platform": "huawei", "id": "hw-1"}\n')
    assert [d["id"] for d in sources.read_devices_file(path).devices] == ["hw-1"]


def test_the_file_is_read_line_by_line(tmp_path):
    """Rows come one at a time: a bad line far down is not read before the rows above it are used."""
    path = write(tmp_path, "fleet.csv", HEADER + "\nhuawei,hw-1,,1.0.0\n" + '"unterminated\n' + "x" * 100000)
    rows = sources.raw_rows(path)
    assert isinstance(rows, types.GeneratorType)
    assert next(rows) == (2, {"platform": "huawei", "id": "hw-1", "version": "1.0.0"})
    jsonl = write(tmp_path, "fleet.jsonl", '{"platform": "huawei", "id": "hw-1"}\n' + "{" * 100000)
    rows = sources.raw_rows(jsonl)
    assert next(rows) == (1, {"platform": "huawei", "id": "hw-1"})
    assert isinstance(next(rows)[1], ValueError)


def test_a_relative_path_is_relative_to_the_current_directory(tmp_path, monkeypatch):
    write(tmp_path, "fleet.csv", HEADER + "\nhuawei,hw-1,,1.0.0\n")
    monkeypatch.chdir(tmp_path)
    found = sources.read_devices_file("fleet.csv")
    assert found.path == str(tmp_path / "fleet.csv") and len(found.devices) == 1


# --- the run's source -----------------------------------------------------------------------------------------------

def args(**extra):
    base = {"hosts": "iot_devices", "devices": [], "devices_file": "", "inventory_vars": "full",
            "maintenance_window": None, "timezone": "UTC", "max_in_progress": None}
    base.update(extra)
    return base


def test_the_devices_file_replaces_the_inventory_pattern(tmp_path):
    path = write(tmp_path, "fleet.csv", HEADER + "\nhuawei,hw-1,,1.0.0\nhuawei,hw-1,,1.0.0\n")
    devices, duplicates, source = planning.select_devices(args(devices_file=" %s " % path), {})  # no hostvars needed
    assert [d["id"] for d in devices] == ["hw-1"] and duplicates == ["hw-1"]
    assert source == "staged_rollout_devices_file %s (2 lines)" % path
    assert planning.source_of(args(devices_file=path)) == "devices_file"
    assert planning.source_of(args()) == "hosts"
    assert planning.source_of(args(devices=[{"platform": "huawei", "id": "x"}])) == "devices"


def test_devices_and_a_devices_file_together_are_refused_naming_both(tmp_path):
    path = write(tmp_path, "fleet.csv", HEADER + "\nhuawei,hw-1,,1.0.0\n")
    with pytest.raises(rollout.RolloutError) as raised:
        planning.select_devices(args(devices=[{"platform": "huawei", "id": "x"}], devices_file=path), {})
    assert str(raised.value) == ("staged_rollout_devices (1 entries) and staged_rollout_devices_file (%s) are both "
                                 "set: give the devices one way" % path)
    with pytest.raises(rollout.RolloutError, match="set staged_rollout_hosts .*, staged_rollout_devices .* or "
                                                   "staged_rollout_devices_file"):
        planning.select_devices(args(hosts=""), {})


def test_the_plan_shows_twenty_errors_and_counts_the_rest(tmp_path):
    path = write(tmp_path, "fleet.csv", HEADER + "\nhuawei,hw-1,,1.0.0\n" + "zigbee,z,,1\n" * 130)
    with pytest.raises(rollout.RolloutError) as raised:
        planning.select_devices(args(devices_file=path), {})
    message = str(raised.value)
    assert message.startswith("invalid devices from staged_rollout_devices_file %s (131 lines): %s line 3: platform "
                              "must be one of" % (path, path))
    assert message.count("%s line " % path) == 20 and message.endswith(" ... and 110 more")
    empty = write(tmp_path, "header-only.csv", HEADER + "\n")
    with pytest.raises(rollout.RolloutError, match="no device selected by staged_rollout_devices_file .*header-only"
                                                   ".csv \\(0 lines\\)"):
        planning.select_devices(args(devices_file=empty), {})


def test_a_plan_from_a_devices_file(tmp_path):
    path = write(tmp_path, "fleet.csv", HEADER + "\n" + "".join(
        "huawei,hw-%d,,%s\n" % (n, "2.0.0" if n % 4 == 0 else "1.0.0") for n in range(40)))
    plan_args = dict(args(devices_file=path), rollout_id="r1", stages=STAGES, poll_seconds=30, resume_aborted=False,
                     allow_uncovered=False, state_dir=None, refresh_versions=False, ramp=None, window_max_wait=0,
                     success_percent=None, error_percent=None, min_finished=None, wave_timeout=None,
                     pause_seconds=None, approval=None, huawei_chunk_size=256, tencent_chunk_size=500,
                     huawei_iotda_chunk_size=30000, **TARGETS)
    made = planning.make_plan(plan_args, {})
    assert made["plan"]["totals"]["to_upgrade"] == 30 and made["plan"]["totals"]["skipped"] == 10
    assert made["plan"]["source"].startswith("staged_rollout_devices_file ")


def test_a_derived_run_looks_its_devices_up_in_the_file_and_plans_from_its_list(tmp_path):
    path = write(tmp_path, "fleet.csv", "%s,host\nhuawei,hw-1,,1.0.0,meter-1\nzigbee,bad,,1,\nhuawei,hw-2,,1.0.0,\n"
                 % HEADER)
    assert planning.raw_devices(args(devices_file=path), {}) == [
        {"platform": "huawei", "id": "hw-1", "version": "1.0.0", "host": "meter-1"},
        {"platform": "zigbee", "id": "bad", "version": "1"},
        {"platform": "huawei", "id": "hw-2", "version": "1.0.0"}]
    derived = {"rollout_id": "r1.retry-wave1", "mode": derive.RETRY, "stages": [{"name": "retry-wave1",
                                                                                "percent": 100}],
               "targets": {}, "lines": [], "devices": [{"platform": "huawei", "id": "hw-1", "product_id": None},
                                                       {"platform": "huawei", "id": "hw-9", "product_id": None}]}
    run_args = args(devices_file=path, rollout_id="r1", retry_wave="wave1", rollback=False, rollback_on_abort=False)
    out, lines = derive.run_args(run_args, derived, planning.raw_devices(run_args, {}))
    assert out["devices_file"] == "" and planning.source_of(out) == "devices"
    assert [(d["id"], d.get("host")) for d in out["devices"]] == [("hw-1", "meter-1"), ("hw-9", None)]
    assert lines == ["NOTE: 1 of these devices are not in staged_rollout_devices_file %s; they are taken from the "
                     "journal (no maintenance window or inventory group of theirs applies)." % path]
