"""The editor's provenance (integration, over ASGI, with C2PA signing on): an edit's file names the
image it changed as its parent ingredient. The editor's other rules: test_edit.py."""

from __future__ import annotations

import io
import re
from pathlib import Path

import c2pa
import httpx
import pytest
from sqlalchemy import select

from limner.components import Components
from limner.imaging.actions import Action
from limner.imaging.records import Generation, ImageRecord
from limner.policy.engine import AllowAllPolicy
from limner.provenance.devca import create_dev_ca
from limner.provenance.watermarks import create_watermark_key
from limner.settings import Settings
from tests.conftest import make_settings
from tests.factories import FixedPolicy, make_caller
from tests.integration.identity.conftest import identity_overrides
from tests.integration.web.test_edit import generated_image, mask_field

SIGNING = {"enabled": True, "signer": {"trust_anchor_path": "provenance/ca-cert.pem"}}


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    create_dev_ca(data_dir / "provenance", org="Test CA")
    create_watermark_key(data_dir / "provenance")
    return make_settings(data_dir, **identity_overrides(), provenance=SIGNING)


async def ingredients(client: httpx.AsyncClient, details_html: str) -> list[tuple[str, str]]:
    """(title, relationship) of each C2PA ingredient of the file a details page shows."""
    url = re.search(r'<img src="(/v1/images/files/[^"]+)"', details_html)
    assert url, details_html
    data = (await client.get(url.group(1).replace("&amp;", "&"))).content
    offline = c2pa.Context.from_dict({"verify": {"remote_manifest_fetch": False}})
    with c2pa.Reader("image/png", io.BytesIO(data), None, offline) as reader:
        manifest = reader.get_active_manifest()
    assert manifest is not None
    return [(str(i["title"]), str(i["relationship"])) for i in manifest.get("ingredients", [])]


async def test_edit_names_the_image_it_changed_as_its_c2pa_parent(
    client: httpx.AsyncClient, components: Components
) -> None:
    parent_id, csrf = await generated_image(client, components, ["creator"])
    parent_page = await client.get(f"/gallery/{parent_id}")
    assert await ingredients(client, parent_page.text) == []
    form = {"prompt": "add a red boat", "mask": mask_field(), "csrf_token": csrf}
    edited = await client.post(f"/gallery/{parent_id}/edit", data=form, follow_redirects=True)
    assert edited.status_code == 200, edited.text
    assert await ingredients(client, edited.text) == [(f"edited image {parent_id}", "parentOf")]


async def test_a_held_edit_approved_later_still_names_its_parent(
    client: httpx.AsyncClient, components: Components
) -> None:
    parent_id, csrf = await generated_image(client, components, ["creator"])
    components.policy = FixedPolicy(Action.REVIEW, ("ip.trademark",))
    form = {"prompt": "a fizzy drink can on the table", "mask": mask_field(), "csrf_token": csrf}
    assert "Waiting for review" in (await client.post(f"/gallery/{parent_id}/edit", data=form)).text
    components.policy = AllowAllPolicy()
    reviewer = await make_caller(components, roles=["reviewer"])
    [listed] = (await client.get("/v1/limner/reviews", headers=reviewer.headers)).json()["data"]
    decision = {"verdict": "approve", "reason": "a generic can"}
    approved = await client.post(
        f"/v1/limner/reviews/{listed['id']}/decision", headers=reviewer.headers, json=decision
    )
    assert approved.status_code == 200, approved.text
    async with components.sessions() as session:
        query = (
            select(ImageRecord.id)
            .join(Generation)
            .where(Generation.operation == "edit", ImageRecord.role == "output")
        )
        edited_id = (await session.execute(query)).scalar_one()
    edited_page = await client.get(f"/gallery/{edited_id}")
    assert await ingredients(client, edited_page.text) == [(f"edited image {parent_id}", "parentOf")]
