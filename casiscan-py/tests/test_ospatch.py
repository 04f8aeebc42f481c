"""OS patch report: this Debian machine (equal to the Rust JSON of the same root) and a small
root built by the test."""

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


def test_a_root_without_dpkg_status_is_an_io_error(tmp_path: pathlib.Path) -> None:
    with pytest.raises(casiscan.CasiscanIOError, match="var/lib/dpkg/status"):
        casiscan.os_patch_report(tmp_path)
    with pytest.raises(TypeError):
        casiscan.os_patch_report(3)  # type: ignore[arg-type]
