"""Coroutine twins run on the shared Rust runtime under asyncio.run."""

from __future__ import annotations

import asyncio
import inspect

import pytest

import casiscan
from conftest import loopback_scan


def test_every_blocking_method_has_a_coroutine_twin() -> None:
    blocking = [
        name
        for name in dir(casiscan.Client)
        if not name.startswith("_") and not name.endswith("_async") and not name.startswith("a")
    ]
    # start_worker does not block (it returns a running Worker), so it needs no twin.
    blocking = [
        n for n in blocking if callable(getattr(casiscan.Client, n)) and n != "start_worker"
    ]
    assert "get_scan" in blocking
    for name in blocking:
        twin = getattr(casiscan.Client, "a" + name)
        # An iterator's twin is an async iterator (`async for`), not a coroutine.
        assert inspect.iscoroutinefunction(twin) or inspect.isasyncgenfunction(twin), name


def test_async_round_trip(db_path: str) -> None:
    async def main() -> None:
        client = casiscan.Client(db_path)
        added = await client.aadd_scan(loopback_scan("s1"))
        assert added.state == casiscan.ScanState.CREATED
        got = await client.aget_scan("admin/s1")
        assert got.to_dict() == added.to_dict()
        page = await client.alist_scans(page=1, page_size=10)
        assert page.total == 1
        got.command = "-sT -p 22"
        assert (await client.aupdate_scan("admin/s1", got)).command == "-sT -p 22"
        assert (await client.astart_scan("admin/s1")).state == casiscan.ScanState.PENDING
        assert (await client.acancel_scan("admin/s1")).state == casiscan.ScanState.CANCELED
        assert (await client.aclear_scan("admin/s1")).state == casiscan.ScanState.CREATED
        assert await client.alist_runs("admin/s1") == []
        await client.adelete_scan("admin/s1")
        with pytest.raises(casiscan.NotFoundError) as err:
            await client.aget_scan("admin/s1")
        assert str(err.value) == "scan admin/s1 not found"

        await client.aadd_asset(casiscan.Asset("admin", "vm1", id="i-1"))
        assert (await client.aget_asset("admin/vm1")).id == "i-1"
        asset = await client.aget_asset("admin/vm1")
        asset.tag = "t"
        await client.aupdate_asset("admin/vm1", asset)
        assert [a.tag for a in await client.alist_assets()] == ["t"]
        await client.adelete_asset("admin/vm1")
        assert await client.alist_assets() == []

    asyncio.run(main())


def test_many_coroutines_at_once(client: casiscan.Client) -> None:
    async def main() -> list[casiscan.Scan]:
        await asyncio.gather(*(client.aadd_scan(loopback_scan(f"s{i}")) for i in range(20)))
        return list(await asyncio.gather(*(client.aget_scan(f"admin/s{i}") for i in range(20))))

    scans = asyncio.run(main())
    assert sorted(s.name for s in scans) == sorted(f"s{i}" for i in range(20))


def test_async_errors_keep_their_class(client: casiscan.Client) -> None:
    async def main() -> None:
        with pytest.raises(casiscan.InvalidInputError):
            await client.aget_scan("nope")
        with pytest.raises(casiscan.ConflictError):
            await client.aclear_scan((await client.astart_scan(
                (await client.aadd_scan(loopback_scan("s1"))).id)).id)

    asyncio.run(main())
