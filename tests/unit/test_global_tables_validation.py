"""Validation of per-replica overrides and multi-Region strong consistency (A13, A13.2): each error names its
field, and where the CRD carries a rule, admission gives the same verdict."""

from __future__ import annotations

from typing import Any

import pytest
from test_surface_validation import admitted, errors, with_

GSI = {"name": "ByCategory", "hashKey": "category"}


def on_demand(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "tableName": "orders",
        "region": "us-east-1",
        "billingMode": "PAY_PER_REQUEST",
        "hashKey": "id",
        "attributes": [{"name": "id", "type": "S"}, {"name": "category", "type": "S"}],
        "globalSecondaryIndexes": [GSI],
    }
    return with_(base, **over)


def provisioned(**over: Any) -> dict[str, Any]:
    gsi = {**GSI, "readCapacity": 5, "writeCapacity": 5, "autoScaling": {"write": _scaling()}}
    base = on_demand(
        billingMode="PROVISIONED",
        readCapacity=5,
        writeCapacity=5,
        autoScaling={"write": _scaling()},
        globalSecondaryIndexes=[gsi],
    )
    return with_(base, **over)


def _scaling() -> dict[str, Any]:
    return {"minCapacity": 5, "maxCapacity": 50, "targetUtilization": 70}


VALID = [
    pytest.param(
        on_demand(
            replicas=[
                {
                    "region": "us-west-2",
                    "tableClass": "STANDARD_INFREQUENT_ACCESS",
                    "maxReadRequestUnitsOverride": 500,
                    "globalSecondaryIndexes": [{"name": "ByCategory", "maxReadRequestUnitsOverride": 100}],
                }
            ]
        ),
        id="on-demand overrides",
    ),
    pytest.param(
        provisioned(
            replicas=[
                {
                    "region": "us-west-2",
                    "readCapacityOverride": 20,
                    "globalSecondaryIndexes": [{"name": "ByCategory", "readCapacityOverride": 10}],
                }
            ]
        ),
        id="provisioned overrides",
    ),
    pytest.param(
        on_demand(multiRegionConsistency="STRONG", replicas=[{"region": "us-west-2"}, {"region": "us-east-2"}]),
        id="STRONG with two replicas",
    ),
    pytest.param(
        on_demand(multiRegionConsistency="STRONG", witnessRegion="us-east-2", replicas=[{"region": "us-west-2"}]),
        id="STRONG with a witness",
    ),
    pytest.param(
        on_demand(
            region="eu-west-1",
            multiRegionConsistency="STRONG",
            witnessRegion="eu-central-1",
            replicas=[{"region": "eu-west-3"}],
        ),
        id="STRONG in the EU set",
    ),
    pytest.param(on_demand(multiRegionConsistency="EVENTUAL", replicas=[{"region": "ap-south-1"}]), id="EVENTUAL"),
]


@pytest.mark.parametrize("spec", VALID)
def test_global_table_specs_are_valid_and_admitted(spec: dict[str, Any]) -> None:
    assert errors(spec) == []
    assert admitted(spec)


REFUSED_BY_BOTH = [
    pytest.param(
        on_demand(replicas=[{"region": "us-west-2", "readCapacityOverride": 20}]),
        "spec.replicas[0].readCapacityOverride",
        id="read capacity override on an on-demand table",
    ),
    pytest.param(
        on_demand(
            replicas=[
                {"region": "us-west-2", "globalSecondaryIndexes": [{"name": "ByCategory", "readCapacityOverride": 1}]}
            ]
        ),
        "spec.replicas[0].globalSecondaryIndexes[0].readCapacityOverride",
        id="index read capacity override on an on-demand table",
    ),
    pytest.param(
        provisioned(replicas=[{"region": "us-west-2", "maxReadRequestUnitsOverride": 500}]),
        "spec.replicas[0].maxReadRequestUnitsOverride",
        id="read maximum override on a provisioned table",
    ),
    pytest.param(
        on_demand(replicas=[{"region": "us-west-2", "globalSecondaryIndexes": [{"name": "Nope"}]}]),
        "spec.replicas[0].globalSecondaryIndexes[0].name",
        id="override of an unknown index",
    ),
    pytest.param(
        on_demand(
            replicas=[
                {"region": "us-west-2", "globalSecondaryIndexes": [{"name": "ByCategory"}, {"name": "ByCategory"}]}
            ]
        ),
        "spec.replicas[0].globalSecondaryIndexes[1].name",
        id="index overridden twice",
    ),
    pytest.param(
        on_demand(witnessRegion="us-east-2", replicas=[{"region": "us-west-2"}]),
        "spec.witnessRegion",
        id="witness without STRONG",
    ),
    pytest.param(
        on_demand(multiRegionConsistency="STRONG", replicas=[{"region": "us-west-2"}]),
        "spec.replicas",
        id="STRONG in two regions",
    ),
    pytest.param(
        on_demand(
            multiRegionConsistency="STRONG",
            witnessRegion="us-east-2",
            replicas=[{"region": "us-west-2"}, {"region": "eu-west-1"}],
        ),
        "spec.replicas",
        id="STRONG in four regions",
    ),
    pytest.param(
        on_demand(multiRegionConsistency="STRONG", replicas=[{"region": "us-west-2"}, {"region": "eu-west-1"}]),
        "spec.replicas[1].region",
        id="STRONG across region sets",
    ),
    pytest.param(
        on_demand(multiRegionConsistency="STRONG", witnessRegion="sa-east-1", replicas=[{"region": "us-west-2"}]),
        "spec.witnessRegion",
        id="STRONG witness outside every set",
    ),
    pytest.param(
        on_demand(multiRegionConsistency="STRONG", witnessRegion="us-east-1", replicas=[{"region": "us-west-2"}]),
        "spec.witnessRegion",
        id="witness in the table's region",
    ),
    pytest.param(
        on_demand(
            multiRegionConsistency="STRONG",
            witnessRegion="us-east-2",
            replicas=[{"region": "us-west-2"}],
            ttl={"enabled": True, "attributeName": "exp"},
        ),
        "spec.ttl.enabled",
        id="STRONG with TTL",
    ),
]


@pytest.mark.parametrize(("spec", "field"), REFUSED_BY_BOTH)
def test_each_global_table_error_names_its_field_and_admission_agrees(spec: dict[str, Any], field: str) -> None:
    found = errors(spec)
    assert any(e.startswith(field + ":") for e in found), found
    assert not admitted(spec), f"the CRD admits what validate refuses: {found}"


def test_strong_in_the_operators_default_region_is_judged_by_validate_only() -> None:
    """Admission cannot see the operator's region: a table without spec.region is checked by the operator."""
    spec = on_demand(multiRegionConsistency="STRONG", replicas=[{"region": "eu-west-1"}, {"region": "eu-west-2"}])
    del spec["region"]
    assert admitted(spec)
    assert any(e.startswith("spec.replicas[0].region:") for e in errors(spec)), errors(spec)
