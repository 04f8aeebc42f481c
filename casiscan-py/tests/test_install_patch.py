"""install-patch from Python: typed errors naming the bad input, and a dry-run job queued from
this machine's real OS patch scan (queued only: no worker runs here, nothing is installed)."""

from __future__ import annotations

import asyncio
import json
import pathlib

import pytest

import casiscan

DEBIAN = pathlib.Path("/var/lib/dpkg/status").exists()




@pytest.mark.skipif(not DEBIAN, reason="not a dpkg system")
def test_install_patch_refuses_bad_input_and_queues_a_dry_run(client: casiscan.Client) -> None:
    with pytest.raises(casiscan.NotFoundError):
        client.install_patch("admin/patches", ["bash"])
    client.add_scan(
        casiscan.Scan(
            "admin",
            "patches",
            target="127.0.0.1",
            command="available",
            provider=casiscan.ProviderKind.OS_PATCH,
        )
    )
    with pytest.raises(casiscan.ConflictError, match="not Completed"):
        client.install_patch("admin/patches", ["bash"])
    done = client.run_scan("admin/patches")
    assert done.state == casiscan.ScanState.COMPLETED, done.error_text
    with pytest.raises(casiscan.InvalidInputError, match="`casiscan-no-such-package`"):
        client.install_patch("admin/patches", ["casiscan-no-such-package"])
    with pytest.raises(casiscan.InvalidInputError, match="not both"):
        client.install_patch("admin/patches", ["bash"], all_security=True)
    with pytest.raises(casiscan.InvalidInputError, match="name the updates"):
        client.install_patch("admin/patches")
    assert client.list_scans().total == 1, "nothing queued"

    updates = json.loads(done.result)["report"]["updates"]
    if not updates:
        pytest.skip("this machine has no pending update to plan a dry run for")
    first = updates[0]
    job = client.install_patch("admin/patches", [first["name"]], dry_run=True)
    assert job.provider == casiscan.ProviderKind.PATCH_INSTALL
    assert job.state == casiscan.ScanState.PENDING
    assert job.target == "127.0.0.1"
    request = json.loads(job.command)
    assert request["dryRun"] is True
    assert request["sourceScan"] == "admin/patches"
    assert request["updates"][0]["version"] == first["candidateVersion"]
    canceled = client.cancel_scan(job.id)
    assert canceled.state == casiscan.ScanState.CANCELED


def test_install_patch_async_refuses_a_missing_scan(client: casiscan.Client) -> None:
    async def go() -> None:
        with pytest.raises(casiscan.NotFoundError):
            await client.ainstall_patch("admin/none", ["bash"], dry_run=True)

    asyncio.run(go())
