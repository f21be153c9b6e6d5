"""Helpers for privacy integration tests: generate through the API and find data on disk."""

from __future__ import annotations

import base64
from pathlib import Path

import httpx

from tests.factories import Caller

GEN = "/v1/images/generations"


async def generate(client: httpx.AsyncClient, caller: Caller, prompt: str) -> dict[str, object]:
    resp = await client.post(
        GEN, headers=caller.headers, json={"model": "limner-local", "prompt": prompt, "size": "256x256"}
    )
    assert resp.status_code == 200, resp.text
    body: dict[str, object] = resp.json()
    return body


def forms(canary: str) -> list[bytes]:
    """The canary as plain text, base64 (at each alignment) and hex, as a leak could appear."""
    raw = canary.encode()
    b64 = [base64.b64encode(raw[i:])[4:-4] for i in range(3)]
    return [raw, raw.hex().encode(), raw.hex().upper().encode(), *b64]


def files_containing(root: Path, needles: list[bytes]) -> list[str]:
    hits = []
    for path in root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            hits += [f"{path}: {needle!r}" for needle in needles if needle in data]
    return hits
