"""Education fixtures: the training gate switched on and the shipped content installed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from limner.components import Components, build_components
from limner.education.seed import install_defaults
from limner.settings import Settings
from tests.conftest import create_schema, make_settings


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    return make_settings(data_dir, education={"required": True}, server={"public_url": "https://limner.test"})


@pytest.fixture
async def components(settings: Settings) -> AsyncIterator[Components]:
    c = build_components(settings)
    await create_schema(c.engine)
    async with c.sessions.begin() as session:
        assert await install_defaults(session)
    yield c
    await c.aclose()
