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


def test_a_forked_child_gets_a_clear_error_instead_of_a_hang(client: casiscan.Client) -> None:
    import os

    client.add_scan(loopback_scan("before-fork"))
    pid = os.fork()
    if pid == 0:  # child: the runtime's worker threads did not survive the fork
        code = 3
        try:
            client.get_scan("admin/before-fork")
        except RuntimeError as e:
            code = 0 if "forked" in str(e) else 4
        except BaseException:
            code = 5
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.WEXITSTATUS(status) == 0
    assert client.get_scan("admin/before-fork").id == "admin/before-fork"


def test_blocking_calls_release_the_interpreter(client: casiscan.Client) -> None:
    # run_worker blocks its caller for 3 s in Rust; if it held the GIL, this thread's loop
    # would stall for that long (the bound leaves room for a loaded machine's scheduling).
    worker_thread = threading.Thread(target=client.run_worker, args=(3.0,), daemon=True)
    import time

    worker_thread.start()
    last = time.monotonic()
    longest_gap = 0.0
    while worker_thread.is_alive():
        now = time.monotonic()
        longest_gap = max(longest_gap, now - last)
        last = now
    worker_thread.join(TIMEOUT_SECONDS)
    assert longest_gap < 1.5, f"the interpreter was blocked for {longest_gap:.2f} s"
