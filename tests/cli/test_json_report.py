"""Point 6: `plan -o json`, `apply -o json` (and `delete -o json`, `plan --out`) share one versioned schema,
commands/plan.schema.json, checked with jsonschema against real outputs."""

from __future__ import annotations

import json
import tomllib
from importlib import resources
from typing import Any

import jsonschema
from cli_helpers import GSI, GSI_ATTRS, ROOT, SCHEMA, Cli, boto, manifest

from dynamotable.local import Latency, LocalEndpoint


def validate(document: Any) -> None:
    jsonschema.validate(document, json.loads(SCHEMA.read_text()), format_checker=jsonschema.FormatChecker())


def test_the_schema_is_valid_and_shipped_with_the_package() -> None:
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    shipped = resources.files("dynamotable.commands").joinpath("plan.schema.json")
    assert json.loads(shipped.read_text()) == schema
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    assert "commands/*.schema.json" in data["dynamotable"]


def test_plan_apply_and_delete_reports_follow_the_schema(cli: Cli, endpoint: LocalEndpoint) -> None:
    url = ["--endpoint-url", endpoint.url]
    with_gsi = cli.write(manifest(attributes=GSI_ATTRS, extra=GSI, policy="Delete"))

    planned = cli("plan", "-f", str(with_gsi), *url, "-o", "json")
    assert planned.code == 2
    plan = planned.json()
    validate(plan)
    assert (plan["schemaVersion"], plan["command"]) == (1, "plan")
    (table,) = plan["tables"]
    assert table["state"] == "changes" and table["exists"] is False and table["tableArn"] is None
    (step,) = table["steps"]
    assert step["operation"] == "CreateTable" and step["destructive"] is False and step["longRunning"] is False
    assert plan["summary"] | {"seconds": 0} == {
        "tables": 1,
        "unchanged": 0,
        "changed": 1,
        "errors": 0,
        "steps": 1,
        "destructive": 0,
        "longRunning": 0,
        "waiting": 0,
        "converged": False,
        "verified": None,
        "seconds": 0,
    }

    applied = cli("apply", "-f", str(with_gsi), *url, "-o", "json")
    assert applied.code == 0, applied.err
    report = applied.json()
    validate(report)
    assert report["command"] == "apply"
    assert report["summary"]["converged"] is True and report["summary"]["verified"] is True
    (table,) = report["tables"]
    assert table["state"] == "done" and table["exists"] is True and table["reason"] == "Synced"
    assert [s["operation"] for s in table["steps"]] == ["CreateTable"]

    without_gsi = cli.write(manifest(policy="Delete"), "without.yaml")
    saved = cli.tmp / "plan.json"
    destructive, saving = cli.many(
        (["plan", "-f", str(without_gsi), *url, "-o", "json"], {}),
        (["plan", "-f", str(without_gsi), *url, "--out", str(saved)], {}),
    )
    validate(destructive.json())
    (step,) = destructive.json()["tables"][0]["steps"]
    assert step["destructive"] is True and step["destructiveReason"].startswith("deletes GSI ByStatus")
    assert destructive.json()["summary"]["destructive"] == 1
    assert destructive.json()["tables"][0]["changes"] == [
        {"field": "globalSecondaryIndexes[ByStatus]", "desired": "absent", "live": "present"}
    ]

    assert saving.code == 2
    validate(json.loads(saved.read_text()))

    deleted = cli("delete", "-f", str(with_gsi), *url, "-o", "json", "--auto-approve")
    assert deleted.code == 0, deleted.err
    validate(deleted.json())
    assert deleted.json()["tables"][0]["result"] == "deleted"


def test_a_plan_with_an_error_follows_the_schema(cli: Cli, endpoint: LocalEndpoint) -> None:
    endpoint.set_latency(Latency())
    boto(endpoint).create_table(
        TableName="cli-carts",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    result = cli("plan", "-f", str(cli.write(manifest())), "--endpoint-url", endpoint.url, "-o", "json")
    assert result.code == 1
    document = result.json()
    validate(document)
    (table,) = document["tables"]
    assert (table["state"], table["reason"], table["exists"]) == ("error", "AdoptionRequired", True)
    assert document["summary"]["errors"] == 1 and document["summary"]["converged"] is False
