"""Secret finders for values named by their context (password = ..., token: ...) and placeholders."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator

from limner.policy.detectors._patterns import Hit

_PLACEHOLDER = re.compile(
    r"example|sample|dummy|placeholder|changeme|change_me|your[_-]?\w*(?:key|token|secret|pass)"
    r"|<[^>]*>|\$\{[^}]*\}|\{\{[^}]*\}\}|%\(?\w*\)?s|xxxx|\*{3,}|•{3,}|redacted|insert|replace|"
    r"AKIAIOSFODNN7EXAMPLE|wJalrXUtnFEMI|^\$\w+$|^%\w+%$|^null$|^none$|^true$|^false$|^undefined$",
    re.IGNORECASE,
)
_SEQUENCES = ("0123456789", "abcdefghijklmnopqrstuvwxyz", "qwertyuiop")
_PASSWORD_WORD = r"p(?:a?s{1,2})?w(?:o?r)?d|pass(?:phrase)?|pw"
_SECRET_WORD = (
    r"secret|token|api[_-]?key|apikey|(?:access|auth\w*|secret|private|client|api) ?(?:key|token|secret)"
    r"|credentials?|auth"
)
# A lower-case letter may not follow the key word ("passing", "author"); "_id", "Key", "2" may.
_PASSWORD_KEY = (
    rf"[\w.-]*?(?i:{_PASSWORD_WORD}|{_SECRET_WORD}|(?<=[_.-])key)(?:[_.-][\w.-]*|[A-Z0-9][\w.-]*)?(?![a-z])"
)
# key, optional closing quote, separator, then a quoted or bare value.
_ASSIGNMENT = re.compile(
    rf"(?<![\w-])(?P<key>{_PASSWORD_KEY})['\"]?\)?\s*"
    r"(?P<sep>:=|=>|->|!==|===|!=|==|=|:|,|\s+(?i:is)\s+)\s*"
    r"(?:(?P<q>['\"`])(?P<quoted>[^'\"`\n]{3,200})(?P=q)|(?P<bare>[^\s'\"`,;<>(){}\[\]]{3,200}))"
)
_URL_CREDENTIALS = re.compile(r"\b[a-z][a-z0-9+.-]{1,20}://[^\s:/@]{1,64}:(?P<value>[^\s:/@]{3,64})@[\w.-]+")
_CLI_PASSWORD = re.compile(
    r"(?:(?<![\w-])--?(?:password|pass|pwd|token|secret|api-key|apikey)[= ]"
    r"|ConvertTo-SecureString\s+(?:-\w+\s+)*\\?[\"']?|(?:mysql|mysqldump|mariadb)\b[^\n]*?\s-p|sshpass\s+-p\s?"
    r"|redis-cli\b[^\n]*?\s-a\s|curl\b[^\n]*?\s-u\s?[^\s:]+:)(?P<value>[^\s'\"]{4,})"
)
_SQL_PASSWORD = re.compile(
    r"(?:IDENTIFIED\s+(?:WITH\s+\w+\s+)?BY|WITH\s+(?:ENCRYPTED\s+)?PASSWORD|PASSWORD\s*=?)\s*"
    r"(?:(?P<q>['\"])(?P<quoted>[^'\"\n]{3,})(?P=q)|(?P<bare>[^\s'\";]{6,}))",
    re.IGNORECASE,
)
_PASSWORD_RE = re.compile(_PASSWORD_WORD, re.IGNORECASE)
_GENERIC_KEY = re.compile(r"key|token|secret|auth|credential|bearer|signature|api", re.IGNORECASE)
_HIGH_ENTROPY = re.compile(r"(?<![A-Za-z0-9+/=_-])[A-Za-z0-9+/=_-]{20,}(?![A-Za-z0-9+/=_-])")
_WORDISH = re.compile(r"^[A-Za-z]+(?:[_-][A-Za-z]+)*$")
_MIN_ENTROPY = 3.3


def is_placeholder(value: str) -> bool:
    """True for documentation values: EXAMPLE, xxxx, <token>, ${VAR}, *****, one repeated char."""
    stripped = value.strip("'\"` ")
    tail = stripped[-16:].casefold()  # "ghp_aaaa…": a real prefix on a filler body
    if len(set(stripped.casefold())) <= 2 or len(set(tail)) <= 2 or _PLACEHOLDER.search(stripped):
        return True
    lowered = stripped.casefold()
    return any(lowered in seq or (len(lowered) >= 6 and lowered[:6] in seq) for seq in _SEQUENCES)


def entropy(value: str) -> float:
    """Shannon entropy in bits per character."""
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


def _looks_like_code(value: str) -> bool:
    """A variable, call or attribute rather than a literal: password = get_password()."""
    return (
        value.startswith(("$", "@", "&", "%", "self.", "this.", "os.", "process.", "env"))
        or value.endswith(("(", ")", "."))
        or ("." in value.strip(".") and value.replace(".", "").replace("_", "").isalpha())
    )


def _value_score(value: str, quoted: bool) -> float | None:
    """Score a candidate password value, or None when it is not one."""
    if is_placeholder(value) or _looks_like_code(value):
        return None
    has_digit = any(c.isdigit() for c in value)
    has_alpha = any(c.isalpha() for c in value)
    has_symbol = any(not c.isalnum() for c in value)
    if has_alpha and (has_digit or has_symbol) and len(value) >= 6:
        return 0.85
    if quoted and len(value) >= 4 and not _WORDISH.match(value.replace(" ", "")):
        return 0.7
    if quoted and len(value) >= 4:
        return 0.55  # a dictionary word, but quoted right after "password =": still a password
    return None


def find_assignments(text: str) -> Iterator[Hit]:
    for match in _ASSIGNMENT.finditer(text):
        quoted = match.group("quoted") is not None
        group = "quoted" if quoted else "bare"
        value = match.group(group)
        if not quoted and text[match.end(group) : match.end(group) + 1] in ("(", "[", "."):
            continue  # a call or attribute: password = get_password()
        score = _value_score(value, quoted)
        if score is not None:
            key = match.group("key")
            category = "secret.password" if _PASSWORD_RE.search(key) else "secret.generic"
            yield Hit(category, match.start(group), match.end(group), score)


def find_embedded_passwords(text: str) -> Iterator[Hit]:
    for pattern in (_URL_CREDENTIALS, _CLI_PASSWORD):
        for match in pattern.finditer(text):
            if not is_placeholder(match.group("value")):
                yield Hit("secret.password", match.start("value"), match.end("value"), 0.85)
    for match in _SQL_PASSWORD.finditer(text):
        group = "quoted" if match.group("quoted") is not None else "bare"
        if _value_score(match.group(group), group == "quoted") is not None:
            yield Hit("secret.password", match.start(group), match.end(group), 0.85)


def find_high_entropy(text: str) -> Iterator[Hit]:
    for match in _HIGH_ENTROPY.finditer(text):
        value = match.group()
        classes = sum(
            (
                any(c.islower() for c in value),
                any(c.isupper() for c in value),
                any(c.isdigit() for c in value),
            )
        )
        if classes < 2 or entropy(value) < _MIN_ENTROPY or is_placeholder(value):
            continue
        before = text[max(0, match.start() - 40) : match.start()]
        if _GENERIC_KEY.search(before):
            yield Hit("secret.generic", match.start(), match.end(), 0.7)
