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
        (bytes, format) that carries its own manifest, kept as the parentOf ingredient."""
        import c2pa

        mime = MIME_TYPES[normalize_format(fmt)]
        try:
            builder = c2pa.Builder(
                build_manifest(info, mime, has_parent=parent is not None),
                context=c2pa.Context.from_dict(SIGN_CONTEXT),
            )
            if parent is not None:
                ingredient = {"title": "upstream image", "relationship": "parentOf", "label": PARENT_ID}
                builder.add_ingredient(ingredient, MIME_TYPES[parent[1]], io.BytesIO(parent[0]))
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


def build_manifest(info: ProvenanceInfo, mime: str, *, has_parent: bool) -> dict[str, Any]:
    """The manifest definition; it holds no prompt text and only a pseudonymous creator."""
    return {
        "claim_generator_info": [{"name": "Limner", "version": limner.__version__}],
        "title": info.image_id,
        "format": mime,
        "assertions": [
            {"label": "c2pa.actions", "data": {"actions": _actions(has_parent=has_parent)}},
            {"label": ASSERTION_LABEL, "data": generation_assertion(info)},
        ],
    }


def generation_assertion(info: ProvenanceInfo) -> dict[str, str]:
    """Limner's own assertion: what the gateway knows about the image."""
    return {
        "image_id": info.image_id,
        "model": info.model,
        "policy_version": info.policy_version,
        "created_at": info.created_at.isoformat(),
        "creator": info.creator,
    }


def _actions(*, has_parent: bool) -> list[dict[str, Any]]:
    if not has_parent:
        return [{"action": "c2pa.created", "digitalSourceType": TRAINED_ALGORITHMIC_MEDIA}]
    # An upstream manifest already says "created"; C2PA wants "opened" first when there is a parent.
    return [
        {"action": "c2pa.opened", "parameters": {"ingredientIds": [PARENT_ID]}},
        # Not c2pa.watermarked: that action demands a registered soft-binding algorithm.
        {"action": "c2pa.edited", "description": "invisible watermark added"},
    ]
