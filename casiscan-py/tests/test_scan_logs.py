"""Stored scan logs read page by page: `scan_logs` iterator, its async twin, refused cursors."""

from __future__ import annotations

import asyncio
import datetime

import pytest

import casiscan
from conftest import loopback_scan


def _today() -> str:
    return datetime.datetime.now(datetime.timezone.utc).date().isoformat()


def _finish_runs(client: casiscan.Client, n: int) -> tuple[str, str]:
    """Runs `n` scans; the UTC days before and after them (midnight may fall between)."""
    before = _today()
    for i in range(n):
        client.add_scan(loopback_scan(f"s{i}"))
        done = client.run_scan(f"admin/s{i}")
        assert done.state in (casiscan.ScanState.COMPLETED, casiscan.ScanState.FAILED)
    return before, _today()


def test_scan_logs_iterates_every_page_once(client: casiscan.Client) -> None:
    day, last = _finish_runs(client, 3)
    logs = list(client.scan_logs("admin", day, last, page_size=2))
    assert len(logs) == 3
    assert len({log["logId"] for log in logs}) == 3
    assert [log["scanId"] for log in logs] == ["admin/s0", "admin/s1", "admin/s2"]
    first = client.scan_logs_page("admin", day, last, page_size=2)
    assert len(first["logs"]) == 2 and first["nextCursor"] is not None
    rest = client.scan_logs_page("admin", day, last, cursor=first["nextCursor"], page_size=2)
    assert len(rest["logs"]) == 1 and rest["nextCursor"] is None
    assert list(client.scan_logs("someone-else", day, last)) == []

    async def collect() -> list[dict[str, object]]:
        return [log async for log in client.ascan_logs("admin", day, last, page_size=1)]

    assert [log["logId"] for log in asyncio.run(collect())] == [log["logId"] for log in logs]


def test_bad_cursors_and_page_sizes_are_invalid_input(client: casiscan.Client) -> None:
    day, last = _finish_runs(client, 2)
    cursor = client.scan_logs_page("admin", day, last, page_size=1)["nextCursor"]
    assert isinstance(cursor, str)
    with pytest.raises(casiscan.InvalidInputError):
        client.scan_logs_page("admin", day, last, cursor="forged")
    with pytest.raises(casiscan.InvalidInputError):
        client.scan_logs_page("other", day, last, cursor=cursor)
    with pytest.raises(casiscan.InvalidInputError):
        client.scan_logs_page("admin", "2020-01-01", last, cursor=cursor)
    with pytest.raises(casiscan.InvalidInputError):
        client.scan_logs_page("admin", day, last, page_size=0)
    with pytest.raises(casiscan.InvalidInputError):
        list(client.scan_logs("admin", "yesterday"))
