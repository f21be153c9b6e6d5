"""`limner users`: create, list, suspend, activate, deprovision, set roles, issue reset links."""

from __future__ import annotations

from pathlib import Path

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from limner.cli.common import (
    DEFAULT_DATA_DIR,
    DataDirOption,
    JsonOption,
    components_for,
    emit,
    in_transaction,
    reading_from,
    run,
)
from limner.cli.tables import table
from limner.components import Components
from limner.identity.accounts import service as identity
from limner.identity.accounts.models import User
from limner.identity.accounts.passwords import generate_password
from limner.identity.accounts.resets import RESET_PATH, issue_reset

app = typer.Typer(help="Manage users.", no_args_is_help=True)


@app.command("create")
def create(
    email: str = typer.Option(..., "--email", help="The person's email address"),
    role: list[str] = typer.Option(..., "--role", help="Role (repeat for several)"),
    display_name: str = typer.Option("", "--name", help="Display name"),
    data_dir: DataDirOption = DEFAULT_DATA_DIR,
    as_json: JsonOption = False,
) -> None:
    """Create a user with a generated password (shown once)."""

    async def go() -> tuple[User, str]:
        password = generate_password()
        async with components_for(data_dir) as c, c.sessions.begin() as session:
            user = await identity.create_user(
                session,
                email=email,
                roles=role,
                password=password,
                display_name=display_name,
                custom_roles=c.settings.identity.custom_roles,
            )
        return user, password

    user, password = run(go)
    emit(
        {**_row(user), "password": password},
        as_json=as_json,
        human=f"created {user.email} ({', '.join(user.roles)}); password (shown once): {password}",
    )


@app.command("list")
def list_(data_dir: DataDirOption = DEFAULT_DATA_DIR, as_json: JsonOption = False) -> None:
    """List users."""

    async def go(_c: Components, session: AsyncSession) -> list[dict[str, object]]:
        return [_row(u) for u in await identity.list_users(session)]

    rows = reading_from(data_dir, go)
    human = table(
        ["EMAIL", "KIND", "STATUS", "ROLES", "CREATED", "ID"],
        [[r["email"], r["kind"], r["status"], r["roles"], str(r["created_at"])[:16], r["id"]] for r in rows],
        empty="no users",
    )
    emit(rows, as_json=as_json, human=human)


def _row(user: User) -> dict[str, object]:
    return {
        "id": user.id,
        "email": user.email,
        "kind": user.kind,
        "status": user.status,
        "roles": user.roles,
        "created_at": user.created_at.isoformat(),
    }


def _set_status(email: str, status: str, data_dir: Path, as_json: bool) -> None:
    async def go(_c: Components, session: AsyncSession) -> User:
        user = await identity.require_user(session, email=email)
        return await identity.set_status(session, user, status)

    user = in_transaction(data_dir, go)
    emit(_row(user), as_json=as_json, human=f"{user.email} is now {user.status}")


@app.command("suspend")
def suspend(email: str, data_dir: DataDirOption = DEFAULT_DATA_DIR, as_json: JsonOption = False) -> None:
    """Suspend a user: their sessions end and their API keys stop working at once."""
    _set_status(email, "suspended", data_dir, as_json)


@app.command("activate")
def activate(email: str, data_dir: DataDirOption = DEFAULT_DATA_DIR, as_json: JsonOption = False) -> None:
    """Let a suspended user sign in again (their unrevoked keys work again)."""
    _set_status(email, "active", data_dir, as_json)


@app.command("deprovision")
def deprovision(email: str, data_dir: DataDirOption = DEFAULT_DATA_DIR, as_json: JsonOption = False) -> None:
    """Deprovision a user: sessions end and every API key is revoked for good."""
    _set_status(email, "deprovisioned", data_dir, as_json)


@app.command("set-roles")
def set_roles(
    email: str,
    role: list[str] = typer.Option(
        ..., "--role", help="Role (repeat for several); replaces the user's roles"
    ),
    data_dir: DataDirOption = DEFAULT_DATA_DIR,
    as_json: JsonOption = False,
) -> None:
    """Replace a user's own roles (group roles still apply)."""

    async def go(c: Components, session: AsyncSession) -> User:
        user = await identity.require_user(session, email=email)
        return await identity.set_roles(session, user, role, custom_roles=c.settings.identity.custom_roles)

    user = in_transaction(data_dir, go)
    emit(_row(user), as_json=as_json, human=f"{user.email} now has roles {', '.join(user.roles)}")


@app.command("reset-link")
def reset_link(email: str, data_dir: DataDirOption = DEFAULT_DATA_DIR, as_json: JsonOption = False) -> None:
    """Issue a one-time password reset link (shown once; give it to the user out of band)."""

    async def go(c: Components, session: AsyncSession) -> tuple[str, int]:
        user = await identity.require_user(session, email=email)
        token = await issue_reset(
            session, user, secret_key=c.secret_key, cfg=c.settings.identity, actor_id=None
        )
        return f"{c.settings.public_url.rstrip('/')}{RESET_PATH}#token={token}", (
            c.settings.identity.login.reset_token_ttl_s
        )

    url, ttl = in_transaction(data_dir, go)
    emit(
        {"url": url, "expires_in_s": ttl}, as_json=as_json, human=f"reset link (valid {ttl // 3600} h): {url}"
    )
