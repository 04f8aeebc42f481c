"""The core's worker, started from Python, runs a real nmap scan of a port this test opens."""

from __future__ import annotations

import asyncio
import shutil
import socket
import time
from collections.abc import Iterator

import pytest

import casiscan

pytestmark = pytest.mark.skipif(shutil.which("nmap") is None, reason="nmap is not installed")


@pytest.fixture
def listener() -> Iterator[int]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    try:
        yield sock.getsockname()[1]
    finally:
        sock.close()


def wait_until_done(client: casiscan.Client, sid: str, seconds: float = 90) -> casiscan.Scan:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        scan = client.get_scan(sid)
        if scan.state in (casiscan.ScanState.COMPLETED, casiscan.ScanState.FAILED):
            return scan
        time.sleep(0.1)
    raise AssertionError(f"{sid} still {client.get_scan(sid).state} after {seconds} s")


def test_a_started_worker_runs_a_pending_nmap_scan(db_path: str, listener: int) -> None:
    client = casiscan.Client(db_path, runner_name="py-worker")
    scan = client.add_scan(casiscan.Scan("admin", "w1", target="127.0.0.1", command=f"-sT -p {listener}"))
    client.start_scan(scan.id)
    worker = client.start_worker(concurrency=2)
    try:
        assert worker.running
        done = wait_until_done(client, scan.id)
    finally:
        worker.stop()
        assert worker.wait(timeout=30)
    assert not worker.running
    assert done.state == casiscan.ScanState.COMPLETED, done.error_text
    assert done.runner == "py-worker"
    assert done.result_summary == "1 ports found"
    runs = client.list_runs(scan.id)
    assert [r.state for r in runs] == [casiscan.ScanState.COMPLETED]


def test_run_worker_for_a_while_and_its_coroutine_twin(db_path: str, listener: int) -> None:
    client = casiscan.Client(db_path)
    for name in ("r1", "r2"):
        client.add_scan(casiscan.Scan("admin", name, target="127.0.0.1", command=f"-sT -p {listener}"))
    client.start_scan("admin/r1")
    client.run_worker(0.5)
    # Done in time, or released back to the queue when the worker stopped: never stuck Running.
    assert client.get_scan("admin/r1").state in (
        casiscan.ScanState.COMPLETED,
        casiscan.ScanState.PENDING,
    )

    client.start_scan("admin/r2")

    async def main() -> None:
        await client.arun_worker(0.5)

    asyncio.run(main())
    # Whatever a stopped worker did not finish went back to the queue; a last run finishes it.
    worker = client.start_worker()
    try:
        for sid in ("admin/r1", "admin/r2"):
            assert wait_until_done(client, sid).state == casiscan.ScanState.COMPLETED
    finally:
        worker.stop()
        worker.wait()


def test_run_now_runs_the_real_nmap(client: casiscan.Client, listener: int) -> None:
    out = client.run_now(casiscan.Scan("admin", "adhoc", target="127.0.0.1", command=f"-sT -p {listener}"))
    assert out.summary == "1 ports found"
    assert "nmap" in out.result
    assert out.to_dict()["resultSummary"] == out.summary
