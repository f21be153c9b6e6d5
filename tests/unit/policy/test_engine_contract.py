"""Unit tests: the PromptPolicy contract (the no-check engine and the compiled engine), remote and
local detectors side by side, override audiences and the line numbers of document errors.

Integration twin: tests/integration/policy/test_policy_flow.py."""

from __future__ import annotations

import pytest

from limner.errors import ConfigError
from limner.imaging.actions import Action
from limner.policy.document import parse_policy
from limner.policy.engine import AllowAllPolicy, PolicyEngine, PromptPolicy
from limner.policy.schemas import Decision, Finding, PolicyContext

POLICY = """
name: contract
detectors: []
rules:
  "*": {action: allow}
  pii.*: {action: redact}
  harm.*: {action: block}
"""


class Local:
    name = "local"

    def __init__(self, findings: list[Finding], *, fail: bool = False) -> None:
        self.found = findings
        self.fail = fail

    def detect(self, text: str) -> list[Finding]:
        if self.fail:
            raise RuntimeError("local detector broke")
        return self.found


class Vendor:
    """An async-only detector, as a vendor check is: it has no synchronous `detect`."""

    name = "vendor"

    def __init__(self, findings: list[Finding]) -> None:
        self.found = findings
        self.closed = 0
        self.calls = 0

    async def detect_async(self, text: str) -> list[Finding]:
        self.calls += 1
        return self.found

    async def aclose(self) -> None:
        self.closed += 1


def hit(category: str, start: int, end: int, score: float = 0.9) -> Finding:
    return Finding(detector="t", category=category, start=start, end=end, score=score)


async def test_allow_all_policy_allows_anything_and_names_no_version() -> None:
    policy: PromptPolicy = AllowAllPolicy()
    await policy.prepare()
    decision = await policy.evaluate("anything at all", context=PolicyContext())
    await policy.aclose()
    assert decision == Decision.allow("none")
    assert policy.version == "none"
    assert decision.findings == ()


async def test_engine_evaluate_combines_local_and_vendor_findings() -> None:
    vendor = Vendor([hit("harm.violence", 0, 5)])
    engine = PolicyEngine(parse_policy(POLICY), [Local([hit("pii.email", 6, 10)]), vendor], version="v1")
    await engine.prepare()
    decision = await engine.evaluate("fight mail now", context=PolicyContext())
    assert decision.action is Action.BLOCK
    assert decision.categories == ("harm.violence", "pii.email")
    assert vendor.calls == 1
    assert decision.model_ms >= 0.0


def test_vendor_detectors_make_the_engine_remote_and_refuse_the_sync_path() -> None:
    engine = PolicyEngine(parse_policy(POLICY), [Vendor([])], version="v-remote")
    assert engine.is_remote
    with pytest.raises(ConfigError, match="vendor"):
        engine.decide("text", PolicyContext())


def test_an_engine_of_local_detectors_is_not_remote() -> None:
    engine = PolicyEngine(parse_policy(POLICY), [Local([])], version="v-local")
    assert not engine.is_remote
    assert engine.decide("plain text", PolicyContext()).action is Action.ALLOW


async def test_a_failing_local_detector_cancels_the_vendor_checks_and_raises() -> None:
    vendor = Vendor([hit("harm.violence", 0, 1)])
    engine = PolicyEngine(parse_policy(POLICY), [Local([], fail=True), vendor], version="v1")
    with pytest.raises(RuntimeError, match="local detector broke"):
        await engine.findings_async("text")


async def test_engine_aclose_closes_every_vendor_detector() -> None:
    first, second = Vendor([]), Vendor([])
    engine = PolicyEngine(parse_policy(POLICY), [first, Local([]), second], version="v1")
    await engine.aclose()
    assert (first.closed, second.closed) == (1, 1)


async def test_findings_async_without_vendors_returns_the_local_findings() -> None:
    local = hit("pii.email", 0, 4)
    engine = PolicyEngine(parse_policy(POLICY), [Local([local])], version="v1")
    assert await engine.findings_async("mail") == [local]


def test_a_named_person_is_not_also_reported_as_pii_person() -> None:
    person = hit("person.public_figure", 0, 10)
    pii = hit("pii.person", 0, 10)
    elsewhere = hit("pii.person", 20, 25)
    engine = PolicyEngine(parse_policy(POLICY), [Local([person, pii, elsewhere])], version="v1")
    assert engine.findings("x" * 30) == [person, elsewhere]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (
            "detectors: []\nrules: {}\noverrides:\n  - rules: {}\n",
            "an override needs roles or groups",
        ),
        (
            "detectors: []\nrules: {}\noverrides:\n  - roles: [a]\n    rules: {}\n  - roles: [b]\n"
            "    rules:\n      pii.*: {action: explode}\n",
            "line 8: overrides.1.rules.pii.*.action",
        ),
        (
            "detectors: []\nrules:\n  pii.*: {action: block, colour: red}\n",
            "line 3: rules.pii.*.colour",
        ),
        ("detectors: 3\nrules: {}\n", "line 1: detectors"),
        ("just a string\n", "mapping"),
        ("detectors: []\nrules: {a: [\n", "not valid YAML"),
    ],
)
def test_broken_documents_name_the_line_and_field(text: str, fragment: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_policy(text)
    assert fragment in caught.value.message


@pytest.mark.parametrize(
    ("roles", "groups", "expected"),
    [
        (frozenset({"marketing"}), frozenset(), Action.ALLOW),
        (frozenset(), frozenset({"comms"}), Action.ALLOW),
        (frozenset({"creator"}), frozenset({"sales"}), Action.REDACT),
        (frozenset(), frozenset(), Action.REDACT),
    ],
)
def test_overrides_apply_to_their_roles_and_groups_only(
    roles: frozenset[str], groups: frozenset[str], expected: Action
) -> None:
    document = parse_policy(
        POLICY + "overrides:\n  - roles: [marketing]\n    groups: [comms]\n    rules:\n"
        "      pii.email: {action: allow}\n"
    )
    engine = PolicyEngine(document, [Local([hit("pii.email", 0, 4)])], version="v1")
    assert engine.decide("mail", PolicyContext(roles=roles, groups=groups)).action is expected
