"""The journal store (state.py) with the state file (state_file.py: strict reading, atomic writes) and the run lock
(lock.py)."""
import json
import os
import socket
import subprocess
import sys

import pytest

from ansible_collections.iotfleet.firmware.plugins.plugin_utils import _rollout as rollout
from ansible_collections.iotfleet.firmware.plugins.plugin_utils import rollout_files
from ansible_collections.iotfleet.firmware.plugins.plugin_utils._engine import lock, state, state_file

from kit.clock import Clock

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
    with pytest.raises(state_file.StateFileError) as info:
        state_file.load_state(str(path))
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
    with pytest.raises(state_file.StateFileError, match="malformed chunk in wave 'w1'"):
        state_file.load_state(str(path))


def test_an_unreadable_state_file_names_the_file(tmp_path):
    path = tmp_path / "r1.json"
    path.mkdir()  # reading a directory fails like an unreadable file (tests may run as root: no chmod trick)
    with pytest.raises(state_file.StateFileError, match="cannot read the rollout state file %s" % path):
        state_file.load_state(str(path))


def test_no_file_is_no_rollout_and_a_good_file_round_trips(tmp_path):
    path = str(tmp_path / "r1.json")
    assert state_file.load_state(path) is None
    state_file.atomic_write(path, state_file.dump_state(a_state()))
    assert state_file.load_state(path) == a_state()
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"
    assert [name for name in os.listdir(str(tmp_path)) if name.startswith(".")] == []  # no temporary left


def test_an_interrupted_write_leaves_the_old_file(tmp_path, monkeypatch):
    path = str(tmp_path / "r1.json")
    state_file.atomic_write(path, state_file.dump_state(a_state()))

    def killed(src, dst):
        raise KeyboardInterrupt()

    monkeypatch.setattr(os, "replace", killed)
    with pytest.raises(KeyboardInterrupt):
        state_file.atomic_write(path, "half")
    assert state_file.load_state(path) == a_state()
    assert [name for name in os.listdir(str(tmp_path)) if name.startswith(".")] == []


def live_owner():
    return lock.run_owner(os.getpid())


def dead_owner():
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return {"pid": child.pid, "started": 1, "host": None}


def test_a_second_live_run_fails_at_once_with_a_clear_message(tmp_path):
    path = str(tmp_path / "r1.json")
    first = state.StateStore(path, "r1", owner=live_owner())
    first.update(lambda current: (a_state(), True), take=True)
    other = dict(live_owner(), pid=os.getppid(), started=lock._process_start(os.getppid()))
    second = state.StateStore(path, "r1", owner=other)
    with pytest.raises(lock.RolloutLocked) as info:
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
    with pytest.raises(lock.RolloutLocked, match="taken over"):
        mine.update(lambda current: (current, True))


def test_a_pid_reused_by_another_process_is_not_a_live_owner():
    assert lock._alive(dict(live_owner())) is True
    assert lock._alive(dict(live_owner(), started=-1)) is False
    assert lock._alive(dead_owner()) is False
    assert lock._alive({"pid": "x"}) is False


def test_the_store_writes_only_changes_and_re_reads_a_file_changed_underneath(tmp_path):
    path = str(tmp_path / "r1.json")
    store = state.StateStore(path, "r1", owner=live_owner())
    store.update(lambda current: (a_state(), True), take=True)
    store.update(lambda current: (current, False))
    assert store.writes == 1
    changed = dict(a_state(), status="failed")
    state_file.atomic_write(path, json.dumps(changed, indent=2))  # another writer (e.g. the operator) edited it
    assert store.load()["status"] == "failed"


# --------------------------------------------------------------------------- the lease (heartbeat + ttl)

NOW = 1796126400.0  # 2026-12-01T12:00:00Z: the lease tests' clock starts here (tests move clock.now)


def other_host(**extra):
    """An owner on another controller (an AWX pod that is gone): its process cannot be checked from here."""
    return dict({"pid": 42, "started": 7, "host": "automation-job-17-abcde"}, **extra)


def write_lock(path, holder):
    with open(path[:-5] + ".lock", "w") as handle:
        json.dump(holder, handle)


def read_lock(path):
    with open(path[:-5] + ".lock") as handle:
        return json.load(handle)


def test_a_lock_of_another_host_with_an_old_heartbeat_is_taken_over_and_named(tmp_path):
    path = str(tmp_path / "r1.json")
    clock = Clock(start=NOW)
    write_lock(path, other_host(since="2026-12-01T11:00:00Z", heartbeat=clock.now - 1234))
    store = state.StateStore(path, "r1", owner=live_owner(), clock=clock)
    assert store.update(lambda current: (a_state(), True), take=True) == a_state()
    assert store.took_over == store.lock.took_over == {
        "pid": 42, "host": "automation-job-17-abcde", "since": "2026-12-01T11:00:00Z",
        "heartbeat": clock.now - 1234, "why": "its heartbeat is 1234 s old (lock ttl 900 s)"}
    assert state.takeover_note(store.took_over) == (
        "took over the run lock of ansible-playbook process 42 on automation-job-17-abcde (holding it since "
        "2026-12-01T11:00:00Z): its heartbeat is 1234 s old (lock ttl 900 s)")
    assert read_lock(path) == dict(live_owner(), since="2026-12-01T12:00:00Z", heartbeat=clock.now)


def test_a_lock_of_another_host_with_a_fresh_heartbeat_is_refused_naming_ttl_and_expiry(tmp_path):
    path = str(tmp_path / "r1.json")
    clock = Clock(start=NOW)
    held = other_host(since="2026-12-01T11:00:00Z", heartbeat=clock.now - 100)
    write_lock(path, held)
    store = state.StateStore(path, "r1", owner=live_owner(), clock=clock)
    with pytest.raises(lock.RolloutLocked) as info:
        store.update(lambda current: (a_state(), True), take=True)
    message = str(info.value)
    assert "rollout 'r1' is already running: ansible-playbook process 42 on automation-job-17-abcde" in message
    assert "since 2026-12-01T11:00:00Z, last heartbeat 100 s ago" in message
    assert "lock ttl 900 s" in message and path[:-5] + ".lock" in message
    assert "if that job is gone the lock expires at 2026-12-01T12:13:20Z UTC; no file needs deleting" in message
    assert store.took_over is None and read_lock(path) == held and not os.path.exists(path)
    # a longer lease (lock_ttl) is named and moves the expiry
    longer = state.StateStore(path, "r1", owner=live_owner(), clock=clock, lock_ttl=3600)
    with pytest.raises(lock.RolloutLocked, match="lock ttl 3600 s.*expires at 2026-12-01T12:58:20Z UTC"):
        longer.update(lambda current: (a_state(), True), take=True)
    # once the heartbeat is older than the ttl the same run takes it over
    clock.now += 801
    assert store.update(lambda current: (a_state(), True), take=True) == a_state()
    assert store.took_over["why"] == "its heartbeat is 901 s old (lock ttl 900 s)"


def test_the_heartbeat_moves_the_expiry_and_a_live_run_is_never_taken_over(tmp_path):
    path = str(tmp_path / "r1.json")
    clock = Clock(start=NOW)
    first = state.StateStore(path, "r1", owner=other_host(), clock=clock)
    first.update(lambda current: (a_state(), True), take=True)
    assert read_lock(path)["heartbeat"] == clock.now
    second = state.StateStore(path, "r1", owner=live_owner(), clock=clock)
    for dummy in range(5):  # 5 x 600 s: the lease (900 s) would have ended without the heartbeats
        clock.now += 600
        assert first.heartbeat() is True
        assert read_lock(path)["heartbeat"] == clock.now
        with pytest.raises(lock.RolloutLocked, match="last heartbeat 0 s ago .*expires at %s UTC"
                           % rollout.utc_text(clock.now + 900)):
            second.update(lambda current: (current, True), take=True)
    # rate-limited: at most one write per 10 s
    beat = read_lock(path)["heartbeat"]
    clock.now += 9
    assert first.heartbeat() is False and read_lock(path)["heartbeat"] == beat
    clock.now += 1
    assert first.heartbeat() is True and read_lock(path)["heartbeat"] == beat + 10
    # every state update refreshes it as well, since stays
    clock.now += 3
    first.update(lambda current: (current, False))
    assert read_lock(path) == dict(other_host(), since="2026-12-01T12:00:00Z", heartbeat=clock.now)
    # a run that does not hold the lock beats nothing
    assert second.heartbeat() is False and read_lock(path)["heartbeat"] == clock.now
    # when the holder stops beating, the lease ends
    clock.now += 901
    second.update(lambda current: (current, False), take=True)
    assert second.took_over["pid"] == 42 and "heartbeat is 901 s old" in second.took_over["why"]
    # the old holder stops at its next write (the new one is live), and its heartbeat no longer touches the file
    assert first.heartbeat() is False and read_lock(path)["pid"] == os.getpid()
    with pytest.raises(lock.RolloutLocked, match="already running: ansible-playbook process %d" % os.getpid()):
        first.update(lambda current: (current, True))


def test_a_dead_process_of_this_host_is_taken_over_at_once_despite_a_fresh_heartbeat(tmp_path):
    path = str(tmp_path / "r1.json")
    clock = Clock(start=NOW)
    dead = dict(dead_owner(), host=socket.gethostname())
    write_lock(path, dict(dead, since="2026-12-01T12:00:00Z", heartbeat=clock.now))
    store = state.StateStore(path, "r1", owner=live_owner(), clock=clock)
    store.update(lambda current: (a_state(), True), take=True)
    assert store.took_over == {"pid": dead["pid"], "host": socket.gethostname(), "since": "2026-12-01T12:00:00Z",
                               "heartbeat": clock.now, "why": "process %d on this host has ended" % dead["pid"]}
    assert read_lock(path)["pid"] == os.getpid()


def test_a_reused_pid_of_this_host_is_taken_over_at_once(tmp_path):
    path = str(tmp_path / "r1.json")
    clock = Clock(start=NOW)
    write_lock(path, dict(live_owner(), started=-1, since="2026-12-01T12:00:00Z", heartbeat=clock.now))
    store = state.StateStore(path, "r1", owner=dict(live_owner(), pid=os.getppid(), started=None), clock=clock)
    store.update(lambda current: (a_state(), True), take=True)
    assert "its pid now belongs to another process" in store.took_over["why"]


def test_a_legacy_lock_without_heartbeat_is_taken_once_its_since_is_older_than_the_ttl(tmp_path):
    path = str(tmp_path / "r1.json")
    clock = Clock(start=NOW)
    legacy = other_host(since="2026-12-01T11:50:00Z")  # written by an older release: no heartbeat
    write_lock(path, legacy)
    store = state.StateStore(path, "r1", owner=live_owner(), clock=clock)
    with pytest.raises(lock.RolloutLocked, match="no heartbeat .*expires at 2026-12-01T12:05:00Z UTC"):
        store.update(lambda current: (a_state(), True), take=True)
    clock.now += 301
    store.update(lambda current: (a_state(), True), take=True)
    assert store.took_over == {"pid": 42, "host": "automation-job-17-abcde", "since": "2026-12-01T11:50:00Z",
                               "heartbeat": None, "why": "it has no heartbeat (a lock of an older release) and was "
                                                         "taken 901 s ago (lock ttl 900 s)"}
    # a record without any time cannot be dated: it never blocks a run for ever
    write_lock(path, other_host())
    again = state.StateStore(path, "r1", owner=other_host(pid=43), clock=clock)
    again.update(lambda current: (current, False), take=True)
    assert "no heartbeat and no valid time" in again.took_over["why"]


@pytest.mark.parametrize("ttl", [59, 0, -1, 59.9, "900", None, True])
def test_a_lock_ttl_below_60_or_no_number_is_refused_naming_lock_ttl(tmp_path, ttl):
    path = str(tmp_path / "r1.json")
    with pytest.raises(ValueError, match="lock_ttl must be a number of seconds of at least 60") as info:
        state.StateStore(path, "r1", owner=live_owner(), lock_ttl=ttl)
    assert isinstance(info.value, state_file.StateFileError)  # the action plugin reports it as a failed task
    with pytest.raises(ValueError, match="lock_ttl"):
        lock.RunLock(path, live_owner(), ttl=ttl)
    assert state.StateStore(path, "r1", owner=live_owner(), lock_ttl=60).lock.ttl == 60
    assert lock.RunLock(path, live_owner()).ttl == lock.DEFAULT_LOCK_TTL == 900


# --------------------------------------------------------------------------- the append-only journal

CHUNKS = [{"key": "w1/huawei/1", "platform": "huawei", "product_id": None, "size": 2, "devices": ["hw-1", "hw-2"]},
          {"key": "w1/huawei/2", "platform": "huawei", "product_id": None, "size": 1, "devices": ["hw-3"]}]
AT = "2026-12-01T12:00:00Z"


def started_store(tmp_path, owner=None, **kwargs):
    """A store whose journal has wave w1 started with two chunks (the document alone, as a transition writes it);
    its run is this process unless ``owner`` says otherwise."""
    path = str(tmp_path / "r1.json")
    store = state.StateStore(path, "r1", owner=owner or live_owner(), **kwargs)
    store.update(lambda current: (a_state(), True), take=True)
    store.update(lambda current: rollout.apply_event(current, "wave_started", {"wave": {
        "name": "w1", "index": 1, "gate": {}, "chunks": CHUNKS}}, AT))
    return store


def text_of(path):
    with open(path) as handle:
        return handle.read()


def test_recording_chunk_progress_appends_one_line_and_leaves_the_document_as_it_was(tmp_path):
    store = started_store(tmp_path)
    document = text_of(store.path)
    writes = store.writes
    store.record_chunks("w1", {"w1/huawei/1": {"posting_at": 1.5}})
    store.record_chunks("w1", {"w1/huawei/1": {"task_id": "op-1", "posting_at": None},
                               "w1/huawei/2": {"posting_at": 2.5}})
    text = text_of(store.path)
    assert text.startswith(document)  # the document is not written again
    assert text[len(document):].splitlines() == [
        '{"chunks":{"w1/huawei/1":{"posting_at":1.5}},"op":"chunks","wave":"w1"}',
        '{"chunks":{"w1/huawei/1":{"posting_at":null,"task_id":"op-1"},"w1/huawei/2":{"posting_at":2.5}},'
        '"op":"chunks","wave":"w1"}']
    assert store.writes == writes and store.stats()["appends"] == 2
    assert store.stats()["appended_bytes"] == len(text) - len(document)
    chunks = state_file.load_state(store.path)["waves"]["w1"]["chunks"]
    assert [(c["task_id"], c["posting_at"]) for c in chunks] == [("op-1", None), (None, 2.5)]
    assert store.load() == state_file.load_state(store.path)  # the store's copy is what a reader gets


def test_a_transition_folds_the_lines_into_the_document(tmp_path):
    store = started_store(tmp_path)
    store.record_chunks("w1", {"w1/huawei/1": {"task_id": "op-1"}, "w1/huawei/2": {"task_id": "op-2"}})
    store.update(lambda current: rollout.apply_event(current, "wave_passed", {"wave": "w1", "result": {}}, AT))
    folded = json.loads(text_of(store.path))  # one document, no line after it
    assert [c["task_id"] for c in folded["waves"]["w1"]["chunks"]] == ["op-1", "op-2"]
    assert folded["waves"]["w1"]["status"] == "passed" and folded == store.load()


def test_a_run_start_folds_lines_left_by_a_killed_run_and_a_resume_reads_them(tmp_path):
    killed = started_store(tmp_path, owner=dead_owner())
    killed.record_chunks("w1", {"w1/huawei/1": {"task_id": "op-1", "posting_at": None},
                                "w1/huawei/2": {"posting_at": 2.5}})
    left = text_of(killed.path)
    # the next run (the killed run's process is gone): it reads the recorded id and the mark of the create on its way
    resumed = state.StateStore(killed.path, "r1", owner=live_owner())
    chunks = resumed.load()["waves"]["w1"]["chunks"]
    assert [(c["task_id"], c.get("posting_at")) for c in chunks] == [("op-1", None), (None, 2.5)]
    assert text_of(killed.path) == left  # reading writes nothing
    resumed.update(lambda current: rollout.apply_event(current, "start", {"rollout_id": "r1", "targets": TARGETS}, AT),
                   take=True)
    assert json.loads(text_of(killed.path)) == resumed.load()  # folded at the start, nothing else changed
    assert resumed.writes == 1 and resumed.load()["waves"]["w1"]["chunks"] == chunks


def test_a_torn_last_line_is_ignored_and_the_next_record_folds_it_away(tmp_path):
    store = started_store(tmp_path, owner=dead_owner())
    store.record_chunks("w1", {"w1/huawei/1": {"task_id": "op-1"}})
    whole = state_file.load_state(store.path)
    torn = '{"chunks":{"w1/huawei/2":{"task_id":"op-'
    with open(store.path, "a") as handle:
        handle.write(torn)  # a kill in the middle of the next append
    assert state_file.load_state(store.path) == whole  # the cut line never counted: nothing was done after it
    journal = state_file.read_journal(store.path)
    assert (journal.lines, journal.torn_bytes) == (1, len(torn))
    again = state.StateStore(store.path, "r1", owner=live_owner())
    again.update(lambda current: (current, False), take=True)
    assert json.loads(text_of(store.path)) == whole  # the run's start folded the line and dropped the torn tail
    # a torn tail met by a record (no start in between) is folded away by a whole write too, never appended after
    with open(store.path, "a") as handle:
        handle.write('{"chunks":')
    again.record_chunks("w1", {"w1/huawei/2": {"task_id": "op-2"}})
    folded = json.loads(text_of(store.path))
    assert [c["task_id"] for c in folded["waves"]["w1"]["chunks"]] == ["op-1", "op-2"]


@pytest.mark.parametrize("line, problem", [
    ("{broken", "appended line 1 that is not valid JSON"),
    ('{"wave":"w1","chunks":{}}', "appended line 1 that is not a chunk update"),
    ('{"op":"chunks","wave":"w9","chunks":{}}', "appended line 1 that names no wave of the rollout ('w9')"),
    ('{"op":"chunks","wave":"w1","chunks":{"w1/huawei/9":{"task_id":"x"}}}',
     "appended line 1 that names chunks that wave 'w1' does not have: w1/huawei/9"),
    ('{"op":"chunks","wave":"w1","chunks":["w1/huawei/1"]}', "appended line 1 that has no valid 'chunks' object"),
])
def test_a_complete_line_that_is_no_valid_update_refuses_the_file_naming_the_line(tmp_path, line, problem):
    store = started_store(tmp_path)
    with open(store.path, "a") as handle:
        handle.write(line + "\n")
    with pytest.raises(state_file.StateFileError) as info:
        state_file.load_state(store.path)
    assert problem in str(info.value) and store.path in str(info.value)
    assert "not read as a new rollout" in str(info.value)


def test_a_line_stuck_to_the_document_is_refused(tmp_path):
    path = tmp_path / "r1.json"
    path.write_text(json.dumps(a_state()) + '{"op":"chunks"}\n')
    with pytest.raises(state_file.StateFileError, match="not valid JSON .extra data after the document"):
        state_file.load_state(str(path))


def test_a_journal_of_an_earlier_release_reads_as_before_and_takes_lines(tmp_path):
    """The document alone, pretty-printed and without a final line break: read as it is; the first record writes the
    whole document (a line cannot follow it), the next ones append."""
    path = str(tmp_path / "r1.json")
    old, dummy = rollout.apply_event(a_state(), "wave_started", {"wave": {"name": "w1", "index": 1, "gate": {},
                                                                          "chunks": CHUNKS}}, AT)
    with open(path, "w") as handle:
        handle.write(json.dumps(old, indent=2))
    assert state_file.load_state(path) == old
    store = state.StateStore(path, "r1", owner=live_owner())
    store.record_chunks("w1", {"w1/huawei/1": {"task_id": "op-1"}})
    assert store.stats()["writes"] == 1 and store.stats()["appends"] == 0
    store.record_chunks("w1", {"w1/huawei/2": {"task_id": "op-2"}})
    assert store.stats()["appends"] == 1
    assert [c["task_id"] for c in state_file.load_state(path)["waves"]["w1"]["chunks"]] == ["op-1", "op-2"]


def test_a_kill_during_a_compaction_leaves_the_document_and_its_lines(tmp_path, monkeypatch):
    store = started_store(tmp_path, owner=dead_owner())
    store.record_chunks("w1", {"w1/huawei/1": {"task_id": "op-1"}})
    before = text_of(store.path)

    def killed(src, dst):
        raise KeyboardInterrupt()

    monkeypatch.setattr(os, "replace", killed)
    with pytest.raises(KeyboardInterrupt):
        store.update(lambda current: rollout.apply_event(current, "wave_passed", {"wave": "w1", "result": {}}, AT))
    monkeypatch.undo()
    assert text_of(store.path) == before  # the old document with its line: nothing lost, nothing half-written
    resumed = state.StateStore(store.path, "r1", owner=live_owner())
    record = resumed.load()["waves"]["w1"]
    assert record["status"] == "started" and record["chunks"][0]["task_id"] == "op-1"
    assert [name for name in os.listdir(str(tmp_path)) if name.startswith(".")] == []


def test_lines_that_outgrow_the_document_are_folded_in(tmp_path, monkeypatch):
    monkeypatch.setattr(state, "COMPACT_MIN_BYTES", 0)
    store = started_store(tmp_path)
    size = len(text_of(store.path))
    number = 0
    while store.writes == 2:
        number += 1
        store.record_chunks("w1", {"w1/huawei/1": {"task_id": "op-%d" % number}})
    # folded by the record whose line would have made the lines larger than the document
    assert store.stats()["appended_bytes"] <= size < store.stats()["appended_bytes"] + 80
    assert json.loads(text_of(store.path))["waves"]["w1"]["chunks"][0]["task_id"] == "op-%d" % number


def test_a_failed_append_is_not_taken_as_recorded(tmp_path):
    store = started_store(tmp_path)

    def full_disk(path, line):
        with open(path, "a") as handle:
            handle.write(line[:10])  # part of the line, no line break: a torn tail
        raise state_file.StateFileError("cannot append to %s: [Errno 28] No space left on device" % path)

    failing = state.StateStore(store.path, "r1", owner=live_owner(), append=full_disk)
    with pytest.raises(state_file.StateFileError, match="No space left"):
        failing.record_chunks("w1", {"w1/huawei/1": {"task_id": "op-1"}})
    assert failing.load()["waves"]["w1"]["chunks"][0]["task_id"] is None  # read again from the file
    failing.record_chunks("w1", {"w1/huawei/2": {"task_id": "op-2"}})  # the torn tail: a whole write
    assert [c["task_id"] for c in json.loads(text_of(store.path))["waves"]["w1"]["chunks"]] == [None, "op-2"]


def test_a_record_for_an_unknown_chunk_or_a_missing_journal_records_nothing(tmp_path):
    store = started_store(tmp_path)
    before = text_of(store.path)
    with pytest.raises(state_file.StateFileError, match="names chunks that wave 'w1' does not have: w1/x"):
        store.record_chunks("w1", {"w1/x": {"task_id": "op-1"}})
    assert text_of(store.path) == before
    missing = state.StateStore(str(tmp_path / "r2.json"), "r2", owner=live_owner())
    with pytest.raises(state_file.StateFileError, match="rollout 'r2' has no state file"):
        missing.record_chunks("w1", {"w1/huawei/1": {"task_id": "op-1"}})


def test_append_line_writes_one_line_and_fails_naming_the_file(tmp_path):
    path = str(tmp_path / "r1.json")
    with pytest.raises(state_file.StateFileError, match="cannot append to %s" % path):
        state_file.append_line(path, "{}\n")  # no document: nothing to append to
    with open(path, "w") as handle:
        handle.write("{}\n")
    state_file.append_line(path, state_file.dump_line("w1", {"k": {"note": "a\nb"}}))
    assert text_of(path).count("\n") == 2  # a line break inside a value is escaped
