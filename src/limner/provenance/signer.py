"""C2PA signing: a manifest that says who made the image, with which model, under which policy."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import limner
from limner.errors import ConfigError
from limner.provenance.base import ProvenanceInfo
from limner.provenance.codec import MIME_TYPES, normalize_format
from limner.provenance.config import SignerSettings

ASSERTION_LABEL = "org.limner.generation"
TRAINED_ALGORITHMIC_MEDIA = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
PARENT_ID = "upstream"
SOURCE_ID = "edited"
_EDITED = {
    PARENT_ID: "invisible watermark added",
    SOURCE_ID: "a marked region changed by an AI model; invisible watermark added",
}
# Offline and without thumbnails: a thumbnail would copy the pixels into the manifest.
SIGN_CONTEXT: dict[str, Any] = {
    "builder": {"thumbnail": {"enabled": False}},
    "verify": {"remote_manifest_fetch": False, "ocsp_fetch": False},
}


class C2paSigner:
    """Signs PNG, JPEG and WebP bytes in memory; one instance is safe to share between threads."""

    def __init__(self, *, cert_chain: bytes, private_key: bytes, algorithm: str, tsa_url: str | None) -> None:
        self._cert_chain = cert_chain
        self._private_key = private_key
        self._algorithm = algorithm
        self._tsa_url = tsa_url

    @classmethod
    def from_settings(cls, settings: SignerSettings, data_dir: Path) -> C2paSigner:
        """Load the certificate chain and key named in `settings`; ConfigError if unreadable."""
        chain_path, key_path = data_dir / settings.cert_chain_path, data_dir / settings.key_path
        try:
            chain, key = chain_path.read_bytes(), key_path.read_bytes()
        except OSError as exc:
            raise ConfigError(
                f"C2PA certificate chain {chain_path} or key {key_path} is unreadable: "
                "run `limner init` or set provenance.signer"
            ) from exc
        return cls(cert_chain=chain, private_key=key, algorithm=settings.algorithm, tsa_url=settings.tsa_url)

    def sign(
        self, image: bytes, *, fmt: str, info: ProvenanceInfo, parent: tuple[bytes, str] | None = None
    ) -> bytes:
        """Return `image` with an embedded, signed manifest; `parent` is an upstream image
        (bytes, format) that carries its own manifest, kept as the parentOf ingredient. The image
        a workspace edit changed (`info.source`) is an ingredient too: the parent when there is no
        upstream manifest, else a component."""
        import c2pa

        mime = MIME_TYPES[normalize_format(fmt)]
        ingredients = _ingredients(info, parent)
        try:
            builder = c2pa.Builder(
                build_manifest(info, mime, opened=ingredients[0][0]["label"] if ingredients else None),
                context=c2pa.Context.from_dict(SIGN_CONTEXT),
            )
            for ingredient, (data, data_fmt) in ingredients:
                builder.add_ingredient(ingredient, MIME_TYPES[normalize_format(data_fmt)], io.BytesIO(data))
            output = io.BytesIO()
            builder.sign(self._signer(), mime, io.BytesIO(image), output)
        except c2pa.C2paError as exc:
            # The library's message names certificate and format problems; it never holds pixels.
            raise ConfigError(f"C2PA signing failed: {exc}") from exc
        return output.getvalue()

    def _signer(self) -> Any:
        import c2pa

        info = c2pa.C2paSignerInfo(self._algorithm, self._cert_chain, self._private_key, self._tsa_url)
        return c2pa.Signer.from_info(info)


def _ingredients(
    info: ProvenanceInfo, parent: tuple[bytes, str] | None
) -> list[tuple[dict[str, str], tuple[bytes, str]]]:
    found = []
    if parent is not None:
        found.append(({"title": "upstream image", "relationship": "parentOf", "label": PARENT_ID}, parent))
    if info.source is not None:
        relationship = "componentOf" if parent is not None else "parentOf"
        title = f"edited image {info.source.image_id}"
        ingredient = {"title": title, "relationship": relationship, "label": SOURCE_ID}
        found.append((ingredient, (info.source.data, info.source.fmt)))
    return found


def build_manifest(info: ProvenanceInfo, mime: str, *, opened: str | None) -> dict[str, Any]:
    """The manifest definition; it holds no prompt text and only a pseudonymous creator."""
    return {
        "claim_generator_info": [{"name": "Limner", "version": limner.__version__}],
        "title": info.image_id,
        "format": mime,
        "assertions": [
            {"label": "c2pa.actions", "data": {"actions": _actions(opened)}},
            {"label": ASSERTION_LABEL, "data": generation_assertion(info)},
        ],
    }


def generation_assertion(info: ProvenanceInfo) -> dict[str, str]:
    """Limner's own assertion: what the gateway knows about the image."""
    assertion = {
        "image_id": info.image_id,
        "model": info.model,
        "policy_version": info.policy_version,
        "created_at": info.created_at.isoformat(),
        "creator": info.creator,
    }
    if info.source is not None:
        assertion["edited_from"] = info.source.image_id
    return assertion


def _actions(opened: str | None) -> list[dict[str, Any]]:
    if opened is None:
        return [{"action": "c2pa.created", "digitalSourceType": TRAINED_ALGORITHMIC_MEDIA}]
    # An upstream manifest (or the edited image's) already says "created"; C2PA wants "opened" first
    # when there is a parent.
    return [
        {"action": "c2pa.opened", "parameters": {"ingredientIds": [opened]}},
        # Not c2pa.watermarked: that action demands a registered soft-binding algorithm.
        {"action": "c2pa.edited", "description": _EDITED[opened]},
    ]
