"""One logging set-up for Limner and uvicorn: JSON lines (production) or readable text (development).

Every line carries the request id of the request it belongs to (a contextvar the request middleware
sets). Control characters are escaped in every field, so a `%0a` in a request path cannot start a
forged line, and credentials that slip into a message (API keys, bearer tokens) are masked."""

from __future__ import annotations

import json
import logging
import re
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

request_id_var: ContextVar[str | None] = ContextVar("limner_request_id", default=None)

# C0 and C1 controls, DEL, and the Unicode line and paragraph separators some viewers break lines on.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# Keys and tokens never belong in a log; these patterns catch one that slipped into a message.
_SECRETS = re.compile(
    r"\b(lmn_[A-Za-z0-9_\-]{8,}|sk-[A-Za-z0-9_\-]{16,}|(?i:bearer)\s+[A-Za-z0-9._~+/=\-]{8,}|"
    r"Basic\s+[A-Za-z0-9+/]{8,}={0,2})"
)
# Attributes every LogRecord has; anything else on a record came from `extra=` and is logged as a field.
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "request_id", "color_message"}


class LoggingSettings(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    is_json: bool | None = Field(
        default=None,
        alias="json",
        description="JSON lines; default true except with env = 'dev' (human-readable text)",
    )
    level: str = Field(default="INFO", pattern="^(DEBUG|INFO|WARNING|ERROR|CRITICAL)$")


def escape(value: str) -> str:
    """`value` with control characters written as \\xNN / \\uNNNN and credentials masked."""
    masked = _SECRETS.sub(lambda m: m.group(0)[:4] + "…[redacted]", value)
    return _CONTROLS.sub(lambda m: _escaped(m.group(0)), masked)


def _escaped(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


class RequestIdFilter(logging.Filter):
    """Puts the current request id on every record (None outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, request_id, msg, then fields passed as `extra=`."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "request_id": getattr(record, "request_id", None),
            "msg": escape(record.getMessage()),
        }
        line.update(_fields(record))
        if record.exc_info:
            line["exc"] = escape(self.formatException(record.exc_info))
        # ensure_ascii escapes every non-ASCII character too: the line is plain printable ASCII.
        return json.dumps(line, ensure_ascii=True, default=str)


class TextFormatter(logging.Formatter):
    """`time LEVEL logger [request id] message key=value ...`, every part escaped."""

    def format(self, record: logging.LogRecord) -> str:
        when = datetime.fromtimestamp(record.created, UTC).strftime("%H:%M:%S.%f")[:-3]
        rid = getattr(record, "request_id", None) or "-"
        parts = [when, f"{record.levelname:<7}", escape(record.name), f"[{escape(rid)}]"]
        parts.append(escape(record.getMessage()))
        parts += [f"{key}={escape(str(value))}" for key, value in _fields(record).items()]
        text = " ".join(parts)
        if record.exc_info:
            text += " | " + escape(self.formatException(record.exc_info))
        return text


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for key, value in record.__dict__.items():
        if key in _STANDARD or key.startswith("_"):
            continue
        is_plain = isinstance(value, int | float | bool) or value is None
        fields[escape(key)] = value if is_plain else escape(str(value))
    return fields


def is_json_enabled(settings: LoggingSettings, env: str) -> bool:
    return settings.is_json if settings.is_json is not None else env != "dev"


def logging_config(settings: LoggingSettings, env: str) -> dict[str, Any]:
    """A `logging.config.dictConfig` dict for Limner, uvicorn and the libraries under them; uvicorn
    takes the same dict as `log_config`, so its lines look like ours."""
    formatter = "limner.logs.JsonFormatter" if is_json_enabled(settings, env) else "limner.logs.TextFormatter"
    handler = ["limner"]
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "limner.logs.RequestIdFilter"}},
        "formatters": {"limner": {"()": formatter}},
        "handlers": {
            "limner": {
                "class": "logging.StreamHandler",
                "formatter": "limner",
                "filters": ["request_id"],
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"handlers": handler, "level": settings.level},
        "loggers": {
            "uvicorn": {"handlers": handler, "level": settings.level, "propagate": False},
            "uvicorn.error": {"level": settings.level},  # propagates to "uvicorn"
            "uvicorn.access": {"handlers": handler, "level": settings.level, "propagate": False},
            # httpx logs every upstream URL at INFO; vendor image URLs carry signed query strings.
            "httpx": {"level": "WARNING"},
            "httpcore": {"level": "WARNING"},
            # botocore logs each S3 request's headers at DEBUG: the Authorization header names the access key.
            "botocore": {"level": "WARNING"},
            "boto3": {"level": "WARNING"},
        },
    }
