"""Command line: ``python -m iotemu --port 0 --fleet demo --time-scale 60 --tls none --ready-file ready.json``."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from typing import Any, Optional

from .fleet import FleetError
from .server import EmulatorServer


def _failure_rate(text: str) -> list:
    pattern, sep, rate = text.rpartition("=")
    if not sep or not pattern:
        raise argparse.ArgumentTypeError("expected PATTERN=RATE, e.g. 'hw-meter-00[0-4]?=0.5'")
    try:
        return [pattern, float(rate)]
    except ValueError as exc:
        raise argparse.ArgumentTypeError("the rate of %r is not a number" % text) from exc


def _behaviour_json(text: str) -> dict:
    source = text
    if text.startswith("@"):
        with open(text[1:], encoding="utf-8") as handle:
            source = handle.read()
    try:
        value = json.loads(source)
    except ValueError as exc:
        raise argparse.ArgumentTypeError("--behaviour is not JSON: %s" % exc) from exc
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError("--behaviour must be a JSON object")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m iotemu", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port (0 = any free port; see --ready-file)")
    parser.add_argument("--fleet", default="demo",
                        help="'demo', 'demo:N' (N devices per platform), 'demo:H+T' (H Huawei, T Tencent) or a JSON fleet file")
    parser.add_argument("--devices", type=int, metavar="N",
                        help="a demo fleet of N devices in all, half per platform (Huawei gets the odd one): "
                             "shorthand for --fleet demo:H+T")
    parser.add_argument("--time-scale", type=float, help="simulated seconds per real second (default 1)")
    parser.add_argument("--upgrade-seconds", type=float, help="simulated seconds per device upgrade (default 300)")
    parser.add_argument("--failure-rate", type=_failure_rate, action="append", default=[], metavar="PATTERN=RATE",
                        help="failure rate for devices matching an fnmatch pattern (repeatable, first match wins)")
    parser.add_argument("--behaviour", type=_behaviour_json, default={}, metavar="JSON|@FILE",
                        help="further behaviour settings as a JSON object")
    parser.add_argument("--no-echo", action="store_true",
                        help="do not echo markers (Huawei extendPara.fileId, Tencent TaskUserDefine): echo_markers false")
    parser.add_argument("--documented-only", action="store_true",
                        help="answer only fields the API notes document as returned (implies --no-echo)")
    parser.add_argument("--tls", choices=("none", "server", "mutual"), default="none", help="plain HTTP, HTTPS or mutual TLS")
    parser.add_argument("--tls-dir", help="where to write ca.pem, server.pem/.key and client.pem/.key")
    parser.add_argument("--ready-file", help="write {url, pid, ca_path, client_cert, client_key} here once listening")
    parser.add_argument("--verbose", action="store_true", help="log every HTTP request to stderr")
    return parser


def behaviour_from_args(args: argparse.Namespace) -> dict:
    behaviour: dict[str, Any] = dict(args.behaviour)
    if args.time_scale is not None:
        behaviour["time_scale"] = args.time_scale
    if args.upgrade_seconds is not None:
        behaviour["upgrade_seconds"] = args.upgrade_seconds
    if args.failure_rate:
        behaviour["failure_rates"] = list(args.failure_rate)
    if args.no_echo:
        behaviour["echo_markers"] = False
    if args.documented_only:
        behaviour["documented_only"] = True
    return behaviour


def fleet_of(devices: int) -> str:
    """The demo fleet spec of ``--devices N``: N in all, the Huawei half rounded up."""
    return "demo:%d+%d" % ((devices + 1) // 2, devices // 2)


def write_ready_file(path: str, server: EmulatorServer) -> None:
    info = {"url": server.url, "port": server.port, "pid": os.getpid(), "ca_path": server.ca_path,
            "client_cert": server.client_cert, "client_key": server.client_key}
    temporary = path + ".tmp"
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump(info, handle)
    os.replace(temporary, path)  # readers never see a half-written file


def main(argv: Optional[list] = None) -> int:
    args = build_parser().parse_args(argv)
    if args.devices is not None:
        args.fleet = fleet_of(args.devices)
    try:
        server = EmulatorServer(fleet=args.fleet, behaviour=behaviour_from_args(args), tls=args.tls,
                                tls_dir=args.tls_dir, host=args.host, port=args.port, verbose=args.verbose).start()
    except (FleetError, ValueError, OSError) as exc:
        sys.stderr.write("iotemu: %s\n" % exc)
        return 2
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_args: stop.set())
    sys.stderr.write("iotemu listening on %s (fleet %s, tls %s)\n" % (server.url, args.fleet, args.tls))
    if args.ready_file:
        write_ready_file(args.ready_file, server)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
