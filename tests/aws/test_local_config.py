"""CLI syntax of the local endpoint's settings: --latency and --faults."""

from __future__ import annotations

import pytest

from dynamotable.local import Faults, Latency, parse_faults, parse_latency


def test_parse_latency_single_number_applies_to_every_transition() -> None:
    assert parse_latency("2.5") == Latency(
        create=2.5,
        update=2.5,
        delete=2.5,
        gsi_create=2.5,
        gsi_delete=2.5,
        replica=2.5,
        insights=2.5,
        kinesis=2.5,
        backup=2.5,
        restore=2.5,
        table_import=2.5,
    )


def test_parse_latency_named_transitions() -> None:
    assert parse_latency("create=2, update=1,gsi-create=3") == Latency(create=2, update=1, gsi_create=3)
    assert parse_latency("") == Latency()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("create=fast", "must be a number"),
        ("warp=1", "unknown latency 'warp'"),
        ("create=-1", ">= 0"),
        ("create=1,update", "expected name=value"),
    ],
)
def test_parse_latency_rejects_bad_input(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_latency(text)


def test_parse_faults_rates_and_seed() -> None:
    assert parse_faults("throttle=0.1,server_error=0.02,drop_connection=0.01,seed=7") == Faults(
        throttle=0.1, server_error=0.02, drop_connection=0.01, seed=7
    )
    assert parse_faults("resource-in-use=0.5,limit_exceeded=0.5") == Faults(resource_in_use=0.5, limit_exceeded=0.5)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("throttle=2", "within 0..1"),
        ("throttle=0.6,server_error=0.6", "at most 1"),
        ("seed=x", "seed must be an integer"),
        ("explode=0.1", "unknown fault 'explode'"),
        ("0.1", "expected name=value"),
    ],
)
def test_parse_faults_rejects_bad_input(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_faults(text)


def test_a25_parse_faults_backup_unavailable_and_latency_backup() -> None:
    assert parse_faults("backup-unavailable=1") == Faults(backup_unavailable=1.0)
    assert parse_latency("backup=30") == Latency(backup=30)
