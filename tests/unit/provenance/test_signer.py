"""Unit tests for C2PA signing: the manifest's content, parents, and misconfiguration."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path
from typing import Any

import c2pa
import pytest

import limner
from limner.errors import ConfigError
from limner.provenance.base import SourceImage
from limner.provenance.config import SignerSettings
from limner.provenance.devca import SigningMaterial
from limner.provenance.signer import ASSERTION_LABEL, TRAINED_ALGORITHMIC_MEDIA, C2paSigner

from .images import encode, info, photo


@pytest.fixture(scope="module")
def signer(data_dir: Path) -> C2paSigner:
    return C2paSigner.from_settings(SignerSettings(), data_dir)


def _manifest(data: bytes, mime: str) -> dict[str, Any]:
    offline = c2pa.Context.from_dict({"verify": {"remote_manifest_fetch": False}})
    with c2pa.Reader(mime, io.BytesIO(data), None, offline) as reader:
        manifest: dict[str, Any] | None = reader.get_active_manifest()
    assert manifest is not None
    return manifest


def _assertion(manifest: dict[str, Any], prefix: str) -> dict[str, Any]:
    found = [a["data"] for a in manifest["assertions"] if a["label"].startswith(prefix)]
    assert len(found) == 1
    data: dict[str, Any] = found[0]
    return data


@pytest.mark.parametrize(
    ("fmt", "mime"), [("png", "image/png"), ("jpeg", "image/jpeg"), ("webp", "image/webp")]
)
def test_manifest_names_limner_the_ai_source_and_the_generation(
    signer: C2paSigner, fmt: str, mime: str
) -> None:
    image = encode(photo("rocket", (512, 512)), fmt.upper())
    manifest = _manifest(signer.sign(image, fmt=fmt, info=info()), mime)
    assert manifest["claim_generator_info"][0]["name"] == "Limner"
    assert manifest["claim_generator_info"][0]["version"] == limner.__version__
    action = _assertion(manifest, "c2pa.actions")["actions"][0]
    assert action == {"action": "c2pa.created", "digitalSourceType": TRAINED_ALGORITHMIC_MEDIA}
    assert _assertion(manifest, ASSERTION_LABEL) == {
        "image_id": "3f2a9c1e7b5d4e6f8a0b1c2d3e4f5a6b",
        "model": "dall-e-3",
        "policy_version": "2026-11",
        "created_at": "2026-11-28T12:00:00+00:00",
        "creator": "u-7f3e",
    }
    assert "thumbnail" not in manifest


def test_upstream_manifest_is_kept_as_parent_ingredient(signer: C2paSigner) -> None:
    upstream = signer.sign(encode(photo("coffee", (256, 256)), "PNG"), fmt="png", info=info("a" * 32))
    ours = signer.sign(
        encode(photo("coffee", (256, 256)), "JPEG"), fmt="jpeg", info=info(), parent=(upstream, "png")
    )
    manifest = _manifest(ours, "image/jpeg")
    (ingredient,) = manifest["ingredients"]
    assert ingredient["relationship"] == "parentOf"
    assert "active_manifest" in ingredient
    actions = [a["action"] for a in _assertion(manifest, "c2pa.actions")["actions"]]
    assert actions == ["c2pa.opened", "c2pa.edited"]


def test_edited_image_is_the_parent_ingredient_of_a_workspace_edit(signer: C2paSigner) -> None:
    earlier = signer.sign(encode(photo("coffee", (256, 256)), "PNG"), fmt="png", info=info("a" * 32))
    edit_info = replace(info(), source=SourceImage("a" * 32, earlier, "png"))
    manifest = _manifest(
        signer.sign(encode(photo("coffee", (256, 256)), "PNG"), fmt="png", info=edit_info), "image/png"
    )
    (ingredient,) = manifest["ingredients"]
    assert (ingredient["title"], ingredient["relationship"]) == ("edited image " + "a" * 32, "parentOf")
    assert "active_manifest" in ingredient  # the earlier image's own credentials are kept
    actions = _assertion(manifest, "c2pa.actions")["actions"]
    assert [a["action"] for a in actions] == ["c2pa.opened", "c2pa.edited"]
    assert actions[1]["description"].startswith("a marked region changed by an AI model")
    assert _assertion(manifest, ASSERTION_LABEL)["edited_from"] == "a" * 32


def test_with_an_upstream_manifest_the_edited_image_is_a_component(signer: C2paSigner) -> None:
    earlier = signer.sign(encode(photo("coffee", (256, 256)), "PNG"), fmt="png", info=info("a" * 32))
    upstream = signer.sign(encode(photo("coffee", (256, 256)), "PNG"), fmt="png", info=info("b" * 32))
    edit_info = replace(info(), source=SourceImage("a" * 32, earlier, "png"))
    ours = signer.sign(
        encode(photo("coffee", (256, 256)), "PNG"), fmt="png", info=edit_info, parent=(upstream, "png")
    )
    relationships = {i["title"]: i["relationship"] for i in _manifest(ours, "image/png")["ingredients"]}
    assert relationships == {"upstream image": "parentOf", "edited image " + "a" * 32: "componentOf"}


def test_missing_certificate_files_are_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="limner init"):
        C2paSigner.from_settings(SignerSettings(), tmp_path)


def test_key_that_does_not_match_the_algorithm_fails_signing(material: SigningMaterial) -> None:
    settings = SignerSettings(
        cert_chain_path=material.cert_chain_path, key_path=material.key_path, algorithm="ed25519"
    )
    signer = C2paSigner.from_settings(settings, Path("/"))
    with pytest.raises(ConfigError, match="C2PA signing failed"):
        signer.sign(encode(photo("coffee", (64, 64)), "PNG"), fmt="png", info=info())
