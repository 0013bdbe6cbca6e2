"""The planner's global-table rules (A13 overrides and order, A13.2 multi-Region strong consistency): one case per
rule, named for it, with the exact steps (see test_plan_rules.py for the style)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from test_plan_rules import CASES as BASE_CASES
from test_plan_rules import REGION, Case, _in_order, _run, attrs, gsi, live, manifest, spec_gsi, upd

from dynamotable.engine.model import ObservedReplica, ObservedReplicaGsi, ObservedWitness, OnDemand
from dynamotable.engine.plan import plan
from dynamotable.engine.plan_delete import plan_delete

NAOI = {"enabled": True, "viewType": "NEW_AND_OLD_IMAGES"}
STREAMED = {"stream_enabled": True, "stream_view_type": "NEW_AND_OLD_IMAGES"}
WEST = "us-west-2"


def replica(region: str = WEST, **kw: object) -> ObservedReplica:
    kw.setdefault("deletion_protection", False)
    kw.setdefault("pitr", False)
    return ObservedReplica(region, "ACTIVE", **kw)  # type: ignore[arg-type]


def provisioned_spec(**over: object) -> dict[str, object]:
    spec: dict[str, object] = {
        "billingMode": "PROVISIONED",
        "readCapacity": 5,
        "writeCapacity": 5,
        "autoScaling": {"write": {"minCapacity": 5, "maxCapacity": 50, "targetUtilization": 70}},
        "attributes": attrs(id="S", cat="S"),
        "globalSecondaryIndexes": [
            spec_gsi(
                "ByCategory",
                "cat",
                readCapacity=5,
                writeCapacity=5,
                autoScaling={"write": {"minCapacity": 5, "maxCapacity": 50, "targetUtilization": 70}},
            )
        ],
        "stream": NAOI,
    }
    spec.update(over)
    return spec


def provisioned_live(**over: object) -> object:
    return live(
        billing_mode="PROVISIONED",
        read_capacity=5,
        write_capacity=5,
        attribute_types={"id": "S", "cat": "S"},
        gsis=(gsi("ByCategory", "cat", read_capacity=5, write_capacity=5),),
        **STREAMED,
        **over,
    )


CASES: list[Case] = [
    Case(
        "rule_replicas_added_before_removed",
        {"stream": NAOI, "replicas": [{"region": "eu-west-1"}]},
        live(**STREAMED, replicas=(replica(WEST),)),
        steps=[
            upd(ReplicaUpdates=[{"Create": {"RegionName": "eu-west-1"}}]),
            upd(ReplicaUpdates=[{"Delete": {"RegionName": WEST}}]),
        ],
        says=["add a replica in eu-west-1", "delete the replica in us-west-2"],
    ),
    Case(
        "rule_replica_create_carries_its_overrides",
        provisioned_spec(
            replicas=[
                {
                    "region": WEST,
                    "tableClass": "STANDARD_INFREQUENT_ACCESS",
                    "readCapacityOverride": 20,
                    "globalSecondaryIndexes": [{"name": "ByCategory", "readCapacityOverride": 10}],
                }
            ]
        ),
        provisioned_live(),
        steps=[
            upd(
                ReplicaUpdates=[
                    {
                        "Create": {
                            "RegionName": WEST,
                            "ProvisionedThroughputOverride": {"ReadCapacityUnits": 20},
                            "GlobalSecondaryIndexes": [
                                {"IndexName": "ByCategory", "ProvisionedThroughputOverride": {"ReadCapacityUnits": 10}}
                            ],
                            "TableClassOverride": "STANDARD_INFREQUENT_ACCESS",
                        }
                    }
                ]
            )
        ],
        says=["table class STANDARD_INFREQUENT_ACCESS, read capacity 20, read capacity 10 on GSI ByCategory"],
    ),
    Case(
        "rule_replica_read_capacity_override_drift_is_corrected",
        provisioned_spec(replicas=[{"region": WEST, "readCapacityOverride": 20}]),
        provisioned_live(replicas=(replica(read_capacity_override=12),)),
        steps=[
            upd(
                ReplicaUpdates=[
                    {"Update": {"RegionName": WEST, "ProvisionedThroughputOverride": {"ReadCapacityUnits": 20}}}
                ]
            )
        ],
        drift=[("replicas[us-west-2].readCapacityOverride", "20", "12")],
    ),
    Case(
        "rule_replica_override_absent_from_the_spec_is_set_back_to_the_tables",
        provisioned_spec(replicas=[{"region": WEST}]),
        provisioned_live(
            replicas=(replica(read_capacity_override=12, gsi_overrides=(ObservedReplicaGsi("ByCategory", 3),)),)
        ),
        steps=[
            upd(
                ReplicaUpdates=[
                    {
                        "Update": {
                            "RegionName": WEST,
                            "ProvisionedThroughputOverride": {"ReadCapacityUnits": 5},
                            "GlobalSecondaryIndexes": [
                                {"IndexName": "ByCategory", "ProvisionedThroughputOverride": {"ReadCapacityUnits": 5}}
                            ],
                        }
                    }
                ]
            )
        ],
        drift=[
            ("replicas[us-west-2].readCapacityOverride", "the table's (5)", "12"),
            ("replicas[us-west-2].globalSecondaryIndexes[ByCategory].readCapacityOverride", "the table's (5)", "3"),
        ],
    ),
    Case(
        "rule_replica_override_equal_to_the_tables_value_is_no_drift",
        provisioned_spec(replicas=[{"region": WEST}]),
        provisioned_live(replicas=(replica(read_capacity_override=5),)),
        drift=[],
    ),
    Case(
        "rule_replica_max_read_request_units_override_drift_is_corrected",
        {
            "stream": NAOI,
            "attributes": attrs(id="S", cat="S"),
            "globalSecondaryIndexes": [spec_gsi("ByCategory", "cat")],
            "replicas": [
                {
                    "region": WEST,
                    "maxReadRequestUnitsOverride": 500,
                    "globalSecondaryIndexes": [{"name": "ByCategory", "maxReadRequestUnitsOverride": 100}],
                }
            ],
        },
        live(
            **STREAMED,
            attribute_types={"id": "S", "cat": "S"},
            gsis=(gsi("ByCategory", "cat", on_demand=OnDemand()),),
            replicas=(replica(max_read_override=400),),
        ),
        steps=[
            upd(
                ReplicaUpdates=[
                    {
                        "Update": {
                            "RegionName": WEST,
                            "OnDemandThroughputOverride": {"MaxReadRequestUnits": 500},
                            "GlobalSecondaryIndexes": [
                                {"IndexName": "ByCategory", "OnDemandThroughputOverride": {"MaxReadRequestUnits": 100}}
                            ],
                        }
                    }
                ]
            )
        ],
        drift=[
            ("replicas[us-west-2].maxReadRequestUnitsOverride", "500", "400"),
            ("replicas[us-west-2].globalSecondaryIndexes[ByCategory].maxReadRequestUnitsOverride", "100", "-1"),
        ],
    ),
    Case(
        "rule_replica_table_class_override_goes_alone",
        {
            "stream": NAOI,
            "replicas": [
                {"region": WEST, "tableClass": "STANDARD_INFREQUENT_ACCESS", "maxReadRequestUnitsOverride": 9}
            ],
        },
        live(**STREAMED, replicas=(replica(table_class="STANDARD"),)),
        steps=[
            upd(ReplicaUpdates=[{"Update": {"RegionName": WEST, "TableClassOverride": "STANDARD_INFREQUENT_ACCESS"}}]),
            upd(
                ReplicaUpdates=[
                    {"Update": {"RegionName": WEST, "OnDemandThroughputOverride": {"MaxReadRequestUnits": 9}}}
                ]
            ),
        ],
    ),
    Case(
        "rule_replica_table_class_absent_follows_the_table",
        {"stream": NAOI, "tableClass": "STANDARD", "replicas": [{"region": WEST}]},
        live(**STREAMED, replicas=(replica(table_class="STANDARD_INFREQUENT_ACCESS"),)),
        steps=[upd(ReplicaUpdates=[{"Update": {"RegionName": WEST, "TableClassOverride": "STANDARD"}}])],
    ),
    Case(
        "rule_strong_replicas_and_witness_are_created_in_one_call",
        {
            "stream": NAOI,
            "multiRegionConsistency": "STRONG",
            "witnessRegion": "us-east-2",
            "replicas": [{"region": WEST}],
        },
        live(**STREAMED),
        steps=[
            upd(
                ReplicaUpdates=[{"Create": {"RegionName": WEST}}],
                MultiRegionConsistency="STRONG",
                GlobalTableWitnessUpdates=[{"Create": {"RegionName": "us-east-2"}}],
            )
        ],
        says=["STRONG global table: replicas in us-west-2 and a witness in us-east-2, in one call"],
    ),
    Case(
        "rule_strong_two_replicas_are_created_in_one_call",
        {"multiRegionConsistency": "STRONG", "replicas": [{"region": WEST}, {"region": "us-east-2"}]},
        live(),
        steps=[
            upd(
                ReplicaUpdates=[{"Create": {"RegionName": WEST}}, {"Create": {"RegionName": "us-east-2"}}],
                MultiRegionConsistency="STRONG",
            )
        ],
        says=["in one call", "DynamoDB enables a NEW_AND_OLD_IMAGES stream"],
    ),
    Case(
        "rule_consistency_cannot_change_once_replicas_exist",
        {
            "stream": NAOI,
            "multiRegionConsistency": "STRONG",
            "witnessRegion": "us-east-2",
            "replicas": [{"region": WEST}],
        },
        live(**STREAMED, replicas=(replica(),), multi_region_consistency="EVENTUAL"),
        blocked=[("ReplacementRequired", "multiRegionConsistency")],
        blocked_says=["the global table is EVENTUAL and the spec asks for STRONG", "create a new DynamoTable"],
        drift=[("multiRegionConsistency", "STRONG", "EVENTUAL")],
    ),
    Case(
        "rule_strong_regions_are_fixed",
        {
            "stream": NAOI,
            "multiRegionConsistency": "STRONG",
            "witnessRegion": "us-east-2",
            "replicas": [{"region": WEST}],
        },
        live(
            **STREAMED,
            replicas=(replica("us-east-2"),),
            witnesses=(ObservedWitness(WEST, "ACTIVE"),),
            multi_region_consistency="STRONG",
        ),
        blocked=[("ReplacementRequired", "replicas")],
        blocked_says=["keeps the regions it was created with (replicas us-east-2, witness us-west-2)"],
    ),
    Case(
        "rule_strong_converged_plans_nothing",
        {
            "stream": NAOI,
            "multiRegionConsistency": "STRONG",
            "witnessRegion": "us-east-2",
            "replicas": [{"region": WEST}],
        },
        live(
            **STREAMED,
            replicas=(replica(),),
            witnesses=(ObservedWitness("us-east-2", "ACTIVE"),),
            multi_region_consistency="STRONG",
        ),
        drift=[],
    ),
    Case(
        "rule_nothing_while_the_witness_is_transitioning",
        {
            "stream": NAOI,
            "multiRegionConsistency": "STRONG",
            "witnessRegion": "us-east-2",
            "replicas": [{"region": WEST}],
        },
        live(
            **STREAMED,
            replicas=(replica(),),
            witnesses=(ObservedWitness("us-east-2", "CREATING"),),
            multi_region_consistency="STRONG",
            deletion_protection=True,
        ),
        waiting=["witness in us-east-2 is CREATING"],
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_rule(case: Case) -> None:
    result = _run(case)
    assert [(st.operation, st.region, dict(st.request)) for st in result.steps] == case.steps
    assert result.waiting == case.waiting
    assert [(b.reason, b.field) for b in result.blocked] == case.blocked
    _in_order(" | ".join(result.descriptions()), case.says)
    _in_order(" | ".join(b.message for b in result.blocked), case.blocked_says)
    if case.drift is not None:
        assert [(d.field, d.desired, d.live) for d in result.drift] == case.drift


def test_rule_case_ids_are_new() -> None:
    assert not {c.id for c in CASES} & {c.id for c in BASE_CASES}


def test_rule_strong_at_create_follows_the_create_table() -> None:
    m = manifest(multiRegionConsistency="STRONG", witnessRegion="us-east-2", replicas=[{"region": WEST}])
    steps = plan(m, None, region=REGION, owner="shop/orders").steps
    assert [s.operation for s in steps[:2]] == ["CreateTable", "UpdateTable"]
    assert steps[1].request["MultiRegionConsistency"] == "STRONG"
    assert steps[1].request["GlobalTableWitnessUpdates"] == [{"Create": {"RegionName": "us-east-2"}}]


def test_rule_the_witness_is_deleted_with_the_first_replica() -> None:
    m = manifest(
        deletionPolicy="Delete",
        stream=NAOI,
        multiRegionConsistency="STRONG",
        witnessRegion="us-east-2",
        replicas=[{"region": WEST}],
    )
    observed = live(
        **STREAMED,
        replicas=(replica(),),
        witnesses=(ObservedWitness("us-east-2", "ACTIVE"),),
        multi_region_consistency="STRONG",
    )
    steps = plan_delete(m, observed, region=REGION, owner="shop/orders").steps
    assert [(st.operation, dict(st.request)) for st in steps] == [
        (
            "UpdateTable",
            {
                "TableName": "orders",
                "ReplicaUpdates": [{"Delete": {"RegionName": WEST}}],
                "GlobalTableWitnessUpdates": [{"Delete": {"RegionName": "us-east-2"}}],
            },
        ),
        ("DeleteTable", {"TableName": "orders"}),
    ]
    waiting = replace(observed, witnesses=(ObservedWitness("us-east-2", "CREATING"),))
    assert plan_delete(m, waiting, region=REGION, owner="shop/orders").waiting == ["witness in us-east-2 is CREATING"]
