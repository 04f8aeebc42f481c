"""casiscan: security scan management (nmap, OS patches) with a Rust core.

`Client` keeps scans and assets in a database (SQLite file by default); every method has an
`a`-prefixed coroutine twin (`await client.aget_scan(...)`) running on the same Rust runtime.
"""

from __future__ import annotations

import asyncio
import os

from casiscan import _casiscan
from casiscan._casiscan import (
    Asset,
    InstalledPackage,
    NmapAddress,
    NmapHost,
    NmapHostIterator,
    NmapHostname,
    NmapHostStatus,
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
    InvalidInputError,
    NotFoundError,
    ParseError,
    ProviderError,
    StorageError,
)

__all__ = [
    "Asset",
    "AuthError",
    "CanceledError",
    "CasiscanError",
    "CasiscanIOError",
    "Client",
    "ConflictError",
    "InstalledPackage",
    "InvalidInputError",
    "NmapAddress",
    "NmapHost",
    "NmapHostIterator",
    "NmapHostStatus",
    "NmapHostname",
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

    async def acancel_scan(self, id: str) -> Scan:
        """Coroutine twin of `cancel_scan`."""
        return await self.cancel_scan_async(id)

    async def aclear_scan(self, id: str) -> Scan:
        """Coroutine twin of `clear_scan`."""
        return await self.clear_scan_async(id)

    async def arun_scan(self, id: str) -> Scan:
        """Coroutine twin of `run_scan`."""
        return await self.run_scan_async(id)

    async def arun_now(self, scan: Scan) -> RunOutput:
        """Coroutine twin of `run_now`."""
        return await self.run_now_async(scan)

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
