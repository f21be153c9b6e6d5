"""Unit tests for the secrets detector (pure, no I/O). Corpus-level numbers: bench/eval_dlp.py.

Test keys are assembled at run time so that the repository itself holds nothing a scanner flags.
"""

from __future__ import annotations

import base64
import json

import pytest

from limner.identity.keys.tokens import mint_key
from limner.policy.detectors.secrets import SecretsConfig, SecretsDetector

RANDOM36 = "q7Xr2LmP9wZk4Tn8Vb3Hs6Jd1Fg5Ya0Ce7Uo"
RANDOM40 = "wJ9aLrXUtnFMI3K7MDENGbPxRfiCYz8Ke4Q2s1Tv"


def _jwt() -> str:
    def part(data: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part({'sub': '42', 'name': 'x'})}.{RANDOM36}"


PEM = (
    "-----BEGIN RSA " + "PRIVATE KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\n"
)
PEM_END = "-----END RSA " + "PRIVATE KEY-----"


@pytest.fixture(scope="module")
def detector() -> SecretsDetector:
    return SecretsDetector(SecretsConfig())


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("key AKIA" + "Q3EGRTW5ZPLKXN7B here", "secret.aws_key"),
        (
            "2026-04-26 12:36:01 UMRr047T8ggKgEnyhQLK/FJh+Yp8ubo6wsTUwyyVcRULUVWeJbka6EDkMbPucHHb",
            "secret.private_key",
        ),
        ("EXRpemVuQGNyZWRzd2VlcGVyAQIDBA==", "secret.private_key"),
        ('-----END OPENSSH PRIVATE KEY-----"""', "secret.private_key"),
        (f"aws_secret_access_key = {RANDOM40}", "secret.aws_key"),
        ("AIza" + "SyD3x" + "k" * 2 + RANDOM36[:28], "secret.gcp"),
        ("AccountKey=" + RANDOM40 * 2 + "==", "secret.azure"),
        ("ghp_" + RANDOM36, "secret.github"),
        ("github_pat_" + RANDOM36 + "_" + RANDOM36, "secret.github"),
        ("glpat-" + RANDOM36[:20], "secret.gitlab"),
        ("xoxb-" + "2048-4096-" + RANDOM36[:24], "secret.slack"),
        ("https://hooks.slack.com/services/T0001/B0002/" + RANDOM36[:24], "secret.slack"),
        ("sk_live_" + RANDOM36[:24], "secret.stripe"),
        ("sk-proj-" + RANDOM36 + RANDOM36, "secret.openai"),
        (_jwt(), "secret.jwt"),
        (PEM + PEM_END, "secret.private_key"),
        (PEM, "secret.private_key"),
        ('password = "Tr0ub4dor&3"', "secret.password"),
        ("db_pass: s3cr3tP4ss!", "secret.password"),
        ("postgres://admin:Hunter2x9@db.internal:5432/app", "secret.password"),
        ("mysql -u root -pS3cretPass!", "secret.password"),
        ("CREATE USER bob WITH PASSWORD 'Zx81Spectrum';", "secret.password"),
        ("my password is Winter2024!", "secret.password"),
        (f"api_token: {RANDOM36}", "secret.generic"),
        (f"Authorization bearer {RANDOM36}", "secret.generic"),
        ("lmn_" + RANDOM36, "secret.limner"),
    ],
)
def test_finds_secrets(detector: SecretsDetector, text: str, category: str) -> None:
    assert category in {f.category for f in detector.detect(text)}


@pytest.mark.parametrize(
    "text",
    [
        "a photo of a cat wearing a tiny hat",
        'src="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9Q"',
        "AKIAIOSFODNN7EXAMPLEAKIAIOSFODNN7EXAMPLEAKIAIOSFODNN7EXAMPLE1234",
        "aws access key AKIAIOSFODNN7EXAMPLE",
        'password = "changeme"',
        "password: <your password here>",
        "token = ${GITHUB_TOKEN}",
        "api_key = 'xxxxxxxxxxxxxxxxxxxx'",
        "secret: ********",
        "password = get_password()",
        "passing = 'cackle'",
        "the author says the token is gone",
        "ghp_" + "a" * 36,
        "a 1024x1024 render, seed 1234567890",
    ],
)
def test_ignores_placeholders_and_prose(detector: SecretsDetector, text: str) -> None:
    assert detector.detect(text) == []


def test_vendor_key_wins_over_generic_reading(detector: SecretsDetector) -> None:
    found = detector.detect("token = ghp_" + RANDOM36)
    assert [f.category for f in found] == ["secret.github"]


def test_offsets_cover_the_value(detector: SecretsDetector) -> None:
    text = 'password = "Tr0ub4dor&3"'
    (finding,) = detector.detect(text)
    assert text[finding.start : finding.end] == "Tr0ub4dor&3"
    assert finding.detector == "secrets"


def test_private_key_span_runs_to_end_line(detector: SecretsDetector) -> None:
    text = "key:\n" + PEM + PEM_END + "\nafter"
    (finding,) = detector.detect(text)
    assert text[finding.start : finding.end].endswith(PEM_END)


def test_passwords_can_be_switched_off() -> None:
    detector = SecretsDetector(SecretsConfig(include_passwords=False))
    assert detector.detect('password = "Tr0ub4dor&3"') == []


def test_evasion_pass_finds_split_key() -> None:
    detector = SecretsDetector(SecretsConfig(check_evasions=True))
    text = "ghp_\u200b" + RANDOM36
    assert {f.category for f in detector.detect(text)} == {"secret.github"}


@pytest.mark.parametrize(
    "template", ["{key}", "my key is {key} thanks", "export LIMNER_KEY={key}", "'{key}'"]
)
def test_finds_real_limner_keys(detector: SecretsDetector, template: str) -> None:
    _, key = mint_key()  # the real format: lmn_<id>_<secret>
    text = template.format(key=key)
    found = [f for f in detector.detect(text) if f.category == "secret.limner"]
    assert found, text
    assert text[found[0].start : found[0].end] == key
