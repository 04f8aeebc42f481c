"""Eight Python threads share one Client; the interpreter is released while Rust works."""

from __future__ import annotations

import threading

import casiscan
from conftest import loopback_scan

THREADS = 8
PER_THREAD = 25
TIMEOUT_SECONDS = 60


def test_eight_threads_share_one_client_without_deadlock(client: casiscan.Client) -> None:
    errors: list[BaseException] = []
    barrier = threading.Barrier(THREADS)

    def work(t: int) -> None:
        try:
            barrier.wait(timeout=TIMEOUT_SECONDS)
            for i in range(PER_THREAD):
                sid = f"admin/t{t}-{i}"
                client.add_scan(loopback_scan(f"t{t}-{i}"))
                assert client.get_scan(sid).id == sid
                client.start_scan(sid)
                client.cancel_scan(sid)
                client.list_scans("admin", page=1, page_size=5)
        except BaseException as e:  # reported to the main thread
            errors.append(e)

    threads = [threading.Thread(target=work, args=(t,), daemon=True) for t in range(THREADS)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(TIMEOUT_SECONDS)
    assert not any(th.is_alive() for th in threads), "threads did not finish: deadlock?"
    assert errors == []
    page = client.list_scans("admin")
    assert page.total == THREADS * PER_THREAD
    assert {s.state for s in page.items} == {casiscan.ScanState.CANCELED}
