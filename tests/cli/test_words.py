"""Point 9: the CLI says "change" for a difference the spec asks for (it cannot know what was last applied, so
never "drift"), and messages about a replica name its region."""

from __future__ import annotations

from dataclasses import replace

import yaml
from cli_helpers import Cli, create_ours, manifest

from dynamotable.api.status import Condition, ConditionStatus, ConditionType, DynamoTableStatus, Reason
from dynamotable.api.validation import parse_manifest
from dynamotable.commands.engine import apply_verdict
from dynamotable.engine.errors import Terminal
from dynamotable.engine.model import Plan, Step
from dynamotable.engine.reconcile import Outcome
from dynamotable.engine.runner import RunState, TableRun
from dynamotable.local import LocalEndpoint

STREAM = "  stream: {enabled: true, viewType: NEW_AND_OLD_IMAGES}\n"
REPLICA = "  replicas: [{region: us-west-2}]\n"


def test_changes_are_changes_and_replica_messages_name_the_region(cli: Cli, endpoint: LocalEndpoint) -> None:
    url = ["--endpoint-url", endpoint.url]
    create_ours(endpoint, stream="NEW_AND_OLD_IMAGES")
    replicated = cli.write(manifest(extra=STREAM + REPLICA + "  tags: {team: carts}\n"), "replicated.yaml")

    text, as_json = cli.many(
        (["plan", "-f", str(replicated), *url], {}), (["plan", "-f", str(replicated), *url, "-o", "json"], {})
    )
    assert text.code == 2
    assert "change: replicas[us-west-2]: spec present, live absent" in text.out
    assert "add a replica in us-west-2" in text.out
    steps = as_json.json()["tables"][0]["steps"]
    (replica,) = [s for s in steps if s["replicaRegion"] is not None]
    assert replica["replicaRegion"] == "us-west-2" and "us-west-2" in replica["description"]
    assert replica["longRunning"] is True

    done = cli("apply", "-f", str(replicated), *url)
    assert done.code == 0, done.err
    assert "started: add a replica in us-west-2" in done.err
    for result in (text, as_json, done):
        assert "drift" not in (result.out + result.err).lower()


def test_an_aws_error_on_a_replica_step_names_the_replica_region() -> None:
    """The engine's AwsError names the region of the call (the table's, for a ReplicaUpdates action); the CLI's
    verdict adds the step, which names the replica's region."""
    status = DynamoTableStatus(
        conditions=[
            Condition(
                type=ConditionType.READY,
                status=ConditionStatus.FALSE,
                reason=Reason.AWS_ERROR,
                message="UpdateTable (us-east-1) failed: ValidationException: no",
            )
        ]
    )
    replica = Step(
        "UpdateTable",
        "us-east-1",
        {"TableName": "cli-carts", "ReplicaUpdates": [{"Create": {"RegionName": "eu-west-1"}}]},
        "add a replica in eu-west-1",
    )
    outcome = Outcome(requeue_after=None, status=status, plan=Plan(steps=[replica]), error=Terminal("V", "no"))
    manifest_ = parse_manifest(yaml.safe_load(manifest()))
    run = TableRun(manifest_, "us-east-1", state=RunState.STOPPED, last=outcome, status=status)
    run.message = status.conditions[0].message
    assert "add a replica in eu-west-1" in apply_verdict(run)
    run.last = replace(outcome, error=None)
    assert "eu-west-1" not in apply_verdict(run)  # no error: nothing to add
