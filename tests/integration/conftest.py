"""Integration test harness: a real emulator on 127.0.0.1 and the real ``ansible-playbook``.

Fixtures
--------
``emulator``      the kit's control client (:class:`kit.control.EmulatorControl`) of an emulator over plain HTTP
                  with the demo fleet (fresh per test)
``emulator_tls``  the same over HTTPS with mutual TLS (client certificate required)
``run_playbook``  runs ``ansible-playbook`` with this collection on ``ANSIBLE_COLLECTIONS_PATH``
"""
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field

import pytest

from iotemu.server import EmulatorServer  # tests/emulator is put on sys.path by tests/conftest.py

from kit.control import EmulatorControl  # tests/ is put on sys.path by tests/conftest.py

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

HERE = os.path.dirname(os.path.abspath(__file__))
PLAYBOOKS = os.path.join(HERE, "playbooks")
BIN_DIR = os.path.dirname(sys.executable)
RECAP_RE = re.compile(r"^(?P<host>\S+)\s+:\s+(?P<counts>(?:\w+=\d+\s*)+)$", re.MULTILINE)

# A fast clock so tasks finish within seconds: 300 simulated seconds per device upgrade take 1 s.
DEFAULT_BEHAVIOUR = {"time_scale": 300}


@pytest.fixture
def emulator(tmp_path):
    server = EmulatorServer(fleet="demo", behaviour=dict(DEFAULT_BEHAVIOUR), tls=None, tls_dir=str(tmp_path)).start()
    try:
        yield EmulatorControl(server)
    finally:
        server.stop()


@pytest.fixture
def emulator_tls(tmp_path):
    server = EmulatorServer(fleet="demo", behaviour=dict(DEFAULT_BEHAVIOUR), tls="mutual", tls_dir=str(tmp_path)).start()
    try:
        yield EmulatorControl(server)
    finally:
        server.stop()


@dataclass
class PlaybookResult:
    rc: int
    stdout: str
    stderr: str
    recap: dict = field(default_factory=dict)

    def host(self, name="localhost"):
        return self.recap.get(name, {})


def parse_recap(stdout):
    recap = {}
    tail = stdout.split("PLAY RECAP", 1)[-1] if "PLAY RECAP" in stdout else ""
    for match in RECAP_RE.finditer(tail):
        recap[match.group("host")] = {k: int(v) for k, v in (item.split("=") for item in match.group("counts").split())}
    return recap


@pytest.fixture
def run_playbook(tmp_path):
    def _run(playbook, extra_vars=None, check=False, diff=False, verbosity=0, env=None, expect_rc=0, inventory=None,
             timeout=600, extra_args=None):
        path = playbook if os.path.isabs(playbook) else os.path.join(PLAYBOOKS, playbook)
        cmd = [os.path.join(BIN_DIR, "ansible-playbook"), path]
        for inv in ([inventory] if isinstance(inventory, str) else inventory or []):
            cmd += ["-i", inv]
        for key, value in (extra_vars or {}).items():
            cmd += ["-e", "%s=%s" % (key, value) if isinstance(value, str) else "%s" % _json_var(key, value)]
        if check:
            cmd.append("--check")
        if diff:
            cmd.append("--diff")
        if verbosity:
            cmd.append("-" + "v" * verbosity)
        cmd += list(extra_args or [])
        full_env = dict(os.environ)
        full_env.update({
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_FORCE_COLOR": "0",
            "ANSIBLE_RETRY_FILES_ENABLED": "0",
            "ANSIBLE_LOCALHOST_WARNING": "0",
            "ANSIBLE_INVENTORY_UNPARSED_WARNING": "0",
            "ANSIBLE_LOCAL_TEMP": str(tmp_path / "ansible-tmp"),
            "ANSIBLE_STDOUT_CALLBACK": "default",
            "PATH": BIN_DIR + os.pathsep + os.environ.get("PATH", ""),
        })
        full_env.update(env or {})
        proc = subprocess.run(cmd, env=full_env, capture_output=True, text=True, timeout=timeout, cwd=str(tmp_path), check=False)
        result = PlaybookResult(proc.returncode, proc.stdout, proc.stderr, parse_recap(proc.stdout))
        if expect_rc is not None and proc.returncode != expect_rc:
            raise AssertionError("ansible-playbook rc=%s (expected %s)\n--- stdout\n%s\n--- stderr\n%s"
                                 % (proc.returncode, expect_rc, proc.stdout[-8000:], proc.stderr[-4000:]))
        return result

    return _run


def _json_var(key, value):
    import json

    return json.dumps({key: value})
