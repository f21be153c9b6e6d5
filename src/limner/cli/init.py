"""`limner init`: create a data dir with config, keys, database, the first admin and an API key."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import tempfile
from pathlib import Path

import typer

from limner.audit.signing import create_audit_signing_key
from limner.cli.common import (
    DEFAULT_DATA_DIR,
    DataDirOption,
    JsonOption,
    components_for,
    emit,
    fail,
    run,
)
from limner.education.seed import install_defaults
from limner.identity.accounts import service as identity
from limner.identity.accounts.passwords import generate_password
from limner.identity.keys import service as key_service
from limner.migrate import upgrade_async
from limner.provenance.devca import create_dev_ca
from limner.provenance.watermarks import create_watermark_key
from limner.settings import CONFIG_FILE, load_settings
from limner.vault.key_providers import keys_dir_for
from limner.vault.key_providers.local import LocalKeyProvider


def init(
    data_dir: DataDirOption = DEFAULT_DATA_DIR,
    admin_email: str = typer.Option("admin@limner.local", "--admin-email", help="Email of the first admin"),
    as_json: JsonOption = False,
) -> None:
    """Create a new data dir. Refuses to touch an existing one."""
    keys_dir = keys_dir_for(data_dir)
    for path in (data_dir, keys_dir):
        if path.exists() and any(path.iterdir()):
            fail(f"{path} already exists and is not empty; refusing to overwrite it")
    # Build in sibling directories and rename at the end: a failed init leaves nothing half-made.
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{data_dir.name}.init-", dir=data_dir.parent))
    keys_staging = Path(tempfile.mkdtemp(prefix=f".{keys_dir.name}.init-", dir=keys_dir.parent))
    try:
        LocalKeyProvider.create(keys_staging / "kek.json")
        os.chmod(keys_staging, 0o700)
        keys_staging.rename(_empty(keys_dir))
        password, api_key = _create(staging, admin_email, keys_dir)
        staging.rename(_empty(data_dir))
    except BaseException:
        shutil.rmtree(keys_dir, ignore_errors=True)
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(keys_staging, ignore_errors=True)
    url = load_settings(data_dir).public_url
    emit(
        {
            "url": url,
            "admin_email": admin_email,
            "admin_password": password,
            "api_key": api_key,
            "data_dir": str(data_dir.resolve()),
            "keys_dir": str(keys_dir),
        },
        as_json=as_json,
        human=_banner(url, admin_email, password, api_key) + _backup_note(data_dir, keys_dir),
    )


def _empty(path: Path) -> Path:
    if path.exists():
        path.rmdir()
    return path


def _backup_note(data_dir: Path, keys_dir: Path) -> str:
    return (
        f"\n\nData:  {data_dir.resolve()}\n  back it up with your usual backups."
        f"\nKeys:  {keys_dir}\n  back it up SEPARATELY (another place, retention shorter than your erasure"
        "\n  deadline). Erasing a person destroys their key here, so old data backups stay unreadable."
    )


def _create(staging: Path, admin_email: str, keys_dir: Path) -> tuple[str, str]:
    os.chmod(staging, 0o700)
    _write_config(staging, keys_dir)
    create_audit_signing_key(staging)
    create_dev_ca(staging / "provenance", org="Limner development CA")
    create_watermark_key(staging / "provenance")
    return run(lambda: _bootstrap(staging, admin_email))


def _write_config(data_dir: Path, keys_dir: Path) -> None:
    secret = secrets.token_urlsafe(48)
    text = (
        "# Limner configuration. Keep it private: it holds the HMAC secret.\n"
        f'secret_key = "{secret}"\n\n'
        "# The key store lives OUTSIDE the data dir: back it up apart from the data.\n"
        f'[vault.key_provider]\nkind = "local"\npath = {json.dumps(str(keys_dir / "kek.json"))}\n\n'
        "[moderation]\nenabled = true\n\n"
        "# Signed with the development CA `limner init` created; put your company's chain and key here.\n"
        '[provenance]\nenabled = true\n\n[provenance.signer]\ntrust_anchor_path = "provenance/ca-cert.pem"\n'
    )
    fd = os.open(data_dir / CONFIG_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)


async def _bootstrap(data_dir: Path, admin_email: str) -> tuple[str, str]:
    await upgrade_async(load_settings(data_dir).database_url)
    password = generate_password()
    async with components_for(data_dir) as c, c.sessions.begin() as session:
        admin = await identity.create_user(
            session,
            email=admin_email,
            roles=["admin"],
            password=password,
            display_name="Administrator",
        )
        _, api_key = await key_service.create_api_key(
            session, owner=admin, secret_key=c.secret_key, name="initial admin key"
        )
        await install_defaults(session)  # the shipped acceptable-use policy and first module
    return password, api_key


def _banner(url: str, email: str, password: str, api_key: str) -> str:
    return (
        f"Limner is initialised.\n  URL:            {url}\n  admin email:    {email}\n"
        f"  admin password: {password}\n  admin API key:  {api_key}\n"
        "These credentials are shown once. Store them in your password manager now.\n"
        f"Open {url}/ in a browser and sign in: you will set up an authenticator app first."
    )
