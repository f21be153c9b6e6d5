"""Admin API for API keys: list, create, revoke (immediate) and rotate (new secret, old one revoked)."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from limner.deps import STEP_UP, ComponentsDep, PrincipalDep, SessionDep, require
from limner.identity.accounts import service
from limner.identity.keys import service as key_service
from limner.identity.keys.models import ApiKey
from limner.identity.keys.schemas import KeyCreate, KeyCreated, KeyPage, KeyRead
from limner.identity.schemas import Permission

router = APIRouter(
    prefix="/v1/limner/admin/keys", tags=["admin"], dependencies=[Depends(require(Permission.KEYS_MANAGE))]
)


@router.get("")
async def list_keys(session: SessionDep, owner_id: str | None = None) -> KeyPage:
    return KeyPage(
        data=[KeyRead.model_validate(k) for k in await key_service.list_api_keys(session, owner_id=owner_id)]
    )


@router.post("", status_code=201, dependencies=[STEP_UP])
async def create_key(
    body: KeyCreate, c: ComponentsDep, principal: PrincipalDep, session: SessionDep
) -> KeyCreated:
    owner = await service.get_user(session, body.owner_id)
    row, full_key = await key_service.create_api_key(
        session,
        owner=owner,
        secret_key=c.secret_key,
        roles=body.roles,
        models=body.models,
        name=body.name,
        expires_days=body.expires_days,
        actor_id=principal.user_id,
    )
    return _created(row, full_key)


@router.post("/{key_id}/revoke")
async def revoke_key(key_id: str, principal: PrincipalDep, session: SessionDep) -> KeyRead:
    return KeyRead.model_validate(
        await key_service.revoke_api_key(session, key_id=key_id, actor_id=principal.user_id)
    )


@router.post("/{key_id}/rotate", status_code=201, dependencies=[STEP_UP])
async def rotate_key(
    key_id: str, c: ComponentsDep, principal: PrincipalDep, session: SessionDep
) -> KeyCreated:
    row, full_key = await key_service.rotate_api_key(
        session, key_id=key_id, secret_key=c.secret_key, actor_id=principal.user_id
    )
    return _created(row, full_key)


def _created(row: ApiKey, full_key: str) -> KeyCreated:
    return KeyCreated(**KeyRead.model_validate(row).model_dump(), api_key=full_key)
