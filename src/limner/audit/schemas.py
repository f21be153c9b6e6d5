"""Audit API shapes."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class AuditEventPage(BaseModel):
    object: str = "list"
    data: list[dict[str, Any]]
    next_cursor: int | None = None


class CheckpointList(BaseModel):
    algorithm: str = "ed25519"
    public_key: str
    key_id: str
    checkpoints: list[dict[str, Any]]
