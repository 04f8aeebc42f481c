#!/usr/bin/env bash
# Re-records the nmap XML fixtures of casiscan-core/testdata/nmap/recorded/ with the real nmap.
#
# Needs root (network namespaces, raw sockets), nmap, iproute2 and python3. Touches no other host:
# it makes three network namespaces (scanner -- router -- target) joined by veth pairs, opens a few
# listeners in the target namespace and scans only the target's addresses from the scanner's.
# The namespaces and listeners are removed on exit. Run from anywhere:
#     sudo bash scripts/record-nmap-fixtures.sh
# then review `git diff --stat casiscan-core/testdata/nmap/recorded` and commit the files.
#
# What the target namespace offers (the tests check the recorded files against this list):
#   addresses 10.99.1.10-14 and fd99:1::10; 10.99.1.8, .9, .15 and .200 are in the subnet but unused
#   tcp 22 (an SSH banner), tcp 80 (HTTP with a <title>), tcp 8080 (accepts and closes);
#   udp 53 and udp 9999 (echo each datagram); every other port is closed.
set -euo pipefail
cd "$(dirname "$0")/.."
out=casiscan-core/testdata/nmap/recorded
mkdir -p "$out"
[ "$(id -u)" = 0 ] || { echo "record-nmap-fixtures: run as root" >&2; exit 1; }
command -v nmap >/dev/null || { echo "record-nmap-fixtures: nmap is not installed" >&2; exit 1; }

S=csrec-scan R=csrec-router T=csrec-target
work=$(mktemp -d)
cleanup() {
    [ -f "$work/listener.pid" ] && kill "$(cat "$work/listener.pid")" 2>/dev/null || true
    for ns in $S $R $T; do ip netns del "$ns" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
cleanup_only_ns() { for ns in $S $R $T; do ip netns del "$ns" 2>/dev/null || true; done; }
cleanup_only_ns

nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
for ns in $S $R $T; do ip netns add "$ns"; nsx "$ns" ip link set lo up; done
ip link add s0 netns $S type veth peer name r0 netns $R
ip link add r1 netns $R type veth peer name t0 netns $T
nsx $S ip addr add 10.99.0.1/24 dev s0
nsx $S ip -6 addr add fd99:0::1/64 dev s0 nodad
nsx $R ip addr add 10.99.0.2/24 dev r0
nsx $R ip -6 addr add fd99:0::2/64 dev r0 nodad
nsx $R ip addr add 10.99.1.1/24 dev r1
nsx $R ip -6 addr add fd99:1::1/64 dev r1 nodad
for a in 10 11 12 13 14; do nsx $T ip addr add 10.99.1.$a/24 dev t0; done
nsx $T ip -6 addr add fd99:1::10/64 dev t0 nodad
for ns in $S $R $T; do nsx "$ns" sh -c 'for l in $(ls /sys/class/net); do ip link set "$l" up; done'; done
nsx $S ip route add default via 10.99.0.2
nsx $S ip -6 route add default via fd99:0::2
nsx $T ip route add default via 10.99.1.1
nsx $T ip -6 route add default via fd99:1::1
nsx $R sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1

cat > "$work/listen.py" <<'EOF'
import socket, threading
def serve_tcp(port, reply):
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("::", port)); s.listen(64)
    while True:
        c, _ = s.accept()
        def talk(c=c):
            try:
                c.settimeout(5)
                if port == 80:
                    c.recv(4096)
                c.sendall(reply)
            except OSError:
                pass
            finally:
                c.close()
        threading.Thread(target=talk, daemon=True).start()
def serve_udp(port):
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(("::", port))
    while True:
        data, peer = s.recvfrom(65535)
        s.sendto(data, peer)
page = b"<html><head><title>casiscan fixture</title></head><body>ok</body></html>"
http = (b"HTTP/1.0 200 OK\r\nServer: casiscan-fixture/1.0\r\nContent-Type: text/html\r\n"
        b"Content-Length: %d\r\n\r\n%s" % (len(page), page))
for args in [(22, b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n"), (80, http), (8080, b"")]:
    threading.Thread(target=serve_tcp, args=args, daemon=True).start()
for port in (53, 9999):
    threading.Thread(target=serve_udp, args=(port,), daemon=True).start()
threading.Event().wait()
EOF
ip netns exec $T python3 "$work/listen.py" >/dev/null 2>&1 &
echo $! > "$work/listener.pid"
sleep 1

scan() {
    local name=$1; shift
    echo "== $name: nmap $*"
    nsx $S nmap "$@" -oX "$out/$name.xml" >/dev/null
}
scan connect -v -sT -Pn -p 21-23,79-81,443,8080 10.99.1.10
scan version -sT -sV -p 22,80 10.99.1.10
scan udp -sU -p 53,9999,10000 10.99.1.10
scan ipv6 -6 -sT -p 22,80,81 fd99:1::10
scan script -sT -p 22,80 --script banner,http-title 10.99.1.10
scan traceroute -sS -p 80 --traceroute 10.99.1.10
scan os -O -p 22,80,81 10.99.1.10
scan multi -v -sS -sU -sV -p T:22,80,8080,81,U:53,10000 10.99.1.10-14
scan sweep -v -sn 10.99.1.8-15
scan down -sn 10.99.1.200
scan down-verbose -v -sn 10.99.1.200
scan list -sL 10.99.1.8/29
echo "== recorded into $out:"
ls -l "$out"
