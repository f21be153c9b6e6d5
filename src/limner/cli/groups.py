"""`limner groups`: create, list, set roles, add and remove members, delete."""

from __future__ import annotations

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from limner.cli.common import (
    DEFAULT_DATA_DIR,
    DataDirOption,
    JsonOption,
    emit,
    in_transaction,
)
from limner.components import Components
from limner.identity.accounts import groups
from limner.identity.accounts import service as identity

app = typer.Typer(help="Manage groups (departments) and their roles.", no_args_is_help=True)


@app.command("create")
def create(
    name: str,
    role: list[str] | None = typer.Option(None, "--role", help="Role every member gets (repeat)"),
    data_dir: DataDirOption = DEFAULT_DATA_DIR,
    as_json: JsonOption = False,
) -> None:
    """Create a group."""

    async def go(c: Components, session: AsyncSession) -> dict[str, object]:
        group = await groups.create_group(
            session, name=name, roles=role or [], custom_roles=c.settings.identity.custom_roles
        )
        return {"id": group.id, "name": group.name, "roles": group.roles}

    row = in_transaction(data_dir, go)
    emit(row, as_json=as_json, human=f"created group {row['name']}")


@app.command("list")
def list_(data_dir: DataDirOption = DEFAULT_DATA_DIR, as_json: JsonOption = False) -> None:
    """List groups with their roles and members."""

    async def go(_c: Components, session: AsyncSession) -> list[dict[str, object]]:
        return [
            {
                "id": g.id,
                "name": g.name,
                "roles": g.roles,
                "members": [u.email for u in await groups.members(session, g)],
            }
            for g in await groups.list_groups(session)
        ]

    rows = in_transaction(data_dir, go)
    human = (
        "\n".join(f"{r['name']:<30} roles={r['roles']} members={r['members']}" for r in rows) or "no groups"
    )
    emit(rows, as_json=as_json, human=human)


@app.command("set-roles")
def set_roles(
    name: str,
    role: list[str] | None = typer.Option(None, "--role", help="Role (repeat); none removes all"),
    data_dir: DataDirOption = DEFAULT_DATA_DIR,
    as_json: JsonOption = False,
) -> None:
    """Replace the roles a group gives its members."""

    async def go(c: Components, session: AsyncSession) -> dict[str, object]:
        group = await groups.require_group(session, name=name)
        await groups.update_group(
            session, group, roles=role or [], custom_roles=c.settings.identity.custom_roles
        )
        return {"id": group.id, "name": group.name, "roles": group.roles}

    row = in_transaction(data_dir, go)
    emit(row, as_json=as_json, human=f"group {row['name']} now gives roles {row['roles']}")


@app.command("add-member")
def add_member(
    name: str, email: str, data_dir: DataDirOption = DEFAULT_DATA_DIR, as_json: JsonOption = False
) -> None:
    """Add a user to a group."""
    _members(name, email, add=True, data_dir=data_dir, as_json=as_json)


@app.command("remove-member")
def remove_member(
    name: str, email: str, data_dir: DataDirOption = DEFAULT_DATA_DIR, as_json: JsonOption = False
) -> None:
    """Remove a user from a group."""
    _members(name, email, add=False, data_dir=data_dir, as_json=as_json)


def _members(name: str, email: str, *, add: bool, data_dir: DataDirOption, as_json: bool) -> None:
    async def go(_c: Components, session: AsyncSession) -> list[str]:
        group = await groups.require_group(session, name=name)
        user = await identity.require_user(session, email=email)
        change = groups.add_members if add else groups.remove_members
        await change(session, group, [user.id])
        return [u.email for u in await groups.members(session, group)]

    members = in_transaction(data_dir, go)
    emit(
        {"group": name, "members": members},
        as_json=as_json,
        human=f"{name}: {', '.join(members) or 'no members'}",
    )


@app.command("delete")
def delete(name: str, data_dir: DataDirOption = DEFAULT_DATA_DIR, as_json: JsonOption = False) -> None:
    """Delete a group (its members keep their own roles)."""

    async def go(_c: Components, session: AsyncSession) -> None:
        await groups.delete_group(session, await groups.require_group(session, name=name))

    in_transaction(data_dir, go)
    emit({"deleted": name}, as_json=as_json, human=f"deleted group {name}")
