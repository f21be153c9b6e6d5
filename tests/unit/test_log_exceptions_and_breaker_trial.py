"""Unit tests: a logged exception stays on one escaped line in both formats, the logging config routes
Limner, uvicorn and the libraries by settings; and a cancelled trial call lets the next one try."""

from __future__ import annotations

import json
import logging
import sys

import pytest

from limner.breaker import CircuitBreaker
from limner.errors import UnavailableError, UpstreamError
from limner.logs import JsonFormatter, LoggingSettings, TextFormatter, logging_config


def failed_record() -> logging.LogRecord:
    try:
        raise ValueError("bad\nFORGED line")
    except ValueError:
        return logging.LogRecord("limner.t", logging.ERROR, __file__, 1, "it failed", None, sys.exc_info())


def test_a_json_line_with_an_exception_stays_one_escaped_line() -> None:
    line = JsonFormatter().format(failed_record())
    assert "\n" not in line
    parsed = json.loads(line)
    assert parsed["msg"] == "it failed"
    assert "Traceback" in parsed["exc"]
    assert "bad\\x0aFORGED line" in parsed["exc"]


def test_a_text_line_with_an_exception_stays_one_escaped_line() -> None:
    line = TextFormatter().format(failed_record())
    assert "\n" not in line
    assert " | Traceback" in line
    assert "ValueError: bad\\x0aFORGED line" in line


@pytest.mark.parametrize(
    ("json_setting", "env", "formatter"),
    [
        (None, "prod", "limner.logs.JsonFormatter"),
        (None, "dev", "limner.logs.TextFormatter"),
        (True, "dev", "limner.logs.JsonFormatter"),
        (False, "prod", "limner.logs.TextFormatter"),
    ],
)
def test_the_logging_config_picks_the_format_and_quietens_httpx(
    json_setting: bool | None, env: str, formatter: str
) -> None:
    config = logging_config(LoggingSettings(json=json_setting, level="WARNING"), env)
    assert config["formatters"]["limner"]["()"] == formatter
    assert config["root"]["level"] == "WARNING"
    assert config["loggers"]["uvicorn.access"]["propagate"] is False
    assert config["loggers"]["httpx"]["level"] == "WARNING"  # upstream URLs carry signed query strings
    assert config["disable_existing_loggers"] is False


def test_an_unknown_log_level_is_refused() -> None:
    with pytest.raises(ValueError, match="level"):
        LoggingSettings(level="CHATTY")


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_cancelled_trial_lets_the_next_call_be_the_trial() -> None:
    clock = Clock()
    breaker = CircuitBreaker("The image provider", failures=1, open_s=5, jitter=0, clock=clock)
    breaker.before_call()
    breaker.record(UpstreamError("down", code="upstream_unavailable"))
    clock.now += 6
    breaker.before_call()  # the trial goes through
    with pytest.raises(UnavailableError):
        breaker.before_call()  # while the trial is out, others wait
    breaker.abandon()  # the trial was cancelled: no outcome
    breaker.before_call()  # so this call becomes the trial
    breaker.record(None)
    assert not breaker.is_open
