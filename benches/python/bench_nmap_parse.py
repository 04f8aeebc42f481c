#!/usr/bin/env python3
"""Times casiscan's Python nmap parser against python-libnmap on one file.

Each peer runs in its own child process (same interpreter) so peak RSS figures do not mix: the
library is imported first (not timed), then the file is parsed --repeat times from its path
(read + parse + build the objects) and the median is reported with the child's peak RSS
(ru_maxrss) and the host/port counts it found. One JSON line per peer on stdout; --markdown
prints a table on stderr.

    python bench_nmap_parse.py FILE [--repeat 3] [--peers casiscan,python-libnmap] [--markdown]

"casiscan-stream" collects the streamed hosts into a list inside the timed step (so the figure
includes creating one Python object per host); its peak RSS is therefore not the streaming one:
run `--peers casiscan-stream-count` for the constant-memory figure.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import time

PEERS = ["casiscan", "casiscan-bytes", "casiscan-stream-count", "python-libnmap"]


def child(peer: str, path: str, repeat: int) -> dict[str, object]:
    """Runs in the child: import, parse `repeat` times, count, report."""
    import resource

    # parse(): the timed step, returning what it built; count(): hosts and ports in it,
    # timed separately ("walk": creating the Python objects for every host and port).
    if peer.startswith("casiscan"):
        import casiscan

        version = casiscan.__version__

        def count(result: object) -> tuple[int, int]:
            hosts = list(result.hosts if hasattr(result, "hosts") else result)  # type: ignore[attr-defined]
            return len(hosts), sum(len(h.ports) for h in hosts)

        if peer == "casiscan":
            def parse() -> object:
                return casiscan.parse_nmap(pathlib.Path(path))
        elif peer == "casiscan-bytes":
            def parse() -> object:
                with open(path, "rb") as f:
                    return casiscan.parse_nmap(f.read())
        elif peer == "casiscan-stream-count":
            def parse() -> object:
                hosts = ports = 0
                for h in casiscan.iter_nmap_hosts(path):
                    hosts += 1
                    ports += len(h.ports)
                return (hosts, ports)

            def count(result: object) -> tuple[int, int]:
                return result  # type: ignore[return-value]
        else:
            def parse() -> object:
                return list(casiscan.iter_nmap_hosts(path))

            def count(result: object) -> tuple[int, int]:
                return len(result), sum(len(h.ports) for h in result)  # type: ignore[arg-type]
    elif peer == "python-libnmap":
        from importlib.metadata import version as dist_version

        from libnmap.parser import NmapParser

        version = dist_version("python-libnmap")

        def parse() -> object:
            return NmapParser.parse_fromfile(path)

        def count(result: object) -> tuple[int, int]:
            hosts = result.hosts  # type: ignore[attr-defined]
            return len(hosts), sum(len(h.services) for h in hosts)
    else:
        raise SystemExit(f"unknown peer {peer}")

    runs = []
    walks = []
    counts = (0, 0)
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = parse()
        t1 = time.perf_counter()
        counts = count(result)
        walks.append(time.perf_counter() - t1)
        runs.append(t1 - t0)
        del result
    size_mb = os.path.getsize(path) / 1e6
    seconds = statistics.median(runs)
    return {
        "peer": peer,
        "version": version,
        "seconds": round(seconds, 4),
        "runs": [round(r, 4) for r in runs],
        "walk_seconds": round(statistics.median(walks), 4),
        "mb_per_s": round(size_mb / seconds, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3, 1),
        "hosts": counts[0],
        "ports": counts[1],
        "file_mb": round(size_mb, 2),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--peers", default=",".join(PEERS))
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.child:
        print(json.dumps(child(args.child, args.file, args.repeat)))
        return

    rows = []
    for peer in args.peers.split(","):
        proc = subprocess.run(
            [sys.executable, __file__, args.file, "--repeat", str(args.repeat), "--child", peer],
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            row: dict[str, object] = {"peer": peer, "error": proc.stderr.strip().splitlines()[-1:]}
        else:
            row = json.loads(proc.stdout.strip().splitlines()[-1])
        rows.append(row)
        print(json.dumps(row), flush=True)

    if args.markdown:
        print("| peer | median s | MB/s | walk s | peak RSS MB | hosts | ports |", file=sys.stderr)
        print("|---|---:|---:|---:|---:|---:|---:|", file=sys.stderr)
        for r in rows:
            if "error" in r:
                print(f"| {r['peer']} | error: {r['error']} | | | | | |", file=sys.stderr)
            else:
                print(
                    f"| {r['peer']} | {r['seconds']} | {r['mb_per_s']} | {r['walk_seconds']} "
                    f"| {r['peak_rss_mb']} "
                    f"| {r['hosts']} | {r['ports']} |",
                    file=sys.stderr,
                )


if __name__ == "__main__":
    main()
