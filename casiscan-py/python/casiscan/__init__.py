"""casiscan: security scan management (nmap, OS patches) with a Rust core.

`Client` keeps scans and assets in a database (SQLite file by default); every method has an
`a`-prefixed coroutine twin (`await client.aget_scan(...)`) running on the same Rust runtime.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from typing import Any

from casiscan import _casiscan
from casiscan._casiscan import (
    Asset,
    Cpe,
    InstalledPackage,
    NmapAddress,
    NmapHost,
    NmapHostIterator,
    NmapHostname,
    NmapHostStatus,
    NmapOsClass,
    NmapOsMatch,
    NmapPort,
    NmapPortState,
    NmapRun,
    NmapScript,
    NmapService,
    OsPatchBackend,
    OsPatchReport,
    OsPatchSummary,
    OsPatchUpdate,
    ProviderKind,
    Reboot,
    RunOutput,
    Scan,
    ScanPage,
    ScanRun,
    ScanState,
    Schedule,
    TargetMode,
    Worker,
    __version__,
    iter_nmap_hosts,
    os_patch_report,
    parse_nmap,
)
from casiscan.exceptions import (
    AuthError,
    CanceledError,
    CasiscanError,
    CasiscanIOError,
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    ParseError,
    ProviderError,
    StorageError,
)

__all__ = [
    "Asset",
    "Cpe",
    "AuthError",
    "CanceledError",
    "CasiscanError",
    "CasiscanIOError",
    "Client",
    "ConflictError",
    "ForbiddenError",
    "InstalledPackage",
    "InvalidInputError",
    "NmapAddress",
    "NmapHost",
    "NmapHostIterator",
    "NmapHostStatus",
    "NmapHostname",
    "NmapOsClass",
    "NmapOsMatch",
    "NmapPort",
    "NmapPortState",
    "NmapRun",
    "NmapScript",
    "NmapService",
    "NotFoundError",
    "OsPatchBackend",
    "OsPatchReport",
    "OsPatchSummary",
    "OsPatchUpdate",
    "ParseError",
    "ProviderError",
    "ProviderKind",
    "Reboot",
    "RunOutput",
    "Scan",
    "ScanPage",
    "ScanRun",
    "ScanState",
    "Schedule",
    "StorageError",
    "TargetMode",
    "Worker",
    "__version__",
    "aos_patch_report",
    "aparse_nmap",
    "iter_nmap_hosts",
    "os_patch_report",
    "parse_nmap",
]


async def aos_patch_report(
    root: str | os.PathLike[str] | None = None,
    backend: OsPatchBackend | str | None = None,
) -> OsPatchReport:
    """Coroutine twin of `os_patch_report` (runs in a thread; the event loop keeps running)."""
    return await asyncio.to_thread(os_patch_report, root, backend)


async def aparse_nmap(data: bytes | str | os.PathLike[str], *, lenient: bool = False) -> NmapRun:
    """Coroutine twin of `parse_nmap`: parses on the Rust runtime, the event loop keeps running."""
    return await _casiscan.parse_nmap_async(data, lenient=lenient)


class Client(_casiscan.Client):
    """A casiscan client on one database, with coroutine twins of every method."""

    def scan_logs(
        self,
        account: str,
        from_date: str,
        to_date: str | None = None,
        *,
        page_size: int = 1000,
    ) -> Iterator[dict[str, Any]]:
        """Every stored scan log of `account` with ScanDate on UTC days `from_date` to `to_date`
        (default: `from_date`), oldest first, read `page_size` at a time (one page in memory);
        logs recorded meanwhile after the last one read are included."""
        cursor: str | None = None
        while True:
            page = self.scan_logs_page(
                account, from_date, to_date or from_date, cursor=cursor, page_size=page_size
            )
            yield from page["logs"]
            cursor = page["nextCursor"]
            if cursor is None:
                return

    async def ascan_logs_page(
        self,
        account: str,
        from_date: str,
        to_date: str,
        *,
        cursor: str | None = None,
        page_size: int = 1000,
    ) -> dict[str, Any]:
        """Coroutine twin of `scan_logs_page`."""
        return await self.scan_logs_page_async(
            account, from_date, to_date, cursor=cursor, page_size=page_size
        )

    async def ascan_logs(
        self,
        account: str,
        from_date: str,
        to_date: str | None = None,
        *,
        page_size: int = 1000,
    ) -> AsyncIterator[dict[str, Any]]:
        """Async twin of `scan_logs`: an async iterator over the same logs."""
        cursor: str | None = None
        while True:
            page = await self.scan_logs_page_async(
                account, from_date, to_date or from_date, cursor=cursor, page_size=page_size
            )
            for log in page["logs"]:
                yield log
            cursor = page["nextCursor"]
            if cursor is None:
                return

    async def aadd_scan(self, scan: Scan) -> Scan:
        """Coroutine twin of `add_scan`."""
        return await self.add_scan_async(scan)

    async def aget_scan(self, id: str) -> Scan:
        """Coroutine twin of `get_scan`."""
        return await self.get_scan_async(id)

    async def alist_scans(
        self,
        owner: str | None = None,
        *,
        page: int | None = None,
        page_size: int | None = None,
        filter: tuple[str, str] | None = None,
        sort_field: str | None = None,
        sort_order: str = "descend",
        asset: str | None = None,
    ) -> ScanPage:
        """Coroutine twin of `list_scans`."""
        return await self.list_scans_async(
            owner,
            page=page,
            page_size=page_size,
            filter=filter,
            sort_field=sort_field,
            sort_order=sort_order,
            asset=asset,
        )

    async def aupdate_scan(self, id: str, scan: Scan) -> Scan:
        """Coroutine twin of `update_scan`."""
        return await self.update_scan_async(id, scan)

    async def adelete_scan(self, id: str, *, force: bool = False) -> None:
        """Coroutine twin of `delete_scan`."""
        await self.delete_scan_async(id, force=force)

    async def astart_scan(self, id: str) -> Scan:
        """Coroutine twin of `start_scan`."""
        return await self.start_scan_async(id)

    async def ainstall_patch(
        self,
        id: str,
        updates: Sequence[str] | None = None,
        *,
        all_security: bool = False,
        dry_run: bool = False,
    ) -> Scan:
        """Coroutine twin of `install_patch`."""
        return await self.install_patch_async(
            id, updates, all_security=all_security, dry_run=dry_run
        )

    async def aset_scan_schedule(self, id: str, schedule: Schedule | None) -> Scan:
        """Coroutine twin of `set_scan_schedule`."""
        return await self.set_scan_schedule_async(id, schedule)

    async def aset_scope_policy(
        self, account: str, allow: list[str], deny: list[str] | None = None
    ) -> dict[str, list[str]]:
        """Coroutine twin of `set_scope_policy`."""
        return await self.set_scope_policy_async(account, allow, deny or [])

    async def ascope_policy(self, account: str) -> dict[str, list[str]] | None:
        """Coroutine twin of `scope_policy`."""
        return await self.scope_policy_async(account)

    async def aremove_scope_policy(self, account: str) -> None:
        """Coroutine twin of `remove_scope_policy`."""
        await self.remove_scope_policy_async(account)

    async def acancel_scan(self, id: str) -> Scan:
        """Coroutine twin of `cancel_scan`."""
        return await self.cancel_scan_async(id)

    async def aclear_scan(self, id: str) -> Scan:
        """Coroutine twin of `clear_scan`."""
        return await self.clear_scan_async(id)

    async def arun_scan(
        self,
        id: str,
        *,
        on_progress: Callable[[float | None, str], object] | None = None,
        on_host: Callable[[NmapHost], object] | None = None,
    ) -> Scan:
        """Coroutine twin of `run_scan` (callbacks run on this event loop)."""
        return await self.run_scan_async(id, on_progress=on_progress, on_host=on_host)

    async def arun_now(
        self,
        scan: Scan,
        *,
        on_progress: Callable[[float | None, str], object] | None = None,
        on_host: Callable[[NmapHost], object] | None = None,
    ) -> RunOutput:
        """Coroutine twin of `run_now` (callbacks run on this event loop)."""
        return await self.run_now_async(scan, on_progress=on_progress, on_host=on_host)

    async def aimport_nmap_run(self, id: str, xml: bytes | str) -> Scan:
        """Coroutine twin of `import_nmap_run`."""
        return await self.import_nmap_run_async(id, xml)

    async def alist_runs(self, id: str) -> list[ScanRun]:
        """Coroutine twin of `list_runs`."""
        return await self.list_runs_async(id)

    async def aadd_asset(self, asset: Asset) -> Asset:
        """Coroutine twin of `add_asset`."""
        return await self.add_asset_async(asset)

    async def aget_asset(self, id: str) -> Asset:
        """Coroutine twin of `get_asset`."""
        return await self.get_asset_async(id)

    async def alist_assets(self, owner: str | None = None) -> list[Asset]:
        """Coroutine twin of `list_assets`."""
        return await self.list_assets_async(owner)

    async def aupdate_asset(self, id: str, asset: Asset) -> Asset:
        """Coroutine twin of `update_asset`."""
        return await self.update_asset_async(id, asset)

    async def adelete_asset(self, id: str) -> None:
        """Coroutine twin of `delete_asset`."""
        await self.delete_asset_async(id)

    async def arun_worker(self, seconds: float, *, concurrency: int = 4) -> None:
        """Coroutine twin of `run_worker`: the worker runs on the Rust runtime meanwhile."""
        worker = self.start_worker(concurrency=concurrency)
        try:
            await asyncio.sleep(seconds)
        finally:
            worker.stop()
            await asyncio.to_thread(worker.wait)
