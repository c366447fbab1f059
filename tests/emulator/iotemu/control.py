"""The control API under ``/_emulator/`` (no authentication; loopback clients only)."""

from __future__ import annotations

import ipaddress
import json
from typing import Any, Callable

from .core import EmulatorCore, public_behaviour
from .faults import parse_rule
from .fleet import FleetError
from .wire import Reply, Request, json_reply

PREFIX = "/_emulator/"


class ControlError(Exception):
    """A bad control request (HTTP 400 with ``{"error": message}``)."""


def _body(request: Request) -> Any:
    if not request.body.strip():
        return {}
    try:
        return json.loads(request.body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ControlError("the body is not JSON") from exc


def _is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


class ControlApi:
    """Routes ``(method, name)`` to the handlers below."""

    def __init__(self, core: EmulatorCore) -> None:
        self.core = core
        self.routes: dict[tuple[str, str], Callable[[Request], Any]] = {
            ("GET", "health"): self.health,
            ("POST", "reset"): self.reset,
            ("GET", "requests"): self.requests,
            ("DELETE", "requests"): self.clear_requests,
            ("GET", "faults"): self.faults,
            ("POST", "faults"): self.add_faults,
            ("DELETE", "faults"): self.clear_faults,
            ("GET", "behaviour"): self.behaviour,
            ("POST", "behaviour"): self.update_behaviour,
            ("GET", "state"): self.state,
            ("POST", "advance"): self.advance,
            ("POST", "devices"): self.patch_devices,
            ("GET", "stats"): self.stats,
            ("GET", "coverage"): self.coverage,
        }

    def handle(self, request: Request) -> Reply:
        if not _is_loopback(request.client):
            return json_reply(403, {"error": "the control API answers loopback clients only"})
        name = request.path[len(PREFIX):].strip("/")
        handler = self.routes.get((request.method, name))
        if handler is None:
            return json_reply(404, {"error": "no control endpoint %s %s" % (request.method, request.path)})
        try:
            return json_reply(200, handler(request))
        except (ControlError, FleetError, ValueError, KeyError) as exc:
            return json_reply(400, {"error": str(exc)})

    # ------------------------------------------------------------------ handlers

    @staticmethod
    def health(_request: Request) -> dict:
        return {"ok": True}

    def reset(self, request: Request) -> dict:
        body = _body(request)
        if not isinstance(body, dict) or set(body) - {"fleet", "behaviour"}:
            raise ControlError("reset takes an optional object with 'fleet' and/or 'behaviour'")
        self.core.reset(fleet=body.get("fleet"), behaviour=body.get("behaviour"))
        return {"ok": True}

    def requests(self, _request: Request) -> dict:
        return {"requests": self.core.log.entries()}

    def clear_requests(self, _request: Request) -> dict:
        self.core.log.clear()
        return {"ok": True}

    def faults(self, _request: Request) -> dict:
        return {"faults": self.core.faults.listing()}

    def add_faults(self, request: Request) -> dict:
        body = _body(request)
        items = body.get("faults") if isinstance(body, dict) else None
        if not isinstance(items, list):
            raise ControlError("expected {\"faults\": [rule, ...]}")
        self.core.faults.add([parse_rule(item) for item in items])
        return {"faults": self.core.faults.listing()}

    def clear_faults(self, _request: Request) -> dict:
        self.core.faults.clear()
        return {"ok": True}

    def behaviour(self, _request: Request) -> dict:
        with self.core.lock:
            return public_behaviour(self.core.behaviour)

    def update_behaviour(self, request: Request) -> dict:
        return self.core.update_behaviour(_body(request))

    def state(self, _request: Request) -> dict:
        return self.core.state()

    def stats(self, _request: Request) -> dict:
        """Counters per platform since the last reset or ``DELETE /_emulator/requests``, tasks, duplicates."""
        return self.core.stats()

    def coverage(self, request: Request) -> dict:
        """``?platform=huawei|huawei_iotda&device=ID`` or ``?platform=tencent&device=PRODUCT/NAME``: the tasks covering it."""
        platform, device = request.query.get("platform"), request.query.get("device")
        if not platform or not device:
            raise ControlError("expected ?platform=huawei|tencent|huawei_iotda&device=ID (tencent: PRODUCT/NAME)")
        return self.core.coverage(platform, device)

    def advance(self, request: Request) -> dict:
        """Move simulated time forward: ``{"seconds": N}`` (pending slow commits come N s closer too)."""
        seconds = _body(request).get("seconds")
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0:
            raise ControlError("expected {\"seconds\": a non-negative number}")
        return {"simulated": self.core.advance(seconds)}

    def patch_devices(self, request: Request) -> dict:
        """``{"huawei": {deviceId: {"online", "version", ...}}, "tencent": {"PRODUCT/NAME": {"online", "versions"}},
        "huawei_iotda": {device_id: {"online", "fw_version", "sw_version", "groups"}}}``."""
        body = _body(request)
        if not isinstance(body, dict) or set(body) - {"huawei", "tencent", "huawei_iotda"}:
            raise ControlError("expected {\"huawei\": {...}, \"tencent\": {...}, \"huawei_iotda\": {...}}")
        with self.core.lock:
            for device_id, changes in (body.get("huawei") or {}).items():
                if device_id not in self.core.huawei.devices:
                    raise ControlError("unknown huawei device %s" % device_id)
                self.core.huawei.patch_device(device_id, changes)
            for key, changes in (body.get("tencent") or {}).items():
                product_id, _sep, name = key.partition("/")
                if (product_id, name) not in self.core.tencent.devices:
                    raise ControlError("unknown tencent device %s (use PRODUCT/NAME)" % key)
                self.core.tencent.patch_device(product_id, name, changes)
            for device_id, changes in (body.get("huawei_iotda") or {}).items():
                if device_id not in self.core.huawei_iotda.devices:
                    raise ControlError("unknown huawei_iotda device %s" % device_id)
                self.core.huawei_iotda.patch_device(device_id, changes)
        return {"ok": True}
