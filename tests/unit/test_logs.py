"""Unit tests for the log formatters: escaping, masking, request ids. The live-server twin (a raw
request with %0a in its path against `limner serve`) is tests/e2e/test_logs.py."""

from __future__ import annotations

import json
import logging

import pytest

from limner.logs import (
    JsonFormatter,
    LoggingSettings,
    RequestIdFilter,
    TextFormatter,
    escape,
    is_json_enabled,
    logging_config,
    request_id_var,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("GET /x", "GET /x"),
        ("/x\nFORGED", "/x\\x0aFORGED"),
        ("/x\r\nFORGED", "/x\\x0d\\x0aFORGED"),
        ("a\x1b[31mred", "a\\x1b[31mred"),
        ("nul\x00", "nul\\x00"),
        ("c1\x85next", "c1\\x85next"),
        ("line\u2028sep", "line\\u2028sep"),
        ("café ✓", "café ✓"),
        ("key lmn_abcdefgh12345678", "key lmn_…[redacted]"),
        ("Authorization: Bearer abc.def.ghi123", "Authorization: Bear…[redacted]"),
        ("sk-proj-ABCDEFGHIJKLMNOPQRSTUV", "sk-p…[redacted]"),
        ("Authorization: Basic dXNlcjpwYXNzd29yZA==", "Authorization: Basi…[redacted]"),
        ("a basic information page", "a basic information page"),
    ],
)
def test_escape(raw: str, expected: str) -> None:
    assert escape(raw) == expected


def record(msg: str, *args: object, **extra: object) -> logging.LogRecord:
    rec = logging.makeLogRecord({"name": "limner.http", "levelname": "INFO", "msg": msg, "args": args})
    rec.__dict__.update(extra)
    RequestIdFilter().filter(rec)
    return rec


def test_json_line_stays_one_line_and_carries_the_request_id() -> None:
    token = request_id_var.set("req_abc")
    try:
        rec = record("%s %s", "GET", "/x\nFORGED", path="/x\nFORGED", status=200)
    finally:
        request_id_var.reset(token)
    line = JsonFormatter().format(rec)
    assert "\n" not in line
    parsed = json.loads(line)
    assert parsed["request_id"] == "req_abc"
    assert parsed["msg"] == "GET /x\\x0aFORGED"
    assert parsed["path"] == "/x\\x0aFORGED"
    assert parsed["status"] == 200
    assert line.isascii()


def test_text_line_escapes_message_and_fields() -> None:
    rec = record("%s", "/y\r\nFORGED", path="/y\nFORGED")
    line = TextFormatter().format(rec)
    assert "\n" not in line
    assert "\r" not in line
    assert "[-]" in line  # outside a request
    assert "path=/y\\x0aFORGED" in line


def test_json_is_the_default_outside_development() -> None:
    assert is_json_enabled(LoggingSettings(), "prod")
    assert not is_json_enabled(LoggingSettings(), "dev")
    assert not is_json_enabled(LoggingSettings.model_validate({"json": False}), "prod")
    config = logging_config(LoggingSettings(), "dev")
    assert config["formatters"]["limner"]["()"] == "limner.logs.TextFormatter"
    assert config["loggers"]["uvicorn"]["handlers"] == ["limner"]
