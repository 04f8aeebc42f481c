"""python-libnmap-style conveniences (issue 20): banner, OS by accuracy, lastboot, CPE objects,
value equality, from_json, <host>/<port> fragments, import of an nmap file as a run, and the
run API's progress and per-host callbacks on a real nmap scan of a port this test opens."""

from __future__ import annotations

import asyncio
import pathlib
import shutil
import socket
from collections.abc import Iterator

import pytest

import casiscan

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "casiscan-core" / "testdata" / "nmap"
BANNER = FIXTURES / "python-libnmap" / "1_os_banner_scripts.xml"
VERSIONS = FIXTURES / "python-libnmap" / "2_hosts_version.xml"
DIONAEA = FIXTURES / "python-libnmap" / "dionaea_scan.xml"

PORT = (
    '<port protocol="tcp" portid="22"><state state="open" reason="syn-ack"/>'
    '<service name="ssh" product="OpenSSH" version="8.2p1" extrainfo="Ubuntu" method="probed" conf="10">'
    "<cpe>cpe:/a:openbsd:openssh:8.2p1</cpe></service></port>"
)


def test_banner_is_what_version_detection_read() -> None:
    host = casiscan.parse_nmap(BANNER).hosts[0]
    ssh = host.service(22)
    assert ssh is not None
    assert ssh.banner == "product: OpenSSH version: 5.3 extrainfo: protocol 2.0"
    port = casiscan.NmapPort.from_xml(PORT.replace('method="probed"', 'method="table"'))
    assert port.service is not None and port.service.banner == ""


def test_os_matches_and_classes_come_most_accurate_first() -> None:
    hosts = [h for h in casiscan.parse_nmap(VERSIONS).hosts if h.os_matches]
    assert hosts
    for host in hosts:
        accuracies = [m.accuracy or 0 for m in host.os_matches]
        assert accuracies == sorted(accuracies, reverse=True)
        classes = [c.accuracy or 0 for c in host.os_classes]
        assert classes == sorted(classes, reverse=True)
        assert len(host.os_matches) == len((host.os or {}).get("osmatches", []))
    first = hosts[0]
    assert first.os_matches[0].name is not None
    assert first.os_classes[0].type is not None


def test_lastboot_is_nmaps_text() -> None:
    booted = [h.lastboot for h in casiscan.parse_nmap(VERSIONS).hosts if h.lastboot]
    assert "Sun Feb 24 21:09:58 2013" in booted
    assert casiscan.parse_nmap(FIXTURES / "diff" / "after.xml").hosts[0].lastboot is None


def test_cpe_objects_in_both_bindings() -> None:
    uri = casiscan.Cpe("cpe:/a:openbsd:openssh:8.2p1")
    fs = casiscan.Cpe("cpe:2.3:a:openbsd:openssh:8.2p1:*:*:*:*:*:*:*")
    for c in (uri, fs):
        assert (c.part, c.vendor, c.product, c.version) == ("a", "openbsd", "openssh", "8.2p1")
        assert c.is_application() and not c.is_operating_system() and not c.is_hardware()
        assert c.update is None
    assert uri == fs and hash(uri) == hash(fs) and str(uri) == "cpe:/a:openbsd:openssh:8.2p1"
    assert casiscan.Cpe("cpe:/o:linux:linux_kernel").is_operating_system()
    with pytest.raises(casiscan.InvalidInputError):
        casiscan.Cpe("not a cpe")
    services = [p.service for h in casiscan.parse_nmap(DIONAEA).hosts for p in h.ports if p.service]
    cpes = [c for s in services for c in s.cpe_list]
    assert any(c.vendor == "mysql" and c.product == "mysql" and c.version == "5.7.16" for c in cpes)


def test_two_parses_of_one_file_are_equal_values() -> None:
    a, b = casiscan.parse_nmap(VERSIONS), casiscan.parse_nmap(VERSIONS.read_bytes())
    assert a == b and hash(a) == hash(b)
    assert a.hosts == b.hosts and hash(a.hosts[0]) == hash(b.hosts[0])
    assert a.hosts[0].ports == b.hosts[0].ports
    assert a.hosts[0].addresses == b.hosts[0].addresses
    assert {a, b} == {a}
    other = casiscan.parse_nmap(BANNER)
    assert a != other and a.hosts[0] != other.hosts[0]
    assert a != "not a run"


def test_from_json_round_trips() -> None:
    run = casiscan.parse_nmap(VERSIONS)
    assert casiscan.NmapRun.from_json(run.to_json()) == run
    with pytest.raises(casiscan.InvalidInputError):
        casiscan.NmapRun.from_json("{not json")


def test_host_and_port_fragments() -> None:
    port = casiscan.NmapPort.from_xml(PORT)
    assert (port.portid, port.protocol) == (22, "tcp")
    assert port.service is not None and port.service.cpe_list[0].product == "openssh"
    host = casiscan.NmapHost.from_xml(
        f'<host><status state="up" reason="syn-ack"/><address addr="10.0.0.1" addrtype="ipv4"/>'
        f"<ports>{PORT}</ports></host>".encode()
    )
    assert host.is_up() and host.ports == [port]
    run_host = casiscan.parse_nmap(BANNER).hosts[0]
    assert casiscan.NmapHost.from_xml(_host_xml(BANNER)) == run_host
    with pytest.raises(casiscan.InvalidInputError):
        casiscan.NmapPort.from_xml(PORT + PORT)
    with pytest.raises(casiscan.ParseError):
        casiscan.NmapHost.from_xml("<host><<")


def _host_xml(path: pathlib.Path) -> bytes:
    text = path.read_bytes()
    start = text.index(b"<host ") if b"<host " in text else text.index(b"<host>")
    return text[start : text.index(b"</host>") + len(b"</host>")]


def test_import_an_nmap_file_as_a_run(client: casiscan.Client) -> None:
    client.add_scan(casiscan.Scan("admin", "imp", target="127.0.0.1", command="-p 22"))
    with pytest.raises(casiscan.ParseError):
        client.import_nmap_run("admin/imp", b"<nmaprun><host><<<")
    assert client.list_runs("admin/imp") == []
    scan = client.import_nmap_run("admin/imp", (FIXTURES / "diff" / "before.xml").read_bytes())
    assert scan.state == casiscan.ScanState.COMPLETED
    scan = asyncio.run(
        client.aimport_nmap_run("admin/imp", (FIXTURES / "diff" / "after.xml").read_text())
    )
    runs = client.list_runs("admin/imp")
    assert [r.imported for r in runs] == [True, True]
    assert runs[1].runner == "(import)"
    client.start_scan("admin/imp")
    with pytest.raises(casiscan.ConflictError):
        client.import_nmap_run("admin/imp", (FIXTURES / "diff" / "before.xml").read_bytes())


needs_nmap = pytest.mark.skipif(shutil.which("nmap") is None, reason="nmap is not installed")


@pytest.fixture
def listener() -> Iterator[int]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    try:
        yield sock.getsockname()[1]
    finally:
        sock.close()


@needs_nmap
def test_run_callbacks_see_progress_and_each_host(client: casiscan.Client, listener: int) -> None:
    progress: list[tuple[float | None, str]] = []
    hosts: list[casiscan.NmapHost] = []
    scan = casiscan.Scan("admin", "cb", target="127.0.0.1", command=f"-sT -p {listener}")
    out = client.run_now(
        scan, on_progress=lambda pct, phase: progress.append((pct, phase)), on_host=hosts.append
    )
    assert out.summary == "1 ports found"
    assert len(hosts) == 1 and hosts[0].is_up()
    assert [p.portid for p in hosts[0].open_ports()] == [listener]
    assert progress and all(isinstance(phase, str) for _, phase in progress)


@needs_nmap
def test_a_raising_callback_cancels_the_run_and_is_raised(
    client: casiscan.Client, listener: int
) -> None:
    def boom(host: casiscan.NmapHost) -> None:
        raise RuntimeError("stop here")

    scan = casiscan.Scan("admin", "cb", target="127.0.0.1", command=f"-sT -p {listener}")
    with pytest.raises(RuntimeError, match="stop here"):
        client.run_now(scan, on_host=boom)


@needs_nmap
def test_async_callbacks_run_on_the_event_loop(client: casiscan.Client, listener: int) -> None:
    async def main() -> tuple[list[int], list[casiscan.NmapHost]]:
        loop = asyncio.get_running_loop()
        seen_threads: list[int] = []
        hosts: list[casiscan.NmapHost] = []

        def on_host(host: casiscan.NmapHost) -> None:
            seen_threads.append(id(asyncio.get_running_loop()))
            hosts.append(host)

        client.add_scan(casiscan.Scan("admin", "acb", target="127.0.0.1", command=f"-sT -p {listener}"))
        done = await client.arun_scan("admin/acb", on_host=on_host, on_progress=lambda p, s: None)
        await asyncio.sleep(0)
        assert done.state == casiscan.ScanState.COMPLETED
        assert all(t == id(loop) for t in seen_threads)
        return seen_threads, hosts

    threads, hosts = asyncio.run(main())
    assert len(hosts) == 1 and len(threads) == 1
