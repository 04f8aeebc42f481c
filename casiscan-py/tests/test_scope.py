"""Scope policies from Python: every entry point (add, update, start, run now) refuses an
out-of-scope target with ForbiddenError naming the target and the rule; malformed entries raise
InvalidInputError naming the field; no policy means no limit."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

import casiscan

POLICY_ALLOW = ["10.0.0.0/8", "*.corp.example"]
POLICY_DENY = ["10.66.0.0/16"]


def acme(name: str, target: str) -> casiscan.Scan:
    return casiscan.Scan("acme", name, target=target, command="-sT -p 22")


@pytest.fixture
def scoped(client: casiscan.Client) -> casiscan.Client:
    stored = client.set_scope_policy("acme", POLICY_ALLOW, POLICY_DENY)
    assert stored == {"allow": POLICY_ALLOW, "deny": POLICY_DENY}
    client.add_scan(acme("ok", "10.1.1.1"))
    return client


@pytest.mark.parametrize(
    ("target", "rule"),
    [
        ("198.51.100.7", "not covered by any allowed entry"),
        ("10.66.0.9", "denied by `10.66.0.0/16`"),
        ("www.elsewhere.example", "not covered by any allowed entry"),
    ],
)
def test_every_entry_point_refuses_out_of_scope_targets(
    scoped: casiscan.Client, target: str, rule: str
) -> None:
    calls: list[Callable[[], object]] = [
        lambda: scoped.add_scan(acme("new", target)),
        lambda: scoped.update_scan("acme/ok", acme("ok", target)),
        lambda: scoped.run_now(acme("now", target)),
    ]
    for call in calls:
        with pytest.raises(casiscan.ForbiddenError) as err:
            call()
        assert err.value.kind == "forbidden"
        assert target in str(err.value) and rule in str(err.value)
    assert scoped.get_scan("acme/ok").target == "10.1.1.1"
    with pytest.raises(casiscan.NotFoundError):
        scoped.get_scan("acme/new")


def test_start_is_refused_after_the_policy_tightens(scoped: casiscan.Client) -> None:
    scoped.set_scope_policy("acme", ["10.2.0.0/16"])
    with pytest.raises(casiscan.ForbiddenError, match="10.1.1.1"):
        scoped.start_scan("acme/ok")
    scoped.remove_scope_policy("acme")
    assert scoped.scope_policy("acme") is None
    assert scoped.start_scan("acme/ok").state == casiscan.ScanState.PENDING


@pytest.mark.parametrize(
    ("allow", "deny", "field"),
    [
        (["10.0.0.0/8", "bad entry!"], [], r"scope\.allow\[1\]"),
        ([], ["*.corp.example", "db.corp.example"], r"scope\.deny"),
    ],
)
def test_malformed_or_overlapping_entries_change_nothing(
    scoped: casiscan.Client, allow: list[str], deny: list[str], field: str
) -> None:
    with pytest.raises(casiscan.InvalidInputError, match=field):
        scoped.set_scope_policy("acme", allow, deny)
    assert scoped.scope_policy("acme") == {"allow": POLICY_ALLOW, "deny": POLICY_DENY}


def test_no_policy_no_limit(client: casiscan.Client) -> None:
    assert client.scope_policy("other") is None
    assert client.add_scan(casiscan.Scan("other", "s", target="198.51.100.7")).target == "198.51.100.7"


def test_the_async_twins(client: casiscan.Client) -> None:
    async def main() -> None:
        stored = await client.aset_scope_policy("acme", ["10.0.0.0/8"], ["10.1.0.0/16"])
        assert stored == {"allow": ["10.0.0.0/8"], "deny": ["10.1.0.0/16"]}
        assert await client.ascope_policy("acme") == stored
        await client.aremove_scope_policy("acme")
        assert await client.ascope_policy("acme") is None

    asyncio.run(main())
