"""One client of the emulator's control API (``/_emulator/``, docs/emulator.md), for every test that runs one.

``EmulatorControl(server)`` wraps a started ``iotemu.server.EmulatorServer`` (its ``url``, and over HTTPS its CA
and client certificate) or an :class:`EmulatorProcess`. ``platform`` makes it a client of one platform:
:meth:`inject` adds that platform to the rule, and :meth:`stats`, :meth:`tasks` and :meth:`duplicates` answer for it
unless told another.

:class:`EmulatorProcess` is the emulator as a subprocess (``python -m iotemu``, as the benchmarks and the command-line
tests run it): started, its ready file read, its ``control`` client made, stopped with SIGTERM.
"""
import json
import os
import signal
import subprocess
import sys
import time

import requests

from kit import credentials

TIMEOUT = 10
EMULATOR_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "emulator")


class EmulatorControl:
    def __init__(self, server, platform=None, timeout=TIMEOUT):
        self.server = server
        self.url = server.url
        self.host = self.url.split("://", 1)[1]
        self.ca_path = getattr(server, "ca_path", None)
        self.client_cert = getattr(server, "client_cert", None)
        self.client_key = getattr(server, "client_key", None)
        self.platform = platform
        self.timeout = timeout

    def _kwargs(self):
        kwargs = {"timeout": self.timeout}
        if self.url.startswith("https"):
            kwargs["verify"] = self.ca_path
            if self.client_cert:
                kwargs["cert"] = (self.client_cert, self.client_key)
        return kwargs

    def control(self, method, path, body=None, expect=200):
        """One control request; its status must be ``expect``; the JSON answer (None when empty)."""
        response = requests.request(method, self.url + "/_emulator/" + path.lstrip("/"), json=body, **self._kwargs())
        assert response.status_code == expect, "%s /_emulator/%s: HTTP %s %s" % (
            method, path, response.status_code, response.text)
        return response.json() if response.content else None

    def _platform(self, platform):
        return platform if platform is not None else self.platform

    # ---- state and time

    def state(self):
        return self.control("GET", "state")

    def reset(self, fleet=None, behaviour=None):
        body = dict((key, value) for key, value in (("fleet", fleet), ("behaviour", behaviour)) if value is not None)
        return self.control("POST", "reset", body)

    def behaviour(self, **changes):
        """The behaviour after ``changes`` (none: as it is)."""
        return self.control("POST", "behaviour", changes) if changes else self.control("GET", "behaviour")

    def advance(self, seconds):
        """Move simulated time forward (pending slow commits come as close)."""
        return self.control("POST", "advance", {"seconds": seconds})

    def patch_devices(self, changes):
        """``{"huawei": {id: {...}}, "tencent": {"PRODUCT/NAME": {...}}, "huawei_iotda": {id: {...}}}``."""
        return self.control("POST", "devices", changes)

    # ---- faults

    def inject(self, **rule):
        """Add one fault rule (docs/emulator.md); the client's platform unless the rule names one."""
        if self.platform is not None:
            rule.setdefault("platform", self.platform)
        return self.control("POST", "faults", {"faults": [rule]})

    def clear_faults(self):
        return self.control("DELETE", "faults")

    # ---- the request log and statistics

    def requests(self, platform=None):
        """The request log, of one platform or of all."""
        log = self.control("GET", "requests")["requests"]
        return [entry for entry in log if platform is None or entry.get("platform") == platform]

    def clear_requests(self):
        return self.control("DELETE", "requests")

    def calls(self, platform=None, method=None, path=None, action=None):
        """Request-log entries filtered by platform, method, path prefix and/or Tencent action."""
        return [
            entry for entry in self.requests(platform)
            if (method is None or entry.get("method") == method)
            and (path is None or (entry.get("path") or "").startswith(path))
            and (action is None or entry.get("action") == action)
        ]

    def stats(self, platform=None):
        """The counters of one platform (the client's by default), or of all when neither is given."""
        stats = self.control("GET", "stats")
        platform = self._platform(platform)
        return stats if platform is None else stats[platform]

    def tasks(self, platform=None):
        return self.state()[self._platform(platform)]["tasks"]

    def duplicates(self, platform=None):
        return self.stats(self._platform(platform))["duplicates"]

    def coverage(self, platform, device):
        return self.control("GET", "coverage?platform=%s&device=%s" % (platform, device))

    # ---- the modules' connection to it

    def huawei_env(self):
        return credentials.huawei_env(self.url)

    def tencent_env(self):
        return credentials.tencent_env(self.url)

    def iotda_env(self):
        return credentials.iotda_env(self.url)


class EmulatorProcess:
    """``python -m iotemu ARGS --ready-file WORKDIR/ready.json`` (``tests/emulator`` on its ``PYTHONPATH``), waited
    for until it listens (``start_timeout`` seconds, or until it exits: ``RuntimeError``).

    ``workdir`` (made if missing) gets the ready file and ``log``, its stdout and stderr (default
    ``WORKDIR/emulator.log``). Afterwards ``url``, ``ca_path``, ``client_cert``, ``client_key`` and the whole ready
    file (``info``: ``pid``, ``port``...) as the emulator wrote it, ``process``, and ``control``, an
    :class:`EmulatorControl` whose requests wait ``timeout`` seconds (a fleet of 100,000 devices answers its stats
    slowly). :meth:`stop` (or leaving a ``with`` block) ends it with SIGTERM and returns its exit status.
    """

    def __init__(self, args, workdir, log=None, start_timeout=60, timeout=TIMEOUT, python=None):
        os.makedirs(workdir, exist_ok=True)
        ready = os.path.join(workdir, "ready.json")
        if os.path.exists(ready):  # an earlier emulator's
            os.remove(ready)
        self.log_path = log or os.path.join(workdir, "emulator.log")
        self.log = open(self.log_path, "w", encoding="utf-8")  # pylint: disable=consider-using-with
        env = dict(os.environ, PYTHONPATH=EMULATOR_DIR)
        self.process = subprocess.Popen(  # pylint: disable=consider-using-with
            [python or sys.executable, "-m", "iotemu"] + [str(arg) for arg in args] + ["--ready-file", ready],
            env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + start_timeout
        while not os.path.exists(ready):  # the emulator writes it whole (a rename) once it listens
            if self.process.poll() is not None or time.monotonic() > deadline:
                status = self.stop()
                raise RuntimeError("the emulator did not start (exit status %s): see %s" % (status, self.log_path))
            time.sleep(0.05)
        with open(ready) as handle:
            self.info = json.load(handle)
        self.url = self.info["url"]
        self.ca_path = self.info.get("ca_path")
        self.client_cert = self.info.get("client_cert")
        self.client_key = self.info.get("client_key")
        self.control = EmulatorControl(self, timeout=timeout)

    def stop(self, timeout=30):
        """SIGTERM, then SIGKILL after ``timeout`` seconds; the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if not self.log.closed:
            self.log.close()
        return self.process.returncode

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.stop()
