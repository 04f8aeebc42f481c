"""The same Client on PostgreSQL (server started by the test scripts, CASISCAN_TEST_PG_URL)."""

from __future__ import annotations

import os
import uuid

import pytest

import casiscan

URL = os.environ.get("CASISCAN_TEST_PG_URL")
pytestmark = pytest.mark.skipif(not URL, reason="CASISCAN_TEST_PG_URL is not set (scripts start one)")


def test_scans_round_trip_on_postgres() -> None:
    assert URL is not None
    owner = f"py-{uuid.uuid4().hex[:12]}"
    client = casiscan.Client(URL)
    added = client.add_scan(casiscan.Scan(owner, "s1", target="127.0.0.1", command="-sT -p 80"))
    got = casiscan.Client(URL).get_scan(f"{owner}/s1")
    assert got.to_dict() == added.to_dict()
    assert client.start_scan(got.id).state == casiscan.ScanState.PENDING
    assert client.cancel_scan(got.id).state == casiscan.ScanState.CANCELED
    page = client.list_scans(owner, page=1, page_size=10)
    assert [s.id for s in page.items] == [f"{owner}/s1"]
    client.delete_scan(got.id)
    with pytest.raises(casiscan.NotFoundError):
        client.get_scan(got.id)


def test_an_unreachable_server_is_a_storage_error() -> None:
    with pytest.raises(casiscan.StorageError):
        casiscan.Client("postgres://casiscan@127.0.0.1:1/postgres")
