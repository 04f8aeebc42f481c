"""Schedules from Python: `Schedule.cron` / `Schedule.every`, `Scan.schedule`, and
`Client.set_scan_schedule` (sync and async); bad input raises InvalidInputError naming the field
and changes nothing."""

from __future__ import annotations

import asyncio
import datetime

import pytest

import casiscan
from conftest import loopback_scan


def test_a_cron_schedule_is_stored_and_read_back(client: casiscan.Client) -> None:
    client.add_scan(loopback_scan("s1"))
    schedule = casiscan.Schedule.cron(
        "0 3 * * *", "Europe/Paris", missed_slots="runOnce", jitter_seconds=30
    )
    assert schedule.kind == "cron"
    assert schedule.next_run_time is None
    scan = client.set_scan_schedule("admin/s1", schedule)
    assert scan.schedule is not None
    next_run = scan.schedule.next_run_time
    assert isinstance(next_run, datetime.datetime)
    assert next_run.tzinfo is not None
    # 03:00 in Paris is 01:00 or 02:00 UTC.
    assert next_run.astimezone(datetime.timezone.utc).hour in (1, 2)
    got = client.get_scan("admin/s1").schedule
    assert got is not None
    assert got.to_dict() == scan.schedule.to_dict()
    assert got.expression == "0 3 * * *"
    assert got.time_zone == "Europe/Paris"
    assert got.missed_slots == "runOnce"
    assert got.jitter_seconds == 30
    assert client.list_scans("admin").items[0].schedule is not None
    assert client.set_scan_schedule("admin/s1", None).schedule is None
    assert client.get_scan("admin/s1").schedule is None


def test_an_interval_schedule_rides_on_add_scan(client: casiscan.Client) -> None:
    scan = loopback_scan("every")
    scan.schedule = casiscan.Schedule.every("6h")
    added = client.add_scan(scan)
    assert added.schedule is not None
    assert added.schedule.every_seconds == 21600
    assert casiscan.Schedule.every(60).every_seconds == 60


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: casiscan.Schedule.cron("0 3 * *"), "schedule.expression"),
        (lambda: casiscan.Schedule.cron("0 3 * * *", "Europe/Pariss"), "schedule.timeZone"),
        (lambda: casiscan.Schedule.every(59), "schedule.everySeconds"),
        (lambda: casiscan.Schedule.every("soon"), "schedule.everySeconds"),
        (lambda: casiscan.Schedule.every("1h", jitter_seconds=3600), "schedule.jitterSeconds"),
        (lambda: casiscan.Schedule.every("1h", missed_slots="never"), "schedule.missedSlots"),
    ],
)
def test_bad_schedules_raise_invalid_input_naming_the_field(make: object, field: str) -> None:
    with pytest.raises(casiscan.InvalidInputError, match=field):
        make()  # type: ignore[operator]


def test_a_bad_stored_shape_changes_nothing(client: casiscan.Client) -> None:
    client.add_scan(loopback_scan("s1"))
    client.set_scan_schedule("admin/s1", casiscan.Schedule.every("1h"))
    before = client.get_scan("admin/s1").to_dict()
    bad = casiscan.Schedule.from_dict({"kind": "interval", "everySeconds": 5})
    with pytest.raises(casiscan.InvalidInputError, match="schedule.everySeconds"):
        client.set_scan_schedule("admin/s1", bad)
    assert client.get_scan("admin/s1").to_dict() == before
    with pytest.raises(casiscan.NotFoundError):
        client.set_scan_schedule("admin/missing", casiscan.Schedule.every("1h"))


def test_the_async_twin(client: casiscan.Client) -> None:
    client.add_scan(loopback_scan("s1"))

    async def main() -> casiscan.Scan:
        return await client.aset_scan_schedule("admin/s1", casiscan.Schedule.every("30m"))

    scan = asyncio.run(main())
    assert scan.schedule is not None
    assert scan.schedule.every_seconds == 1800
