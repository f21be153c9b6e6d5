"""The secrets detector: cloud and SaaS keys, private keys, JWTs, passwords, high-entropy tokens."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from limner.policy.detectors._patterns import Finder, drop_shadowed, merge, run_finders, to_findings
from limner.policy.detectors.secret_tokens import (
    find_aws_secret_keys,
    find_jwts,
    find_key_fragments,
    find_prefixed,
    find_private_keys,
)
from limner.policy.detectors.secret_values import (
    find_assignments,
    find_embedded_passwords,
    find_high_entropy,
)
from limner.policy.schemas import Finding

# A vendor-identified key beats the generic reading of the same characters.
_PRIORITY = {
    "secret.private_key": 9,
    "secret.aws_key": 8,
    "secret.gcp": 8,
    "secret.azure": 8,
    "secret.github": 8,
    "secret.gitlab": 8,
    "secret.slack": 8,
    "secret.stripe": 8,
    "secret.openai": 8,
    "secret.limner": 8,
    "secret.jwt": 7,
    "secret.password": 2,
    "secret.generic": 1,
}


class SecretsConfig(BaseModel):
    """Settings of the secrets detector."""

    kind: Literal["secrets"] = "secrets"
    min_score: float = Field(
        default=0.5, ge=0.0, le=1.0, description="Findings scoring below this are dropped"
    )
    include_passwords: bool = Field(
        default=True, description="Look for password/token values assigned in code, config and URLs"
    )
    include_high_entropy: bool = Field(
        default=True, description="Flag random-looking tokens of 20+ characters near key words"
    )
    check_evasions: bool = Field(
        default=False,
        description="Also scan the de-obfuscated text; keys are case-sensitive, so off by default",
    )


class SecretsDetector:
    """Finds credentials; offsets point into the text as sent."""

    name = "secrets"

    def __init__(self, config: SecretsConfig) -> None:
        self._config = config
        finders: list[Finder] = [
            find_prefixed,
            find_aws_secret_keys,
            find_private_keys,
            find_jwts,
            find_key_fragments,
        ]
        if config.include_passwords:
            finders += [find_assignments, find_embedded_passwords]
        if config.include_high_entropy:
            finders.append(find_high_entropy)
        self._finders = finders

    def detect(self, text: str) -> list[Finding]:
        hits = run_finders(text, self._finders, evasions=self._config.check_evasions)
        kept = drop_shadowed(list(merge(hits)), _PRIORITY)
        return to_findings(self.name, kept, self._config.min_score)
