"""`limner keys`: create, list, rotate and revoke API keys."""

from __future__ import annotations

from pathlib import Path

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from limner.cli.common import (
    DEFAULT_DATA_DIR,
    DataDirOption,
    JsonOption,
    emit,
    in_transaction,
    usage_error,
)
from limner.cli.tables import cell, table
from limner.components import Components
from limner.identity.accounts import service as identity
from limner.identity.keys import service as key_service
from limner.identity.keys.models import ApiKey

app = typer.Typer(help="Manage API keys.", no_args_is_help=True)


@app.command("create")
def create(
    user: str | None = typer.Option(None, "--user", help="Owner's email"),
    service: str | None = typer.Option(None, "--service", help="Service account name (created if new)"),
    role: list[str] = typer.Option(..., "--role", help="Role the key carries (repeat for several)"),
    model: list[str] | None = typer.Option(None, "--model", help="Restrict the key to these models"),
    expires_days: int | None = typer.Option(None, "--expires-days", min=1, help="Expire after N days"),
    name: str = typer.Option("", "--name", help="A label for the key"),
    data_dir: DataDirOption = DEFAULT_DATA_DIR,
    as_json: JsonOption = False,
) -> None:
    """Create a key for a user or a service account. The key is shown once."""
    if (user is None) == (service is None):
        usage_error("give exactly one of --user EMAIL or --service NAME")

    async def go(c: Components, session: AsyncSession) -> tuple[ApiKey, str]:
        owner = (
            await identity.require_user(session, email=user)
            if user
            else await identity.get_or_create_service(session, name=service or "", roles=role)
        )
        return await key_service.create_api_key(
            session,
            owner=owner,
            secret_key=c.secret_key,
            roles=role,
            models=model or None,
            name=name,
            expires_days=expires_days,
        )

    row, key = in_transaction(data_dir, go)
    emit({"id": row.id, "api_key": key}, as_json=as_json, human=f"key {row.id} (shown once): {key}")


@app.command("revoke")
def revoke(key_id: str, data_dir: DataDirOption = DEFAULT_DATA_DIR, as_json: JsonOption = False) -> None:
    """Revoke a key at once."""

    async def go(_c: Components, session: AsyncSession) -> tuple[ApiKey, bool]:
        already = (await key_service.get_api_key(session, key_id)).revoked_at is not None
        return await key_service.revoke_api_key(session, key_id=key_id), already

    row, already = in_transaction(data_dir, go)
    human = (
        f"key {row.id} was already revoked on {cell(row.revoked_at)}" if already else f"revoked key {row.id}"
    )
    emit({**_row(row), "already_revoked": already}, as_json=as_json, human=human)


@app.command("suspend")
def suspend(key_id: str, data_dir: DataDirOption = DEFAULT_DATA_DIR, as_json: JsonOption = False) -> None:
    """Stop a key until `limner keys resume` (suspicious activity; revoke for good instead)."""
    _suspend(key_id, True, data_dir, as_json)


@app.command("resume")
def resume(key_id: str, data_dir: DataDirOption = DEFAULT_DATA_DIR, as_json: JsonOption = False) -> None:
    """Let a suspended key work again."""
    _suspend(key_id, False, data_dir, as_json)


def _suspend(key_id: str, suspended: bool, data_dir: Path, as_json: bool) -> None:
    async def go(_c: Components, session: AsyncSession) -> ApiKey:
        return await key_service.set_key_suspended(session, key_id=key_id, suspended=suspended)

    row = in_transaction(data_dir, go)
    emit(_row(row), as_json=as_json, human=f"key {row.id} is {'suspended' if suspended else 'active again'}")


@app.command("rotate")
def rotate(key_id: str, data_dir: DataDirOption = DEFAULT_DATA_DIR, as_json: JsonOption = False) -> None:
    """Replace a key's secret: a new key with the same scope is shown once; the old one is revoked."""

    async def go(c: Components, session: AsyncSession) -> tuple[ApiKey, str]:
        return await key_service.rotate_api_key(session, key_id=key_id, secret_key=c.secret_key)

    row, key = in_transaction(data_dir, go)
    emit(
        {"id": row.id, "api_key": key, "replaces": key_id},
        as_json=as_json,
        human=f"key {row.id} replaces {key_id} (shown once): {key}",
    )


@app.command("list")
def list_(data_dir: DataDirOption = DEFAULT_DATA_DIR, as_json: JsonOption = False) -> None:
    """List keys (never the secrets): owner's email, name, roles, models, expiry and state."""

    async def go(_c: Components, session: AsyncSession) -> list[dict[str, object]]:
        keys = await key_service.list_api_keys(session)
        owners = {k.owner_id: await identity.get_user(session, k.owner_id) for k in keys}
        return [{**_row(k), "owner": owners[k.owner_id].email} for k in keys]

    rows = in_transaction(data_dir, go)
    headers = ["ID", "OWNER", "NAME", "ROLES", "MODELS", "EXPIRES", "LAST USED", "STATE"]
    cells = [
        [r["id"], r["owner"], r["name"], r["roles"], r["models"] or "all", r["expires_at"] or "never",
         r["last_used_at"], "revoked" if r["revoked_at"] else "active"]
        for r in rows
    ]  # fmt: skip
    emit(rows, as_json=as_json, human=table(headers, cells, empty="no keys"))


def _row(key: ApiKey) -> dict[str, object]:
    return {
        "id": key.id,
        "owner_id": key.owner_id,
        "name": key.name,
        "roles": key.roles,
        "models": key.models,
        "created_at": key.created_at,
        "expires_at": key.expires_at,
        "revoked_at": key.revoked_at,
        "suspended_at": key.suspended_at,
        "last_used_at": key.last_used_at,
    }
