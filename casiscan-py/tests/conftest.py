"""Shared fixtures: a client on a fresh SQLite file in a temporary directory."""

from __future__ import annotations

from pathlib import Path

import pytest

import casiscan


@pytest.fixture
def db_path(tmp_path: Path) -> str:
    return str(tmp_path / "casiscan.db")


@pytest.fixture
def client(db_path: str) -> casiscan.Client:
    return casiscan.Client(db_path)


def loopback_scan(name: str, owner: str = "admin") -> casiscan.Scan:
    return casiscan.Scan(owner, name, target="127.0.0.1", command="-sT -p 80")
