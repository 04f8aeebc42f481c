#!/usr/bin/env bash
# Records the pair of nmap scans in casiscan-core/testdata/nmap/diff/ (read by
# casiscan-core/tests/nmap_diff.rs): the same loopback target scanned twice, with listeners and
# scripts changed in between. Needs nmap and python3; touches only 127.0.0.1 ports 18000-18100.
#   before: tcp 18022 (banner A), 18080 (HTTP, title A); ports 18000-18100; banner,http-title
#   after:  tcp 18022 (banner B), 18081 (HTTP, title B); ports 18000-18050,18081; + fcrdns
# (with -sV, so 18022 becomes ssh) so that a service and its banner change, a port is no longer scanned (unknown), a port appears, a
# host script appears, the scan arguments, times and port counts change.
set -euo pipefail
cd "$(dirname "$0")/.."
out=casiscan-core/testdata/nmap/diff
mkdir -p "$out"
listen() { # $1 banner, then ports
    local banner=$1; shift
    python3 - "$banner" "$@" >/dev/null 2>&1 <<'PY' &
import socket, sys, threading, time
banner = sys.argv[1].encode() + b"\r\n"
page = b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n<title>" + sys.argv[1].encode() + b"</title>"
def handle(c, port):
    try:
        if port == 18022:
            c.sendall(banner); time.sleep(2)
        else:
            c.settimeout(5); c.recv(4096); c.sendall(page)
    except OSError:
        pass
    finally:
        c.close()
def serve(port):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port)); s.listen(16)
    while True:
        c, _ = s.accept()
        threading.Thread(target=handle, args=(c, port), daemon=True).start()
threads = [threading.Thread(target=serve, args=(p,), daemon=True) for p in [18022] + [int(p) for p in sys.argv[2:]]]
for t in threads: t.start()
threading.Event().wait()
PY
    echo $!
}
pid=$(listen "SSH-2.0-casiscan_A" 18080); sleep 1
nmap -sT -p 18000-18100 --script banner,http-title -oX "$out/before.xml" 127.0.0.1 >/dev/null
kill "$pid"; sleep 1
pid=$(listen "SSH-2.0-casiscan_B" 18081); sleep 1
nmap -sT -sV --version-light -p 18000-18050,18081 --script banner,http-title,fcrdns -oX "$out/after.xml" 127.0.0.1 >/dev/null
kill "$pid"
