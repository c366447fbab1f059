"""Value types shared by the HTTP layer and the platform handlers, plus small helpers."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Mapping, Optional

HUAWEI_TIME_FORMAT = "%Y%m%dT%H%M%SZ"


@dataclass
class Request:
    """One parsed HTTP request as the handlers see it."""

    method: str
    path: str
    query: dict[str, str]
    headers: Mapping[str, str]
    body: bytes
    client: str = "127.0.0.1"
    raw_query: str = ""

    def header(self, name: str, default: Optional[str] = None) -> Optional[str]:
        """A header value (the mapping is case-insensitive)."""
        value = self.headers.get(name)
        return default if value is None else value


@dataclass
class Reply:
    """What a handler answers; ``error_code`` only feeds the request log."""

    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    error_code: Optional[str] = None


def dumps(payload: Any) -> bytes:
    """Compact UTF-8 JSON."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def json_reply(status: int, payload: Any, error_code: Optional[str] = None) -> Reply:
    return Reply(status=status, body=dumps(payload), error_code=error_code)


def text_reply(status: int, text: str, headers: Optional[dict[str, str]] = None) -> Reply:
    return Reply(status=status, body=text.encode("utf-8"), content_type="text/plain", headers=headers or {})


def huawei_time(timestamp: Optional[float]) -> Optional[str]:
    """``yyyyMMdd'T'HHmmss'Z'`` in UTC, or None."""
    if timestamp is None:
        return None
    return datetime.fromtimestamp(timestamp, tz=timezone.utc).strftime(HUAWEI_TIME_FORMAT)


def parse_huawei_time(text: Any) -> Optional[float]:
    """Unix seconds of a ``yyyyMMdd'T'HHmmss'Z'`` string, None when it is not exactly that format."""
    if not isinstance(text, str) or len(text) != 16:
        return None
    try:
        return datetime.strptime(text, HUAWEI_TIME_FORMAT).replace(tzinfo=timezone.utc).timestamp()
    except ValueError:
        return None


def is_int(value: Any) -> bool:
    """A JSON integer (booleans are not integers here)."""
    return isinstance(value, int) and not isinstance(value, bool)


def parse_json_object(body: bytes) -> Optional[dict]:
    """The body as a JSON object, None when it is not one."""
    try:
        data = json.loads(body.decode("utf-8")) if body else None
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None
