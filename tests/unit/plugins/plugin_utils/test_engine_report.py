"""The engine's parts of the reports: failed devices with the platform's reason, in flight, errors, empty waves."""
from ansible_collections.iotfleet.firmware.plugins.plugin_utils import _rollout as rollout
from ansible_collections.iotfleet.firmware.plugins.plugin_utils._engine import report

TARGETS = {"huawei_file_id": "fw-2", "huawei_target_version": "2.0.0", "tencent_firmware_version": "2.0.0",
           "tencent_fw_type": "mcu"}


def test_the_report_lists_failures_in_flight_errors_and_counts_devices_created_not_planned():
    state, dummy = rollout.apply_event(None, "start", {"rollout_id": "r1", "targets": TARGETS}, "2026-12-01T12:00:00Z")
    chunks = [{"key": "w1/huawei/1", "platform": "huawei", "product_id": None, "size": 3,
               "devices": ["hw-1", "hw-2", "hw-3"], "task_id": "op-1", "created": 2},
              {"key": "w1/tencent/P/1", "platform": "tencent", "product_id": "P", "size": 2,
               "devices": ["tc-1", "tc-2"], "task_id": None, "created": 0, "settled": True}]
    state, dummy = rollout.apply_event(state, "wave_started", {"wave": {"name": "w1", "index": 1, "gate": {},
                                                                        "chunks": chunks}}, "2026-12-01T12:00:01Z")
    state["waves"]["w1"].update(
        failures=[{"platform": "huawei", "task_id": "op-1", "device": "hw-1", "detail": "timeout | no answer"}],
        in_flight=[{"platform": "huawei", "product_id": None, "task_id": "op-1", "status": "processing",
                    "in_progress": 1}],
        busy={"tc-1": 77}, error_detail={"platform": "huawei", "code": "1010009", "request_id": "rq-1",
                                         "call": "Huawei IoT GET /iodm/northbound/v1.5.0/operations"})
    state, dummy = rollout.apply_event(state, "failed", {"wave": "w1", "message": "throttled"}, "2026-12-01T12:00:02Z")
    brief = [{"index": 1, "name": "w1", "assigned": 5, "chunks": 2},
             {"index": 2, "name": "w2", "assigned": 0, "chunks": 0, "count": 0}]
    built = report.build_report(state, brief)
    w1 = built["waves"][0]
    assert (w1["devices"], w1["huawei"], w1["tencent"], w1["planned_devices"]) == (2, 2, 0, 5)
    assert [t["devices"] for t in w1["tasks"]] == [2, 0]
    assert built["error"]["detail"]["request_id"] == "rq-1"
    assert "stage boundaries" in built["waves"][1]["empty"]
    text = report.render_markdown(built)
    assert "| huawei | 1010009 | rq-1 | Huawei IoT GET /iodm/northbound/v1.5.0/operations |" in text
    assert "## Still in flight" in text and "| w1 | huawei | - | op-1 | processing | 1 |" in text
    assert "## Failed devices" in text and "| huawei | - | hw-1 | op-1 | timeout \\| no answer |" in text
    assert "tc-1 (task 77)" in text and "## Empty waves" in text


def test_the_progress_line_has_totals_and_one_part_per_platform():
    summary = rollout.make_summary(10, 6, 1, 3)
    gate = rollout.evaluate_gate(summary, {"min_finished": 20}, 12.0)
    line = report.progress_line("w1", gate, {"huawei": rollout.make_summary(4, 4, 0, 0),
                                             "tencent": rollout.make_summary(6, 2, 1, 3)})
    assert line == ("    [rollout] wave w1: 7/10 finished, 6 succeeded, 1 failed (14.29 % of finished), 3 in progress, "
                    "12s - wait | huawei 4/4 finished, 4 succeeded, 0 failed, 0 in progress | tencent 3/6 finished, "
                    "2 succeeded, 1 failed, 3 in progress")
