"""OS patch report: this Debian machine (equal to the Rust JSON of the same root), a small root
built by the test, and the committed Debian and RPM roots and recorded Windows output (the same
keys for every backend)."""

from __future__ import annotations

import asyncio
import json
import os
import pathlib
import subprocess

import pytest

import casiscan

ROOT = pathlib.Path(__file__).resolve().parents[2]
CLI = pathlib.Path(
    os.environ.get(
        "CASISCAN_BIN",
        pathlib.Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")) / "debug" / "casiscan",
    )
)
DEBIAN = pathlib.Path("/var/lib/dpkg/status").exists()


@pytest.mark.skipif(not DEBIAN, reason="not a dpkg system")
def test_this_machine_matches_the_rust_json() -> None:
    report = casiscan.os_patch_report()
    out = subprocess.run(
        [str(CLI), "ospatch", "--root", "/", "--json"], capture_output=True, check=True, timeout=120
    )
    assert report.to_dict() == json.loads(out.stdout)
    assert report.to_dict() == json.loads(report.to_json())
    assert report.summary.installed_count == len(report.installed) > 0
    assert report.summary.updates_count == len(report.updates)
    assert report.summary.security_updates_count == sum(u.is_security for u in report.updates)
    for update in report.updates:
        assert update.installed_version != update.candidate_version
        assert update.to_dict()["candidateVersion"] == update.candidate_version


def make_root(tmp_path: pathlib.Path) -> pathlib.Path:
    (tmp_path / "var/lib/dpkg").mkdir(parents=True)
    (tmp_path / "etc").mkdir()
    (tmp_path / "var/lib/dpkg/status").write_text(
        "Package: hello\nStatus: install ok installed\nArchitecture: amd64\nVersion: 2.10-3\n\n"
        "Package: gone\nStatus: deinstall ok config-files\nArchitecture: amd64\nVersion: 1.0\n"
    )
    (tmp_path / "etc/os-release").write_text('PRETTY_NAME="Test OS"\n')
    return tmp_path


def test_a_root_without_lists_reports_installed_and_warns(tmp_path: pathlib.Path) -> None:
    report = casiscan.os_patch_report(make_root(tmp_path))
    assert report.os == "Test OS"
    assert [(p.name, p.version) for p in report.installed] == [("hello", "2.10-3")]
    assert report.updates == []
    assert any("apt-get update" in w for w in report.warnings)
    assert report.reboot.required in (None, False, True)

    async def main() -> casiscan.OsPatchReport:
        return await casiscan.aos_patch_report(str(tmp_path))

    assert asyncio.run(main()).to_json() == report.to_json()


def test_a_root_without_dpkg_status_is_an_error_naming_what_was_looked_for(
    tmp_path: pathlib.Path,
) -> None:
    with pytest.raises(casiscan.ProviderError, match="var/lib/dpkg/status"):
        casiscan.os_patch_report(tmp_path)
    with pytest.raises(casiscan.CasiscanIOError, match="var/lib/dpkg/status"):
        casiscan.os_patch_report(tmp_path, backend="debian")
    with pytest.raises(casiscan.InvalidInputError, match="solaris"):
        casiscan.os_patch_report(tmp_path, backend="solaris")
    with pytest.raises(TypeError):
        casiscan.os_patch_report(3)  # type: ignore[arg-type]


TESTDATA = ROOT / "casiscan-core" / "testdata" / "ospatch"
BACKENDS = [
    (casiscan.OsPatchBackend.DEBIAN, TESTDATA / "debian"),
    (casiscan.OsPatchBackend.RPM, TESTDATA / "rpm"),
    (casiscan.OsPatchBackend.WINDOWS, TESTDATA / "windows" / "wua_full.json"),
]


@pytest.mark.parametrize(("backend", "root"), BACKENDS, ids=lambda v: str(v))
def test_every_backend_gives_typed_objects(
    backend: casiscan.OsPatchBackend, root: pathlib.Path
) -> None:
    report = casiscan.os_patch_report(root)
    assert report.backend == backend
    assert casiscan.os_patch_report(root, backend=backend).to_json() == report.to_json()
    assert casiscan.os_patch_report(root, backend=backend.value).to_json() == report.to_json()
    security = [u for u in report.updates if u.is_security]
    assert security, report
    assert report.summary.updates_count == len(report.updates)
    assert report.summary.installed_count == len(report.installed) > 0
    assert all(isinstance(p, casiscan.InstalledPackage) for p in report.installed)
    assert isinstance(report.reboot, casiscan.Reboot)
    for update in report.updates:
        assert update.to_dict()["isSecurity"] == update.is_security
    if backend == casiscan.OsPatchBackend.RPM:
        demo = next(u for u in report.updates if u.name == "demo")
        assert (demo.severity, demo.advisories) == ("Important", ["LAB-2024:0001"])
        assert demo.cve_ids == ["CVE-2024-0001", "CVE-2024-0002"]
    if backend == casiscan.OsPatchBackend.WINDOWS:
        assert security[0].kb == "KB5037782" and security[0].installed_version is None
        assert report.reboot.required is True
    if backend == casiscan.OsPatchBackend.DEBIAN:
        vim = next(u for u in report.updates if u.name == "vim")
        assert vim.held is True and not vim.is_security


def test_every_backend_has_the_same_keys() -> None:
    shapes = set()
    for _, root in BACKENDS:
        d = casiscan.os_patch_report(root).to_dict()
        shapes.add((tuple(d), tuple(d["updates"][0]), tuple(d["summary"]), tuple(d["reboot"])))
    assert len(shapes) == 1, shapes
    top = next(iter(shapes))[0]
    for key in ("backend", "os", "support", "installed", "updates", "reboot", "summary"):
        assert key in top


def test_the_async_twin_takes_the_backend() -> None:
    root = TESTDATA / "rpm"

    async def main() -> casiscan.OsPatchReport:
        return await casiscan.aos_patch_report(root, "rpm")

    assert asyncio.run(main()).to_json() == casiscan.os_patch_report(root).to_json()
