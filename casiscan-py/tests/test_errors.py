"""Exception classes: one per core error kind, carrying the Rust message; wrong input types."""

from __future__ import annotations

from pathlib import Path

import pytest

import casiscan
from casiscan import exceptions
from conftest import loopback_scan

HOSTILE_TABLE = (
    Path(__file__).resolve().parents[2] / "casiscan-core" / "tests" / "data" / "hostile_nmap_commands.txt"
)


def hostile_commands() -> list[str]:
    """The shared table of nmap option bypasses casiscan must refuse (issue 23)."""
    lines = HOSTILE_TABLE.read_text(encoding="utf-8").splitlines()
    return [line.replace("{SECRET}", "/etc/passwd") for line in lines if line and not line.startswith("#")]

KINDS = {
    casiscan.InvalidInputError: "invalid_input",
    casiscan.NotFoundError: "not_found",
    casiscan.ConflictError: "conflict",
    casiscan.ParseError: "parse",
    casiscan.ProviderError: "provider",
    casiscan.StorageError: "storage",
    casiscan.AuthError: "auth",
    casiscan.ForbiddenError: "forbidden",
    casiscan.CanceledError: "canceled",
    casiscan.CasiscanIOError: "io",
}


def test_every_class_derives_from_the_base_and_names_its_kind() -> None:
    assert issubclass(casiscan.CasiscanError, Exception)
    assert casiscan.CasiscanError.kind is None
    for cls, kind in KINDS.items():
        assert issubclass(cls, casiscan.CasiscanError)
        assert cls.kind == kind
        assert cls.__module__ == "casiscan"
        assert getattr(exceptions, cls.__name__) is cls
    assert set(KINDS) == set(casiscan.CasiscanError.__subclasses__())


def test_not_found_carries_the_rust_message(client: casiscan.Client) -> None:
    with pytest.raises(casiscan.NotFoundError) as err:
        client.get_scan("admin/missing")
    assert str(err.value) == "scan admin/missing not found"
    assert err.value.kind == "not_found"


def test_invalid_id_is_invalid_input_with_the_rust_message(client: casiscan.Client) -> None:
    with pytest.raises(casiscan.InvalidInputError) as err:
        client.get_scan("a/b/c")
    assert str(err.value) == (
        "invalid id `a/b/c`: expected `owner/name` with exactly two non-empty parts"
    )


def test_duplicate_add_is_a_conflict(client: casiscan.Client) -> None:
    client.add_scan(loopback_scan("s1"))
    with pytest.raises(casiscan.ConflictError):
        client.add_scan(loopback_scan("s1"))


def test_invalid_target_and_query_are_invalid_input(client: casiscan.Client) -> None:
    with pytest.raises(casiscan.InvalidInputError):
        client.add_scan(casiscan.Scan("admin", "bad", target="-oN /etc/passwd"))
    with pytest.raises(casiscan.InvalidInputError):
        client.list_scans(sort_field="password")
    with pytest.raises(casiscan.InvalidInputError):
        client.list_scans(page=0, page_size=10)


def test_every_nmap_option_bypass_is_refused(client: casiscan.Client) -> None:
    commands = hostile_commands()
    assert len(commands) >= 80
    for i, command in enumerate(commands):
        with pytest.raises(casiscan.InvalidInputError, match="nmap"):
            client.add_scan(casiscan.Scan("admin", f"evil{i}", target="127.0.0.1", command=command))
    for target, command in [("0.0.0.0/0", "-sL -n"), ("127.0.0.1", "--script exploit")]:
        with pytest.raises(casiscan.InvalidInputError):
            client.add_scan(casiscan.Scan("admin", "wide", target=target, command=command))
    assert client.list_scans(page=1, page_size=10).total == 0


def test_unopenable_database_is_a_storage_error(tmp_path: object) -> None:
    with pytest.raises(casiscan.StorageError) as err:
        casiscan.Client(str(tmp_path))  # a directory, not a database file
    assert err.value.kind == "storage"



def test_wrong_types_raise_type_error(client: casiscan.Client) -> None:
    with pytest.raises(TypeError):
        client.get_scan(42)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        client.add_scan({"owner": "admin", "name": "s"})  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        casiscan.Scan("admin", "s", provider="Nmap")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        client.list_scans(page="1")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        casiscan.Asset("admin", "a", properties={1: "x"})  # type: ignore[dict-item]


def test_strings_that_are_not_utf8_raise_unicode_errors(client: casiscan.Client) -> None:
    # A lone surrogate cannot be encoded as UTF-8, so it never reaches Rust.
    with pytest.raises(UnicodeEncodeError):
        client.get_scan("admin/\udcff")
    with pytest.raises(UnicodeEncodeError):
        casiscan.Scan("admin", "s", target="\udcff")


def test_bad_asset_properties_are_invalid_input() -> None:
    with pytest.raises(casiscan.InvalidInputError):
        casiscan.Asset("admin", "a", properties={"publicIp": 5})


def test_malformed_json_is_a_parse_error_with_its_position() -> None:
    with pytest.raises(casiscan.ParseError) as err:
        casiscan.Scan.from_json('{"owner": "admin",\n  "name": }')
    assert err.value.kind == "parse"
    assert err.value.line == 2
    assert err.value.column is not None
    assert "scan JSON" in str(err.value)


def test_json_of_the_wrong_shape_is_invalid_input() -> None:
    with pytest.raises(casiscan.InvalidInputError) as err:
        casiscan.Scan.from_json('{"owner": "admin", "name": "s", "provider": "Nessus"}')
    assert "Nessus" in str(err.value)
    with pytest.raises(casiscan.InvalidInputError):
        casiscan.Scan.from_dict({"owner": "admin"})
