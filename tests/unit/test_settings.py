"""Unit tests: settings validation — a real secret outside tests, ports and worker counts in range,
unknown keys refused, derived URLs — and the order config.toml < LIMNER_* variables < arguments."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from limner.settings import Settings, load_settings

SECRET = "a-real-secret-key-for-tests-0123456789"


def settings(**values: Any) -> Settings:
    return Settings(**{"secret_key": SECRET, **values})


@pytest.mark.parametrize("env", ["prod", "dev"])
@pytest.mark.parametrize("secret", ["", "changethis", "dev-secret-change-me"])
def test_outside_tests_a_placeholder_secret_is_refused(env: str, secret: str) -> None:
    with pytest.raises(
        ValidationError, match="secret_key is missing or a placeholder: run `limner init` first"
    ):
        Settings(env=env, secret_key=secret)


def test_tests_may_run_without_a_secret() -> None:
    assert Settings(env="test").secret_key.get_secret_value() == ""


def test_the_secret_is_never_printed() -> None:
    assert SECRET not in repr(settings())
    assert SECRET not in str(settings().model_dump())


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"server": {"port": 0}}, "server.port"),
        ({"server": {"port": 65536}}, "server.port"),
        ({"server": {"image_workers": -2}}, "server.image_workers"),
        ({"server": {"image_workers": 65}}, "server.image_workers"),
        ({"server": {"max_json_bytes": 100}}, "server.max_json_bytes"),
        ({"server": {"max_upload_bytes": 1000}}, "server.max_upload_bytes"),
        ({"env": "staging"}, "env"),
        ({"colour": "blue"}, "colour"),
        ({"tracing": {"sample_ratio": 2}}, "tracing.sample_ratio"),
    ],
    ids=[
        "port-0",
        "port-too-high",
        "workers-below",
        "workers-above",
        "json-limit",
        "upload-limit",
        "env",
        "unknown",
        "sample",
    ],
)
def test_out_of_range_or_unknown_values_are_refused_by_name(values: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as raised:
        settings(**values)
    assert field in {".".join(str(part) for part in error["loc"]) for error in raised.value.errors()}


@pytest.mark.parametrize(
    ("values", "database_url", "public_url"),
    [
        (
            {"data_dir": Path("/srv/limner")},
            "sqlite+aiosqlite:////srv/limner/limner.db",
            "http://127.0.0.1:8000",
        ),
        (
            {
                "database": {"url": "postgresql+asyncpg://db/limner"},
                "server": {"host": "0.0.0.0", "port": 9000},
            },
            "postgresql+asyncpg://db/limner",
            "http://0.0.0.0:9000",
        ),
        (
            {"server": {"public_url": "https://images.example.com"}},
            "sqlite+aiosqlite:///data/limner.db",
            "https://images.example.com",
        ),
    ],
    ids=["defaults", "explicit-database-and-bind", "public-url"],
)
def test_derived_urls(values: dict[str, Any], database_url: str, public_url: str) -> None:
    made = settings(**values)
    assert (made.database_url, made.public_url) == (database_url, public_url)


def test_defaults_are_safe() -> None:
    made = settings()
    assert (made.env, made.server.host, made.server.port) == ("prod", "127.0.0.1", 8000)
    assert made.database.echo is False
    assert made.tracing.enabled is False


def write_config(data_dir: Path, text: str) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "config.toml").write_text(f'secret_key = "{SECRET}"\n{text}')


def test_config_file_then_environment_then_arguments(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_config(tmp_path, '[server]\nport = 8100\nhost = "127.0.0.5"\n')
    assert load_settings(tmp_path).server.port == 8100
    monkeypatch.setenv("LIMNER_SERVER__PORT", "8200")
    loaded = load_settings(tmp_path)
    assert (loaded.server.port, loaded.server.host) == (
        8200,
        "127.0.0.5",
    )  # the rest of the file still applies
    assert load_settings(tmp_path, env="test").env == "test"
    assert load_settings(tmp_path, server={"port": 8300}).server.port == 8300
    assert load_settings(tmp_path).data_dir == tmp_path


def test_a_bad_value_in_the_config_file_is_refused(tmp_path: Path) -> None:
    write_config(tmp_path, '[server]\nport = "eighty"\n')
    with pytest.raises(ValidationError, match=r"server\.port"):
        load_settings(tmp_path)


def test_an_unknown_section_in_the_config_file_is_refused(tmp_path: Path) -> None:
    write_config(tmp_path, "[serverr]\nport = 1\n")
    with pytest.raises(ValidationError, match="serverr"):
        load_settings(tmp_path)


def test_without_a_config_file_the_environment_still_applies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIMNER_SECRET_KEY", SECRET)
    monkeypatch.setenv("LIMNER_ENV", "dev")
    assert load_settings(tmp_path / "absent").env == "dev"


def test_redis_is_off_unless_configured_and_the_environment_names_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config(tmp_path, "")
    assert load_settings(tmp_path).redis.url is None
    monkeypatch.setenv("LIMNER_REDIS__URL", "redis://redis:6379/0")
    assert load_settings(tmp_path).redis.url == "redis://redis:6379/0"
