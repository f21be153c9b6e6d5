"""The PII detector: e-mail, phone, card, IBAN, national id, IP, street address, birth date, person."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal, get_args

import phonenumbers
from pydantic import BaseModel, Field

from limner.errors import ConfigError
from limner.policy.detectors._patterns import (
    Finder,
    Hit,
    drop_shadowed,
    merge,
    run_finders,
    to_findings,
)
from limner.policy.detectors.pii_names import NameFinder
from limner.policy.detectors.pii_numbers import (
    find_cards,
    find_ibans,
    find_ip_addresses,
    find_national_ids,
    make_phone_finder,
)
from limner.policy.detectors.pii_text import find_birth_dates, find_emails, find_street_addresses
from limner.policy.schemas import Finding

PiiEntity = Literal[
    "email",
    "phone",
    "payment_card",
    "iban",
    "national_id",
    "ip_address",
    "street_address",
    "date_of_birth",
    "person",
]
ALL_ENTITIES: tuple[PiiEntity, ...] = get_args(PiiEntity)
_LENIENCY = {
    "possible": phonenumbers.Leniency.POSSIBLE,
    "valid": phonenumbers.Leniency.VALID,
    "strict_grouping": phonenumbers.Leniency.STRICT_GROUPING,
    "exact_grouping": phonenumbers.Leniency.EXACT_GROUPING,
}
# When spans of these overlap, the more specific reading wins: a valid card is not also a phone.
_PRIORITY = {
    "pii.email": 7,
    "pii.iban": 6,
    "pii.payment_card": 5,
    "pii.national_id": 4,
    "pii.ip_address": 3,
    "pii.date_of_birth": 2,
    "pii.phone": 1,
}


class PiiConfig(BaseModel):
    """Settings of the PII detector."""

    kind: Literal["pii"] = "pii"
    entities: list[PiiEntity] = Field(
        default_factory=lambda: list(ALL_ENTITIES),
        description="Which kinds of personal data to look for; each becomes category pii.<entity>",
    )
    phone_regions: list[str] = Field(
        default_factory=lambda: ["US", "GB", "DE", "FR", "ES", "IT", "NL", "BE", "AT", "CH", "IN"],
        description="ISO 3166 regions used to read phone numbers written without a + prefix",
    )
    phone_leniency: Literal["possible", "valid", "strict_grouping", "exact_grouping"] = Field(
        default="valid",
        description="libphonenumber leniency: 'possible' finds more numbers and more false positives",
    )
    min_score: float = Field(
        default=0.5, ge=0.0, le=1.0, description="Findings scoring below this are dropped"
    )
    check_evasions: bool = Field(
        default=True,
        description="Also scan the de-obfuscated text (zero-width, look-alikes, spaced letters)",
    )


class PiiDetector:
    """Finds personal data; offsets point into the text as sent."""

    name = "pii"

    def __init__(self, config: PiiConfig) -> None:
        self._config = config
        self._finders = self._build_finders(config)

    @staticmethod
    def _build_finders(config: PiiConfig) -> list[Finder]:
        regions = tuple(region.upper() for region in config.phone_regions)
        unknown = [r for r in regions if r not in phonenumbers.SUPPORTED_REGIONS]
        if unknown:
            raise ConfigError(f"Unknown phone regions in the PII detector: {', '.join(unknown)}")
        table: dict[PiiEntity, Finder] = {
            "email": find_emails,
            "phone": make_phone_finder(regions, _LENIENCY[config.phone_leniency]),
            "payment_card": find_cards,
            "iban": find_ibans,
            "national_id": find_national_ids,
            "ip_address": find_ip_addresses,
            "street_address": find_street_addresses,
            "date_of_birth": find_birth_dates,
        }
        finders = [table[entity] for entity in dict.fromkeys(config.entities) if entity in table]
        if "person" in config.entities:
            finders.append(NameFinder().find)
        return finders

    def detect(self, text: str) -> list[Finding]:
        hits: Iterable[Hit] = run_finders(text, self._finders, evasions=self._config.check_evasions)
        merged = _drop_street_names(drop_shadowed(list(merge(hits)), _PRIORITY))
        return to_findings(self.name, merged, self._config.min_score)


def _drop_street_names(hits: list[Hit]) -> list[Hit]:
    """A "name" inside an address is a street or town name ("Reyes Católicos 17")."""
    addresses = [h for h in hits if h.category == "pii.street_address"]
    return [
        hit
        for hit in hits
        if hit.category != "pii.person"
        or not any(a.start <= hit.start and hit.end <= a.end for a in addresses)
    ]
