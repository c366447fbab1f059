"""The state file: strict reading, the run lock, atomic writes."""
import json
import os
import subprocess
import sys

import pytest

from ansible_collections.iotfleet.firmware.plugins.plugin_utils import _rollout as rollout
from ansible_collections.iotfleet.firmware.plugins.plugin_utils import rollout_files
from ansible_collections.iotfleet.firmware.plugins.plugin_utils._engine import state

TARGETS = {"huawei_file_id": "fw-2", "huawei_target_version": "2.0.0", "tencent_firmware_version": None,
           "tencent_fw_type": None}


def a_state():
    new, dummy = rollout.apply_event(None, "start", {"rollout_id": "r1", "targets": TARGETS}, "2026-12-01T12:00:00Z")
    return new


@pytest.mark.parametrize("text, problem", [
    ("null", "holds null"),
    ("[]", "holds list"),
    ("{}", "holds an empty object"),
    ('"x"', "holds str"),
    ('{"format": 1, "rollout_id": "r1"}', "has no valid 'targets'"),
    ('{"format": true, "rollout_id": "r1"}', "has no valid 'format'"),
    ("", "not valid JSON"),
    ("{broken", "not valid JSON"),
])
def test_a_state_file_that_is_no_rollout_stops_the_run_naming_the_file(tmp_path, text, problem):
    path = tmp_path / "r1.json"
    path.write_text(text)
    with pytest.raises(state.StateFileError) as info:
        state.load_state(str(path))
    assert str(path) in str(info.value) and problem in str(info.value)
    assert "not read as a new rollout" in str(info.value)
    # the plan reads it the same way: it never plans a new rollout over it
    with pytest.raises(rollout_files.RolloutFileError, match="r1.json"):
        rollout_files.read_state(str(path))


def test_a_wave_with_a_malformed_chunk_is_refused(tmp_path):
    data = a_state()
    data["waves"]["w1"] = {"status": "started", "chunks": [{"key": "w1/huawei/1", "platform": "huawei"}]}
    path = tmp_path / "r1.json"
    path.write_text(json.dumps(data))
    with pytest.raises(state.StateFileError, match="malformed chunk in wave 'w1'"):
        state.load_state(str(path))


def test_an_unreadable_state_file_names_the_file(tmp_path):
    path = tmp_path / "r1.json"
    path.mkdir()  # reading a directory fails like an unreadable file (tests may run as root: no chmod trick)
    with pytest.raises(state.StateFileError, match="cannot read the rollout state file %s" % path):
        state.load_state(str(path))


def test_no_file_is_no_rollout_and_a_good_file_round_trips(tmp_path):
    path = str(tmp_path / "r1.json")
    assert state.load_state(path) is None
    state.atomic_write(path, state.dump_state(a_state()))
    assert state.load_state(path) == a_state()
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"
    assert [name for name in os.listdir(str(tmp_path)) if name.startswith(".")] == []  # no temporary left


def test_an_interrupted_write_leaves_the_old_file(tmp_path, monkeypatch):
    path = str(tmp_path / "r1.json")
    state.atomic_write(path, state.dump_state(a_state()))

    def killed(src, dst):
        raise KeyboardInterrupt()

    monkeypatch.setattr(os, "replace", killed)
    with pytest.raises(KeyboardInterrupt):
        state.atomic_write(path, "half")
    assert state.load_state(path) == a_state()
    assert [name for name in os.listdir(str(tmp_path)) if name.startswith(".")] == []


def live_owner():
    return state.run_owner(os.getpid())


def dead_owner():
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return {"pid": child.pid, "started": 1, "host": None}


def test_a_second_live_run_fails_at_once_with_a_clear_message(tmp_path):
    path = str(tmp_path / "r1.json")
    first = state.StateStore(path, "r1", owner=live_owner())
    first.update(lambda current: (a_state(), True), take=True)
    other = dict(live_owner(), pid=os.getppid(), started=state._process_start(os.getppid()))
    second = state.StateStore(path, "r1", owner=other)
    with pytest.raises(state.RolloutLocked) as info:
        second.update(lambda current: (current, True), take=True)
    message = str(info.value)
    assert "rollout 'r1' is already running" in message and "process %d" % os.getpid() in message
    assert path[:-5] + ".lock" in message
    # the same run goes on (re-entrant), and once it released the lock the other run may take it
    first.update(lambda current: (current, False))
    first.lock.release()
    second.update(lambda current: (current, False), take=True)


def test_a_killed_run_leaves_a_stale_lock_that_the_next_run_takes_over(tmp_path):
    path = str(tmp_path / "r1.json")
    state.StateStore(path, "r1", owner=dead_owner()).update(lambda current: (a_state(), True), take=True)
    again = state.StateStore(path, "r1", owner=live_owner())
    assert again.update(lambda current: (current, False), take=True) == a_state()
    with open(path[:-5] + ".lock") as handle:
        assert json.load(handle)["pid"] == os.getpid()


def test_a_run_whose_lock_was_taken_over_stops(tmp_path):
    path = str(tmp_path / "r1.json")
    mine = state.StateStore(path, "r1", owner=dead_owner())
    mine.update(lambda current: (a_state(), True), take=True)
    other = dead_owner()
    state.StateStore(path, "r1", owner=other).update(lambda current: (current, False), take=True)
    with pytest.raises(state.RolloutLocked, match="taken over"):
        mine.update(lambda current: (current, True))


def test_a_pid_reused_by_another_process_is_not_a_live_owner():
    assert state._alive(dict(live_owner())) is True
    assert state._alive(dict(live_owner(), started=-1)) is False
    assert state._alive(dead_owner()) is False
    assert state._alive({"pid": "x"}) is False


def test_the_store_writes_only_changes_and_re_reads_a_file_changed_underneath(tmp_path):
    path = str(tmp_path / "r1.json")
    store = state.StateStore(path, "r1", owner=live_owner())
    store.update(lambda current: (a_state(), True), take=True)
    store.update(lambda current: (current, False))
    assert store.writes == 1
    changed = dict(a_state(), status="failed")
    state.atomic_write(path, json.dumps(changed, indent=2))  # another writer (e.g. the operator) edited it
    assert store.load()["status"] == "failed"
