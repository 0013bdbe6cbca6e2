"""What the convergence tests of the table's surface (auto scaling, insights, Kinesis, policy, alarms) share: an
endpoint with no AWS settings of the machine leaking in, boto3 clients on it, and passes that carry the status
from one to the next as the operator stores it."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from botocore.config import Config

from dynamotable.api.spec import DynamoTable
from dynamotable.aws.clients import ClientFactory
from dynamotable.engine.model import Step
from dynamotable.engine.reconcile import Outcome, Timing, delete, reconcile
from dynamotable.local import Faults, Latency, LocalEndpoint, Rules

REGION = "us-east-1"
OWNER = "shop/orders"
CONVERGE_LIMIT = 20.0
TEST_CONFIG = Config(retries={"mode": "standard", "max_attempts": 1})


@contextlib.contextmanager
def endpoint_without_aws_env(latency: Latency, rules: Rules | None = None) -> Iterator[LocalEndpoint]:
    """A LocalEndpoint, with the machine's AWS endpoint and profile settings out of the way for its duration."""
    mp = pytest.MonkeyPatch()
    for var in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_PROFILE"):
        mp.delenv(var, raising=False)
    mp.setenv("AWS_ACCESS_KEY_ID", "testing")
    mp.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    try:
        with LocalEndpoint(latency=latency, **({} if rules is None else {"rules": rules})) as endpoint:
            yield endpoint
    finally:
        mp.undo()


def aws_client(endpoint: LocalEndpoint, service: str, region: str = REGION) -> Any:
    return boto3.client(
        service,
        endpoint_url=endpoint.url,
        region_name=region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=TEST_CONFIG,
    )


@contextlib.contextmanager
def fresh_endpoint(endpoint: LocalEndpoint, faults: Faults) -> Iterator[ClientFactory]:
    """The endpoint emptied, with `faults` injected until the test is done; an engine client factory on it."""
    endpoint.set_faults(Faults())
    endpoint.reset()
    endpoint.clear_requests()
    endpoint.set_faults(faults)
    try:
        yield ClientFactory(endpoint_url=endpoint.url, max_attempts=0)
    finally:
        endpoint.set_faults(Faults())


@dataclass
class Passes:
    """Engine passes on one DynamoTable, each on the status the last one wrote (as the operator does)."""

    endpoint: LocalEndpoint
    factory: ClientFactory
    status: dict[str, Any] | None = None
    executed: list[Step] = field(default_factory=list)

    def once(
        self, build: Callable[[dict[str, Any] | None], DynamoTable], timing: Timing, *, deleting: bool = False
    ) -> Outcome:
        one_pass = delete if deleting else reconcile
        out = one_pass(build(self.status), self.factory, region=REGION, owner=OWNER, timing=timing)
        self.status = out.status.model_dump(by_alias=True, mode="json", exclude_none=True)
        if out.executed is not None:
            self.executed.append(out.executed)
        return out

    def until_done(
        self, build: Callable[[dict[str, Any] | None], DynamoTable], timing: Timing, *, deleting: bool = False
    ) -> Outcome:
        """Passes (deletion passes with `deleting`) until the engine says done."""
        deadline = time.monotonic() + CONVERGE_LIMIT
        while True:
            out = self.once(build, timing, deleting=deleting)
            if out.done:
                return out
            assert out.requeue_after is not None, f"stopped: {out.status.conditions}"
            assert time.monotonic() < deadline, f"not converged: {out.status.conditions}"
            time.sleep(min(out.requeue_after, 0.05))

    @property
    def attached(self) -> list[str]:
        return list((self.status or {}).get("attached") or [])
