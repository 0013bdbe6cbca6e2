"""Assumed-role credentials (aws/assume_role.py) and the factories of other accounts (ClientFactory.assuming).

The clock botocore judges expiry by is the test's: one AssumeRole serves until botocore's advisory refresh
(15 minutes before expiry), and a failed AssumeRole is one line naming the role and the fix.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from dynamotable.aws.accounts import RoleToAssume
from dynamotable.aws.assume_role import SESSION_SECONDS, assume_role_refresher, assumed_role_session
from dynamotable.aws.clients import ClientFactory

ROLE = RoleToAssume("arn:aws:iam::111122223333:role/dynamotable", "team-a-7f3c", "dynamotable-operator")
OTHER = RoleToAssume("arn:aws:iam::444455556666:role/dynamotable")


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


class FakeSts:
    """sts.assume_role: numbered credentials valid for DurationSeconds from the clock's now."""

    def __init__(self, clock: Clock, *, refuse: bool = False) -> None:
        self.clock = clock
        self.calls: list[dict[str, Any]] = []
        self.refuse = refuse

    def assume_role(self, **params: Any) -> dict[str, Any]:
        self.calls.append(params)
        if self.refuse:
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "not authorized"}}, "AssumeRole")
        n = len(self.calls)
        return {
            "Credentials": {
                "AccessKeyId": f"ASIA{n:016d}",
                "SecretAccessKey": f"secret-{n}",
                "SessionToken": f"token-{n}",
                "Expiration": self.clock.now + timedelta(seconds=params["DurationSeconds"]),
            }
        }


def frozen(session: Any) -> Any:
    return session.get_credentials().get_frozen_credentials()


def test_the_role_is_assumed_on_first_use_with_its_external_id_and_session_name() -> None:
    clock = Clock()
    sts = FakeSts(clock)
    session = assumed_role_session(ROLE, lambda: sts, clock=clock)
    assert sts.calls == []  # nothing before credentials are needed
    assert frozen(session).access_key == "ASIA0000000000000001"
    assert sts.calls == [
        {
            "RoleArn": ROLE.role_arn,
            "RoleSessionName": "dynamotable-operator",
            "DurationSeconds": SESSION_SECONDS,
            "ExternalId": "team-a-7f3c",
        }
    ]


def test_credentials_are_cached_until_fifteen_minutes_before_expiry_then_refreshed() -> None:
    clock = Clock()
    sts = FakeSts(clock)
    session = assumed_role_session(ROLE, lambda: sts, clock=clock)
    assert frozen(session).token == "token-1"
    clock.now += timedelta(minutes=44)  # 16 minutes left: still good
    assert frozen(session).token == "token-1"
    assert len(sts.calls) == 1
    clock.now += timedelta(minutes=2)  # 14 minutes left: refreshed before expiry
    assert frozen(session).token == "token-2"
    assert len(sts.calls) == 2
    clock.now += timedelta(minutes=30)  # the new set is good for an hour from its refresh
    assert frozen(session).token == "token-2"


def test_a_role_that_cannot_be_assumed_fails_with_the_role_and_the_fix() -> None:
    clock = Clock()
    refresh = assume_role_refresher(ROLE, lambda: FakeSts(clock, refuse=True))
    with pytest.raises(ClientError) as caught:
        refresh()
    error = caught.value.response["Error"]
    assert error["Code"] == "AccessDenied"
    assert ROLE.role_arn in error["Message"] and "trust policy" in error["Message"]
    assert "iam-policy --assumed-by" in error["Message"] and "\n" not in error["Message"]
    assert caught.value.operation_name == "AssumeRole"


def test_each_role_gets_one_factory_sharing_hooks_counters_and_limits() -> None:
    factory = ClientFactory(endpoint_url="http://127.0.0.1:9")
    seen: list[str] = []

    def hook(**_: Any) -> None:
        seen.append("called")

    a = factory.assuming(ROLE, "us-east-1")
    assert factory.assuming(ROLE, "us-east-1") is a
    assert a.assuming(ROLE, "us-east-1") is a  # asked of a child, the root's
    b = factory.assuming(OTHER, "us-east-1")
    assert b is not a and a.role == ROLE and factory.role is None
    client = a.dynamodb("us-east-1")
    factory.add_hook("dynamotable-test.probe", hook)  # registered on every factory's clients
    assert a.limits is factory.limits and a.calls is factory.calls
    # each account has its own bucket and slots per region
    assert a.table_operations("us-east-1") is not factory.table_operations("us-east-1")
    assert a.table_operations("us-east-1") is not b.table_operations("us-east-1")
    assert a.table_operations("us-east-1") is a.table_operations("us-east-1")
    client.meta.events.emit("dynamotable-test.probe")
    assert seen == ["called"]
    later = b.dynamodb("us-west-2")  # made after the hook: gets it too
    later.meta.events.emit("dynamotable-test.probe")
    assert seen == ["called", "called"]
    factory.remove_hook("dynamotable-test.probe", hook)  # removed from every factory's clients
    client.meta.events.emit("dynamotable-test.probe")
    later.meta.events.emit("dynamotable-test.probe")
    assert seen == ["called", "called"]
