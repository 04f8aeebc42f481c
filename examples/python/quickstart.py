"""casiscan quickstart: store a scan and an asset in SQLite, move a scan through its states.

Run after installing the package (`bash scripts/test-python.sh` does): python quickstart.py [DB]
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

import casiscan


def main(db: str) -> None:
    client = casiscan.Client(db)

    client.add_asset(casiscan.Asset("admin", "web-1", properties={"publicIp": "127.0.0.1"}))
    scan = client.add_scan(
        casiscan.Scan(
            "admin",
            "web-ports",
            target_mode=casiscan.TargetMode.ASSET,
            asset="web-1",
            command="-sT -p 80,443",
        )
    )
    print(f"added {scan.id}: {scan.state} ({scan.provider}, asset {scan.asset})")

    queued = client.start_scan(scan.id)
    print(f"started: {queued.state}")
    canceled = client.cancel_scan(scan.id)
    print(f"canceled: {canceled.state}")

    page = client.list_scans("admin", page=1, page_size=10)
    print(f"{page.total} scan(s) of admin:", [s.id for s in page.items])

    try:
        client.get_scan("admin/does-not-exist")
    except casiscan.NotFoundError as e:
        print(f"{type(e).__name__} (kind={e.kind}): {e}")

    async def with_asyncio() -> casiscan.Scan:
        got, runs = await asyncio.gather(client.aget_scan(scan.id), client.alist_runs(scan.id))
        print(f"async: {got.id} is {got.state}, {len(runs)} run(s) recorded")
        return await client.aclear_scan(scan.id)

    cleared = asyncio.run(with_asyncio())
    print(f"cleared to {cleared.state}: {cleared.to_json()[:72]}...")


if __name__ == "__main__":
    if len(sys.argv) > 1:
        main(sys.argv[1])
    else:
        with tempfile.TemporaryDirectory() as tmp:
            main(str(Path(tmp) / "quickstart.db"))
