"""nmap XML: real public fixtures, typed attribute access, streaming, and equality with the
Rust JSON of the same file (the `casiscan parse-nmap` command of the same build)."""

from __future__ import annotations

import json
import os
import pathlib
import re
import subprocess

import pytest

import casiscan

ROOT = pathlib.Path(__file__).resolve().parents[2]
# The repository's own fixtures (copied permissive files and scans recorded by
# scripts/record-nmap-fixtures.sh; see their NOTICE): no ../shared needed.
FIXTURES = ROOT / "casiscan-core" / "testdata" / "nmap"
CLI = pathlib.Path(
    os.environ.get(
        "CASISCAN_BIN",
        pathlib.Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")) / "debug" / "casiscan",
    )
)
FILES = sorted(FIXTURES.rglob("*.xml"))
BANNER = FIXTURES / "python-libnmap" / "1_os_banner_scripts.xml"
# python-libnmap's XXE probes: their root is not <nmaprun>, so they must be refused.
NOT_NMAP = {"defused_et_included.xml", "defused_et_local_includer.xml"}
# Hand-written ports without a protocol: refused strictly, read leniently with warnings.
BREAKS_DTD = {"scan_invalid_services.xml"}


def test_the_public_fixtures_are_there() -> None:
    assert len(FILES) == 48, f"expected the 48 nmap fixtures under {FIXTURES}"


def rust_json(path: pathlib.Path, lenient: bool = False) -> object:
    assert CLI.exists(), f"build the CLI first (cargo build -p casiscan-examples): {CLI}"
    args = [str(CLI), "parse-nmap", *(["--lenient"] if lenient else []), str(path)]
    out = subprocess.run(args, capture_output=True, check=True, timeout=60)
    return json.loads(out.stdout)


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_fixture_parses_and_to_dict_equals_the_rust_json(path: pathlib.Path) -> None:
    if path.name in NOT_NMAP:
        with pytest.raises(casiscan.ParseError, match="not nmap XML"):
            casiscan.parse_nmap(path)
        return
    lenient = path.name in BREAKS_DTD
    if lenient:
        with pytest.raises(casiscan.ParseError, match="<port> attribute protocol") as info:
            casiscan.parse_nmap(path)
        assert info.value.line is not None and info.value.column is not None
    run = casiscan.parse_nmap(path, lenient=lenient)
    assert bool(run.warnings) == lenient
    assert run.to_dict() == rust_json(path, lenient)
    assert run.to_dict() == json.loads(run.to_json())

    # An independent count of what the document holds (start tags of <host> and <port>).
    text = path.read_bytes()
    hosts = len(re.findall(rb"<host[\s>]", text))
    ports = len(re.findall(rb"<port[\s>]", text))
    if not run.incomplete:
        assert len(run.hosts) == hosts
        assert sum(len(h.ports) for h in run.hosts) == ports


def test_bytes_str_and_path_give_the_same_run() -> None:
    by_path = casiscan.parse_nmap(BANNER)
    assert casiscan.parse_nmap(BANNER.read_bytes()).to_json() == by_path.to_json()
    assert casiscan.parse_nmap(BANNER.read_text(encoding="utf-8")).to_json() == by_path.to_json()


def test_typed_attributes_reach_the_service() -> None:
    run = casiscan.parse_nmap(BANNER)
    assert run.scanner == "nmap"
    assert run.incomplete is False
    host = run.hosts[0]
    assert host.status is not None and host.status.state == "up"
    assert host.addresses[0].addrtype == "ipv4"
    port = host.ports[0]
    assert (port.portid, port.protocol) == (22, "tcp")
    assert port.state is not None and port.state.state == "open"
    assert port.service is not None
    assert port.service.name == "ssh"
    assert port.service.product == "OpenSSH"
    assert port.to_dict() == host.to_dict()["ports"][0]
    assert port.service.to_dict() == host.to_dict()["ports"][0]["service"]
    assert host.os is None or isinstance(host.os, dict)
    runstats = run.runstats
    assert runstats is not None and runstats["hosts"]["up"] == 1


def test_streaming_yields_the_same_hosts_then_the_trailer() -> None:
    path = FIXTURES / "python-libnmap" / "2_hosts.xml"
    whole = casiscan.parse_nmap(path)
    it = casiscan.iter_nmap_hosts(path)
    streamed = [h.to_dict() for h in it]
    assert streamed == [h.to_dict() for h in whole.hosts]
    assert it.run.runstats == whole.runstats
    assert it.run.scanner == "nmap"
    assert list(it) == []


def test_an_interrupted_scan_keeps_complete_hosts_and_is_flagged(tmp_path: pathlib.Path) -> None:
    # A real 5-host scan killed inside its fourth host.
    whole = (FIXTURES / "recorded" / "multi.xml").read_bytes()
    hosts = [m.start() for m in re.finditer(rb"<host[\s>]", whole)]
    assert len(hosts) == 5
    cut = tmp_path / "cut.xml"
    cut.write_bytes(whole[: hosts[3] + (hosts[4] - hosts[3]) // 2])
    run = casiscan.parse_nmap(cut)
    assert run.incomplete is True
    assert len(run.hosts) == 3
    assert run.runstats is None
    it = casiscan.iter_nmap_hosts(cut)
    assert len(list(it)) == len(run.hosts)
    assert it.run.incomplete is True


def test_malformed_xml_is_a_parse_error_with_its_position() -> None:
    with pytest.raises(casiscan.ParseError) as err:
        casiscan.parse_nmap('<nmaprun scanner="nmap">\n<host>\n</nmaprun>')
    assert err.value.kind == "parse"
    assert (err.value.line, err.value.column) == (3, 1)
    assert "expected `</host>`" in str(err.value)
    with pytest.raises(casiscan.ParseError, match="no <nmaprun> element"):
        casiscan.parse_nmap(b"not xml at all")


def test_missing_file_is_an_io_error() -> None:
    with pytest.raises(casiscan.CasiscanIOError, match="No such file"):
        casiscan.parse_nmap(pathlib.Path("/nonexistent/scan.xml"))
    with pytest.raises(casiscan.CasiscanIOError):
        casiscan.iter_nmap_hosts("/nonexistent/scan.xml")


def test_wrong_types_and_unencodable_text() -> None:
    with pytest.raises(TypeError):
        casiscan.parse_nmap(42)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        casiscan.iter_nmap_hosts(42)  # type: ignore[arg-type]
    with pytest.raises(UnicodeEncodeError):
        casiscan.parse_nmap('<nmaprun scanner="\udcff"/>')


def test_non_utf8_bytes_are_decoded_not_rejected() -> None:
    # nmap writes non-ASCII bytes one by one; the core keeps them rather than failing the file.
    run = casiscan.parse_nmap(
        b'<nmaprun scanner="nmap"><host><address addr="10.0.0.1" addrtype="ipv4"/>'
        b'<hostnames><hostname name="caf\xe9" type="PTR"/></hostnames></host></nmaprun>'
    )
    assert run.hosts[0].hostnames[0].name == "caf\u00e9"


def test_the_coroutine_twin_parses_the_same_run() -> None:
    import asyncio

    async def main() -> list[str]:
        runs = await asyncio.gather(
            casiscan.aparse_nmap(BANNER),
            casiscan.aparse_nmap(BANNER.read_bytes()),
            casiscan.aparse_nmap(BANNER.read_text(encoding="utf-8")),
        )
        with pytest.raises(casiscan.ParseError):
            await casiscan.aparse_nmap(b"<nmaprun><host></nmaprun>")
        with pytest.raises(TypeError):
            await casiscan.aparse_nmap(1.5)  # type: ignore[arg-type]
        return [r.to_json() for r in runs]

    assert set(asyncio.run(main())) == {casiscan.parse_nmap(BANNER).to_json()}


def test_diff_reports_every_change_like_the_cli() -> None:
    before = casiscan.parse_nmap(FIXTURES / "diff" / "before.xml")
    after = casiscan.parse_nmap(FIXTURES / "diff" / "after.xml")
    d = before.diff(after)
    assert [h["changes"] for h in d["hosts"]] == [["extraports", "ports", "scripts"]]
    ports = {p["portid"]: p for p in d["hosts"][0]["ports"]}
    assert ports[18080]["after"] is None and ports[18080]["scanned_after"] is False
    assert ports[18022]["scripts"][0]["after"] == "SSH-2.0-casiscan_B"
    assert before.diff(before) == {
        "run": [],
        "prescripts": [],
        "hosts": [],
        "unchanged": 1,
        "postscripts": [],
    }
    out = subprocess.run(
        [str(CLI), "diff", "--text", str(FIXTURES / "diff" / "before.xml"),
         str(FIXTURES / "diff" / "after.xml")],
        capture_output=True, timeout=60,
    )
    assert out.returncode == 1
    assert out.stdout.decode() == before.diff_text(after)
    assert "+|_ banner: SSH-2.0-casiscan_B" in before.diff_text(after)


def test_lenient_parsing_lists_what_it_dropped() -> None:
    doc = '<nmaprun><host><ports><port protocol="tcp" portid="A2"><state state="open"/></port></ports></host></nmaprun>'
    with pytest.raises(casiscan.ParseError, match="portid") as info:
        casiscan.parse_nmap(doc)
    assert (info.value.line, info.value.column) == (1, 44)
    run = casiscan.parse_nmap(doc, lenient=True)
    assert run.hosts[0].ports[0].portid is None
    [w] = run.warnings
    assert (w["element"], w["attribute"], w["value"], w["problem"]) == ("port", "portid", "A2", "not_a_number")


def test_host_conveniences() -> None:
    run = casiscan.parse_nmap(FIXTURES / "diff" / "after.xml")
    [host] = run.hosts_up
    assert host.is_up()
    assert [p.portid for p in host.open_ports()] == [18022, 18081]
    ssh = host.service(18022)
    assert ssh is not None and ssh.name == "ssh"
    assert host.service(18022, "udp") is None
    assert host.service(1) is None
    assert host.mac is None
    mac_run = casiscan.parse_nmap(FIXTURES / "python-libnmap" / "diff_1_host_ping_mac_changed.xml")
    assert any(h.mac for h in mac_run.hosts)
    down = casiscan.parse_nmap(FIXTURES / "recorded" / "down.xml")
    assert down.hosts_up == [] and not any(h.is_up() for h in down.hosts)
