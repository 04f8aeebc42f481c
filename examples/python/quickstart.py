"""casiscan quickstart: store a scan and an asset in SQLite, move a scan through its states.

Run after installing the package (`bash scripts/test-python.sh` does): python quickstart.py [DB]
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

import casiscan


NMAP_XML = """<?xml version="1.0"?>
<nmaprun scanner="nmap" args="nmap -sV -p 22 127.0.0.1" start="1700000000" version="7.93">
<host><status state="up" reason="localhost-response" reason_ttl="0"/>
<address addr="127.0.0.1" addrtype="ipv4"/>
<ports><port protocol="tcp" portid="22"><state state="open" reason="syn-ack" reason_ttl="64"/>
<service name="ssh" product="OpenSSH" version="9.2p1" method="probed" conf="10"/></port></ports>
</host>
<runstats><finished time="1700000001" elapsed="0.5" exit="success"/>
<hosts up="1" down="0" total="1"/></runstats>
</nmaprun>"""


def main(db: str) -> None:
    run = casiscan.parse_nmap(NMAP_XML)  # bytes, str or a pathlib.Path
    port = run.hosts[0].ports[0]
    service = port.service
    assert service is not None
    print(f"nmap: {port.portid}/{port.protocol} {service.name} {service.product} {service.version}")

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
