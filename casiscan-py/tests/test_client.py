"""The blocking Client API on SQLite: scans and assets round trip through the database file."""

from __future__ import annotations

import datetime
import json

import pytest

import casiscan
from conftest import loopback_scan


def test_scan_round_trips_through_a_sqlite_file(db_path: str) -> None:
    first = casiscan.Client(db_path)
    added = first.add_scan(loopback_scan("web", owner="alice"))
    assert added.id == "alice/web"
    assert added.state == casiscan.ScanState.CREATED
    assert added.provider == casiscan.ProviderKind.NMAP
    assert added.target_mode == casiscan.TargetMode.MANUAL_INPUT
    assert isinstance(added.created_time, datetime.datetime)
    assert added.created_time.tzinfo is not None

    reopened = casiscan.Client(db_path)
    got = reopened.get_scan("alice/web")
    assert got.to_dict() == added.to_dict()
    assert got.target == "127.0.0.1"
    assert got.command == "-sT -p 80"
    assert got.timeout_seconds == 3600


def test_to_dict_and_to_json_use_the_rust_json_names(client: casiscan.Client) -> None:
    scan = client.add_scan(loopback_scan("s1"))
    d = scan.to_dict()
    assert d == json.loads(scan.to_json())
    assert d["targetMode"] == "Manual Input"
    assert d["state"] == "Created"
    assert d["provider"] == "Nmap"
    assert d["timeoutSeconds"] == 3600
    assert "leaseToken" not in d


def test_list_paginates_filters_and_sorts(client: casiscan.Client) -> None:
    for i in range(5):
        client.add_scan(casiscan.Scan("admin", f"s{i}", target=f"10.0.0.{i}"))
    client.add_scan(loopback_scan("other", owner="bob"))

    everything = client.list_scans()
    assert everything.total == 6
    assert len(everything) == 6

    page = client.list_scans("admin", page=2, page_size=2, sort_field="name", sort_order="ascend")
    assert page.total == 5
    assert [s.name for s in page.items] == ["s2", "s3"]
    assert page.to_dict()["total"] == 5

    last = client.list_scans("admin", page=3, page_size=2, sort_field="name", sort_order="ascend")
    assert [s.name for s in last.items] == ["s4"]

    filtered = client.list_scans(filter=("target", "10.0.0.3"))
    assert [s.id for s in filtered.items] == ["admin/s3"]


def test_update_changes_the_configuration(client: casiscan.Client) -> None:
    scan = client.add_scan(loopback_scan("s1"))
    scan.command = "-sT -p 443"
    scan.display_name = "TLS"
    updated = client.update_scan("admin/s1", scan)
    assert updated.command == "-sT -p 443"
    assert client.get_scan("admin/s1").display_name == "TLS"


def test_state_changes_follow_the_core_table(client: casiscan.Client) -> None:
    client.add_scan(loopback_scan("s1"))
    assert client.start_scan("admin/s1").state == casiscan.ScanState.PENDING
    with pytest.raises(casiscan.ConflictError) as err:
        client.clear_scan("admin/s1")
    assert err.value.kind == "conflict"
    assert "Pending" in str(err.value)
    assert client.cancel_scan("admin/s1").state == casiscan.ScanState.CANCELED
    cleared = client.clear_scan("admin/s1")
    assert cleared.state == casiscan.ScanState.CREATED
    assert str(cleared.state) == "Created"
    assert client.list_runs("admin/s1") == []


def test_delete_removes_the_scan(client: casiscan.Client) -> None:
    client.add_scan(loopback_scan("s1"))
    client.delete_scan("admin/s1")
    with pytest.raises(casiscan.NotFoundError):
        client.get_scan("admin/s1")
    with pytest.raises(casiscan.NotFoundError):
        client.delete_scan("admin/s1", force=True)


def test_run_now_without_a_provider_reports_a_provider_error(client: casiscan.Client) -> None:
    scan = casiscan.Scan("admin", "adhoc", target="127.0.0.1", provider=casiscan.ProviderKind.OS_PATCH)
    try:
        out = client.run_now(scan)
    except casiscan.ProviderError as e:
        assert e.kind == "provider"
        assert "OS Patch" in str(e)
    else:
        assert isinstance(out.summary, str)
        assert out.to_dict()["resultSummary"] == out.summary


def test_assets_round_trip(db_path: str) -> None:
    client = casiscan.Client(db_path)
    asset = casiscan.Asset(
        "admin",
        "vm1",
        id="i-123",
        region="eu-1",
        properties={"publicIp": "198.51.100.2", "cpu": 2, "tags": ["a", "b"], "ok": True},
    )
    client.add_asset(asset)
    got = casiscan.Client(db_path).get_asset("admin/vm1")
    assert got.asset_type == "Virtual Machine"
    assert got.properties == {"publicIp": "198.51.100.2", "cpu": 2, "tags": ["a", "b"], "ok": True}
    assert got.to_dict() == json.loads(got.to_json())
    assert got.to_dict()["type"] == "Virtual Machine"

    got.tag = "prod"
    client.update_asset("admin/vm1", got)
    assert [a.tag for a in client.list_assets("admin")] == ["prod"]
    assert client.list_assets("nobody") == []
    client.delete_asset("admin/vm1")
    with pytest.raises(casiscan.NotFoundError):
        client.get_asset("admin/vm1")


def test_a_scan_of_an_asset_resolves_through_the_store(client: casiscan.Client) -> None:
    client.add_asset(casiscan.Asset("admin", "vm1", properties={"publicIp": "127.0.0.1"}))
    scan = casiscan.Scan("admin", "by-asset", target_mode=casiscan.TargetMode.ASSET, asset="vm1")
    added = client.add_scan(scan)
    assert added.target_mode == casiscan.TargetMode.ASSET
    assert [s.id for s in client.list_scans(asset="vm1").items] == ["admin/by-asset"]


def test_records_round_trip_through_their_json_and_dicts(client: casiscan.Client) -> None:
    scan = client.add_scan(loopback_scan("s1"))
    assert casiscan.Scan.from_json(scan.to_json()).to_dict() == scan.to_dict()
    assert casiscan.Scan.from_dict(scan.to_dict()).to_json() == scan.to_json()
    asset = client.add_asset(casiscan.Asset("admin", "vm1", properties={"osName": "Debian"}))
    assert casiscan.Asset.from_json(asset.to_json()).to_dict() == asset.to_dict()
    assert casiscan.Asset.from_dict(asset.to_dict()).properties == {"osName": "Debian"}


def test_a_casibase_scan_is_read_with_its_names() -> None:
    scan = casiscan.Scan.from_json(
        '{"owner":"admin","name":"scan_x","createdTime":"2025-01-02T03:04:05+08:00",'
        '"updatedTime":"2025-01-02T03:04:05+08:00","targetMode":"Asset","asset":"vm1",'
        '"provider":"OS Patch","command":"available","state":"Completed"}'
    )
    assert scan.provider == casiscan.ProviderKind.OS_PATCH
    assert scan.target_mode == casiscan.TargetMode.ASSET
    assert scan.state == casiscan.ScanState.COMPLETED
    assert scan.created_time == datetime.datetime(2025, 1, 1, 19, 4, 5, tzinfo=datetime.timezone.utc)


def test_a_scan_without_a_provider_is_created_but_cannot_start(client: casiscan.Client) -> None:
    scan = loopback_scan("noprov")
    scan.provider = None
    added = client.add_scan(scan)
    assert added.provider is None
    assert added.to_dict()["provider"] == ""
    assert added.state == casiscan.ScanState.CREATED
    with pytest.raises(casiscan.InvalidInputError, match="no provider"):
        client.start_scan("admin/noprov")
    assert client.get_scan("admin/noprov").state == casiscan.ScanState.CREATED
    fixed = client.get_scan("admin/noprov")
    fixed.provider = casiscan.ProviderKind.NMAP
    client.update_scan("admin/noprov", fixed)
    assert client.start_scan("admin/noprov").state == casiscan.ScanState.PENDING


def test_an_asset_keeps_its_login_and_reads_its_password_masked(client: casiscan.Client) -> None:
    client.add_asset(casiscan.Asset("admin", "vm1", username="root", password="s3cret"))
    got = client.get_asset("admin/vm1")
    assert (got.username, got.password) == ("root", "***")
    assert "s3cret" not in repr(got)
    # The mask written back keeps the stored password; a new one replaces it.
    got.password = "***"
    got.username = "admin"
    client.update_asset("admin/vm1", got)
    again = client.get_asset("admin/vm1")
    assert again.username == "admin"
    assert again.to_dict()["password"] == "s3cret"
    again.password = "n3w"
    client.update_asset("admin/vm1", again)
    assert client.get_asset("admin/vm1").to_dict()["password"] == "n3w"
    assert casiscan.Asset("admin", "bare").password == ""
