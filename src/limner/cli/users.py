"""`limner users`: create and list accounts."""

from __future__ import annotations

import typer

from limner.cli.common import DEFAULT_DATA_DIR, DataDirOption, JsonOption, components_for, emit, run
from limner.identity import service as identity
from limner.identity.models import User
from limner.identity.passwords import generate_password

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

    async def go() -> list[dict[str, object]]:
        async with components_for(data_dir) as c, c.sessions.begin() as session:
            return [_row(u) for u in await identity.list_users(session)]

    rows = run(go)
    human = (
        "\n".join(
            f"{r['id']}  {r['email']:<40} {r['status']:<12} {','.join(r['roles'])}"  # type: ignore[arg-type]
            for r in rows
        )
        or "no users"
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
