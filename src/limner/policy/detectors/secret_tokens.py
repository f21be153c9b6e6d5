"""Secret finders for self-identifying credentials: vendor-prefixed tokens, PEM keys, JWTs."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterator
from functools import lru_cache

from limner.policy.detectors._literals import required_literals
from limner.policy.detectors._patterns import Hit, near, words_pattern
from limner.policy.detectors.secret_values import is_placeholder

# (category, pattern, score): formats documented by each vendor; the prefix makes them unambiguous.
_PREFIXED: tuple[tuple[str, re.Pattern[str], float], ...] = tuple(
    (category, re.compile(rf"(?<![\w/+-]){pattern}(?![\w/+])"), score)
    for category, pattern, score in (
        ("secret.aws_key", r"(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA)[A-Z0-9]{16}", 0.95),
        ("secret.gcp", r"AIza[0-9A-Za-z_-]{35}", 0.95),
        ("secret.gcp", r"ya29\.[0-9A-Za-z_-]{20,}", 0.9),
        ("secret.azure", r"[A-Za-z0-9_~.-]{3}\dQ~[A-Za-z0-9_~.-]{31,34}", 0.9),
        ("secret.azure", r"AccountKey=[A-Za-z0-9+/]{40,}={0,2}", 0.95),
        ("secret.azure", r"(?:SharedAccessKey|SharedAccessSignature|sig)=[A-Za-z0-9%+/]{30,}={0,2}", 0.85),
        ("secret.github", r"(?:ghp|gho|ghs|ghu|ghr)_[A-Za-z0-9]{36,255}", 0.95),
        ("secret.github", r"github_pat_[A-Za-z0-9_]{22,255}", 0.95),
        (
            "secret.gitlab",
            r"(?:glpat|gldt|glrt|glptt|glsoat|glft|glimt|glagent|gloas|glcbt)-[A-Za-z0-9_-]{20,}",
            0.95,
        ),
        ("secret.gitlab", r"GR1348941[A-Za-z0-9_-]{20,}", 0.9),
        ("secret.slack", r"xox[abposr]-[A-Za-z0-9-]{10,}", 0.95),
        ("secret.slack", r"xapp-\d-[A-Z0-9]+-\d+-[a-z0-9]+", 0.95),
        ("secret.slack", r"https://hooks\.slack\.com/(?:services|workflows)/[A-Za-z0-9/_-]{20,}", 0.95),
        ("secret.stripe", r"(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{16,}", 0.95),
        ("secret.openai", r"sk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}", 0.95),
        ("secret.openai", r"sk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{20,}", 0.95),
        ("secret.openai", r"sk-[A-Za-z0-9]{32,}", 0.85),
        # Limner's own keys: lmn_<12-char id>_<40-char secret> (limner.identity.keys.tokens.mint_key).
        ("secret.limner", r"lmn_[0-9A-Za-z]{12}_[0-9A-Za-z]{20,}|lmn_[0-9A-Za-z]{20,}", 0.95),
        ("secret.generic", r"(?:rubygems|npm|hf|shpat|shpss|dop_v1|lin_api|pul)_[A-Za-z0-9]{30,}", 0.9),
        ("secret.generic", r"(?:phx|phc|phr|squ|sqp|sqa|glc|glsa)_[A-Za-z0-9_]{30,}", 0.9),
        ("secret.generic", r"(?:ATBB|ATATT3)[A-Za-z0-9_=-]{24,}", 0.9),
        ("secret.generic", r"pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}", 0.95),
        ("secret.generic", r"SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}", 0.95),
        ("secret.generic", r"AGE-SECRET-KEY-1[0-9A-Z]{58}", 0.95),
        ("secret.generic", r"(?:NRAK|NRJS|NRII)-[A-Za-z0-9]{19,}", 0.9),
        ("secret.generic", r"dt0c01\.[A-Z0-9]{24}\.[A-Z0-9]{64}", 0.95),
        ("secret.generic", r"PMAK-[a-f0-9]{24}-[a-f0-9]{34}", 0.95),
        ("secret.generic", r"dapi[a-f0-9]{32}", 0.9),
        ("secret.generic", r"ops_eyJ[A-Za-z0-9_-]{50,}", 0.9),
        ("secret.generic", r"access_token\$production\$[a-z0-9]{16}\$[a-f0-9]{32}", 0.95),
        ("secret.generic", r"\d{8,10}:AA[A-Za-z0-9_-]{33}", 0.9),
        ("secret.generic", r"[MNO][A-Za-z0-9_-]{23,25}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,38}", 0.85),
        ("secret.generic", r"(?:dp\.pt\.|dp\.st\.|dp\.ct\.)[A-Za-z0-9]{40,}", 0.9),
        ("secret.generic", r"(?:doo|dor)_v1_[a-f0-9]{64}", 0.9),
        ("secret.generic", r"HRKU-[A-Za-z0-9_-]{30,}", 0.9),
        ("secret.generic", r"(?:sntryu|sntrys)_[A-Za-z0-9_=]{40,}", 0.9),
        ("secret.generic", r"CLOJARS_[a-f0-9]{60}", 0.9),
        ("secret.generic", r"pscale_(?:pw|tkn|oauth)_[A-Za-z0-9_.-]{32,}", 0.9),
        ("secret.generic", r"xkeysib-[a-f0-9]{64}-[A-Za-z0-9]{16}", 0.9),
        ("secret.generic", r"(?:BBDC|ATCTT3)-[A-Za-z0-9+/_=-]{40,}", 0.9),
        (
            "secret.generic",
            r"(?:tgp_v1_|xai-|sbp_|gsk_|pplx-|tvly-|dckr_pat_|nfp_|figd_|ntn_)[A-Za-z0-9_-]{30,}",
            0.9,
        ),
        ("secret.generic", r"sk-ant-(?:api|admin)\d\d-[A-Za-z0-9_-]{80,}", 0.95),
        ("secret.generic", r"AKCp[A-Za-z0-9]{69}", 0.9),
        ("secret.generic", r"dnkey-[A-Z0-9]{26}-[A-Z0-9]{52}", 0.9),
        ("secret.generic", r"sq0csp-[A-Za-z0-9_-]{40,}|EAAA[A-Za-z0-9_-]{60}", 0.9),
        ("secret.generic", r"sl\.[A-Za-z0-9_-]{130,}", 0.85),
        ("secret.generic", r"IGQV[A-Za-z0-9_-]{100,}", 0.85),
        ("secret.generic", r"LTAI[A-Za-z0-9]{12,20}", 0.85),
        ("secret.generic", r"SK[0-9a-fA-F]{32}", 0.8),
        ("secret.generic", r"3MVG[A-Za-z0-9_.]{80,}", 0.85),
        ("secret.generic", r"hv[sb]\.[A-Za-z0-9_-]{24,}", 0.9),
        ("secret.generic", r"[a-z0-9]{14}\.atlasv1\.[A-Za-z0-9_=-]{60,}", 0.9),
        ("secret.generic", r"oy2[a-z0-9]{43}", 0.85),
        ("secret.generic", r"EAA[A-Za-z0-9]{90,}", 0.85),
        ("secret.generic", r"key-[0-9a-f]{32}", 0.85),
        ("secret.generic", r"[0-9A-Za-z]{32}-us\d{1,2}", 0.85),
        ("secret.generic", r"A{20,}[A-Za-z0-9%]{30,}", 0.85),
        ("secret.generic", r"TlRMTVNTUAAD[A-Za-z0-9+/=]{20,}", 0.85),
        ("secret.generic", r"https://discord(?:app)?\.com/api/webhooks/\d+/[\w-]{30,}", 0.95),
        ("secret.generic", r"SWM(?:TKN|KEY)-1-[A-Za-z0-9+/_-]{40,}", 0.9),
        ("secret.generic", r"akab-[a-z0-9]{16}-[a-z0-9]{16}", 0.9),
        ("secret.generic", r"(?:cfut|cfat|phs|pha|vcp|vck|vci|vcr|vca|dckr_oat)_[A-Za-z0-9_-]{30,}", 0.9),
        ("secret.generic", r"(?:llx-|PMAT-|sq0atp-|NRBR-)[A-Za-z0-9_-]{18,}", 0.85),
        ("secret.generic", r"\d{15,16}\|[A-Za-z0-9_-]{27}", 0.85),
    )
)
_AWS_SECRET = re.compile(r"(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")
_AWS_WORDS = words_pattern(["aws", "secret_access_key", "aws_secret", "secretaccesskey", "amazon"])
_AWS_WORDS_LOOSE = re.compile(r"aws|secret_?access|amazon", re.IGNORECASE)
_PEM_BEGIN = re.compile(r"-----BEGIN[A-Z0-9 ]{0,30} PRIVATE KEY(?: BLOCK)?-----")
_PEM_END = re.compile(r"-----END[A-Z0-9 ]{0,30} PRIVATE KEY(?: BLOCK)?-----")
_PEM_BODY_LINE = re.compile(r"[^\n]*?[A-Za-z0-9+/=]{40,}[^\n]*\n?")
_PEM_MAX_CHARS = 20_000
_JWT = re.compile(r"(?<![\w-])eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{0,}")
_JWK_PRIVATE = re.compile(r'"(?:d|p|q|dp|dq|qi|k)"\s*:\s*"[A-Za-z0-9_-]{20,}"')
_GCP_SERVICE_ACCOUNT = re.compile(r'"private_key_id"\s*:\s*"[a-f0-9]{40}"')


def find_prefixed(text: str) -> Iterator[Hit]:
    for (category, pattern, score), needles in zip(_PREFIXED, _prefix_needles(), strict=True):
        if needles and not any(needle in text for needle in needles):
            continue  # every match holds one of the needles: none is in the text
        for match in pattern.finditer(text):
            if not is_placeholder(match.group()):
                yield Hit(category, match.start(), match.end(), score)


@lru_cache(maxsize=1)
def _prefix_needles() -> tuple[tuple[str, ...], ...]:
    """Per _PREFIXED pattern, strings of which every match holds one (() when there are none)."""
    return tuple(required_literals(pattern) for _, pattern, _ in _PREFIXED)


def find_aws_secret_keys(text: str) -> Iterator[Hit]:
    if not _AWS_WORDS_LOOSE.search(text):
        return
    for match in _AWS_SECRET.finditer(text):
        value = match.group()
        mixed = any(c.isdigit() for c in value) and any(c.isupper() for c in value)
        in_context = near(_AWS_WORDS_LOOSE, text, match.start(), match.end(), 80)
        if mixed and in_context and not is_placeholder(value):
            yield Hit("secret.aws_key", match.start(), match.end(), 0.85)


def _pem_end(text: str, start: int) -> int:
    """End of a private key block: its END line, or else the run of base64 lines after BEGIN."""
    end_match = _PEM_END.search(text, start, start + _PEM_MAX_CHARS)
    if end_match is not None:
        return end_match.end()
    end = text.find("\n", start)
    end = len(text) if end < 0 else end + 1
    while (line := _PEM_BODY_LINE.match(text, end)) is not None and line.end() > end:
        end = line.end()
    return end


def find_private_keys(text: str) -> Iterator[Hit]:
    for match in _PEM_BEGIN.finditer(text):
        yield Hit("secret.private_key", match.start(), _pem_end(text, match.end()), 0.95)
    for match in _GCP_SERVICE_ACCOUNT.finditer(text):
        yield Hit("secret.gcp", match.start(), match.end(), 0.9)
    if '"kty"' in text:
        for match in _JWK_PRIVATE.finditer(text):
            yield Hit("secret.private_key", match.start(), match.end(), 0.85)


# A pasted key is often only part of a PEM block: a body line (64, 70 or 76 base64 characters, or the
# short '='-padded last line) or the END line, without its BEGIN line.
_PEM_END = re.compile(r"-----END [A-Z0-9 ]*PRIVATE KEY-----")
_KEY_BODY = re.compile(r"(?<![A-Za-z0-9+/=,])[A-Za-z0-9+/]{22,76}={0,2}(?![A-Za-z0-9+/=])")


def find_key_fragments(text: str) -> Iterator[Hit]:
    for match in _PEM_END.finditer(text):
        yield Hit("secret.private_key", match.start(), match.end(), 0.8)
    for match in _KEY_BODY.finditer(text):
        if _looks_like_key_body(match.group()):
            yield Hit("secret.private_key", match.start(), match.end(), 0.7)


def _looks_like_key_body(token: str) -> bool:
    width_ok = len(token) in (64, 70, 76) or token.endswith("=")
    mixed = (
        any(c.isupper() for c in token)
        and any(c.islower() for c in token)
        and any(c.isdigit() for c in token)
    )
    return width_ok and mixed and not is_placeholder(token)


def _has_alg(segment: str) -> bool:
    try:
        header = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (binascii.Error, ValueError):
        return False
    return isinstance(header, dict) and "alg" in header


def find_jwts(text: str) -> Iterator[Hit]:
    for match in _JWT.finditer(text):
        if _has_alg(match.group().split(".", 1)[0]):
            yield Hit("secret.jwt", match.start(), match.end(), 0.9)
