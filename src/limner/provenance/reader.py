"""Read and validate an image's C2PA manifest store, offline."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from limner.provenance.codec import MIME_TYPES
from limner.provenance.signer import ASSERTION_LABEL

MANIFEST_LABEL = b"c2pa"
VALID_STATES = frozenset({"Valid", "Trusted"})
_OFFLINE = {"remote_manifest_fetch": False, "ocsp_fetch": False}


@dataclass(frozen=True, slots=True)
class Credentials:
    """What an image's active manifest says; `valid` means signature and hashes check out."""

    present: bool
    valid: bool = False
    state: str | None = None  # the c2pa validation state: Invalid, Valid or Trusted
    signer: str | None = None  # signing certificate's common name, else its issuer
    cert_serial: str | None = None
    generation: dict[str, Any] = field(default_factory=dict)  # Limner's assertion, if any


def has_manifest(data: bytes, fmt: str) -> bool:
    """Whether the image carries a C2PA manifest store (not validated: cheap)."""
    if MANIFEST_LABEL not in data:  # a store is a JUMBF box labelled "c2pa", stored uncompressed
        return False
    import c2pa

    context = c2pa.Context.from_dict({"verify": {**_OFFLINE, "verify_after_reading": False}})
    try:
        reader = c2pa.Reader.try_create(MIME_TYPES[fmt], io.BytesIO(data), None, context)
    except c2pa.C2paError:
        return False
    if reader is None:
        return False
    reader.close()
    return True


def read_credentials(data: bytes, fmt: str, *, trust_anchors: str | None = None) -> Credentials:
    """Validate the manifest store; a store too broken to parse reads as present but invalid."""
    import c2pa

    settings: dict[str, Any] = {"verify": _OFFLINE}
    if trust_anchors:
        settings["trust"] = {"user_anchors": trust_anchors}
    try:
        reader = c2pa.Reader.try_create(
            MIME_TYPES[fmt], io.BytesIO(data), None, c2pa.Context.from_dict(settings)
        )
    except c2pa.C2paError:
        return Credentials(present=True, state="Invalid")
    if reader is None:
        return Credentials(present=False)
    with reader:
        return _credentials(reader.get_validation_state(), reader.get_active_manifest() or {})


def _credentials(state: str | None, manifest: dict[str, Any]) -> Credentials:
    signature = manifest.get("signature_info") or {}
    return Credentials(
        present=True,
        valid=state in VALID_STATES,
        state=state,
        signer=signature.get("common_name") or signature.get("issuer"),
        cert_serial=signature.get("cert_serial_number"),
        generation=_assertion(manifest, ASSERTION_LABEL),
    )


def _assertion(manifest: dict[str, Any], label: str) -> dict[str, Any]:
    for assertion in manifest.get("assertions") or []:
        if assertion.get("label") == label and isinstance(assertion.get("data"), dict):
            data: dict[str, Any] = assertion["data"]
            return data
    return {}
