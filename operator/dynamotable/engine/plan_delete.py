"""What deleting a DynamoTable does to its table (pure): the deletion counterpart of plan.plan().

The rules (each has a case in tests/unit/test_plan_rules.py):
- managementPolicy Plan leaves the table as it is;
- deletionPolicy Retain keeps the table and removes only our ownership tag (A11), releasing it for adoption;
- deletionPolicy Delete never turns deletion protection off: protection on the table (live or in the spec)
  or on a replica blocks the deletion (A12);
- nothing is deleted while the table, a GSI or a replica is transitioning (A1, A4);
- replicas are deleted one per call before the table, and none while any of them is protected (A13): a
  global table must not be left half deleted, and one replica action per UpdateTable is all AWS accepts;
- the auto scaling targets and alarms this resource put in place (status.attached) are removed right before the
  table, which they would outlive (A19, A23); what DynamoDB keeps with the table goes with it;
- deletionPolicy Snapshot deletes as Delete does, once its final backup is AVAILABLE (plan_snapshot);
- a table that is gone, or already DELETING, needs nothing more of DynamoDB; with deletionPolicy Delete (or
  Snapshot), the auto scaling targets and alarms status.attached records that outlived it (deleted by someone
  else) are still removed (plan_delete_leftovers).
Who owns the table is decided before this (reconcile.delete): the plan is only made for a table that is ours.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from dynamotable.api import spec as s
from dynamotable.api.status import Reason
from dynamotable.api.validation import OWNER_TAG
from dynamotable.engine import plan_replicas
from dynamotable.engine.model import ACTIVE, Blocked, ObservedTable, Plan, Step
from dynamotable.engine.plan import TRANSITIONING
from dynamotable.engine.surface import previous_attached, removals_before_delete


def plan_delete(manifest: s.DynamoTable, observed: ObservedTable | None, *, region: str, owner: str) -> Plan:
    """The steps that take a table of ours out of the resource's hands, in order (one AWS call each)."""
    spec = manifest.spec
    name = manifest.table_name
    if observed is None:
        return Plan(kept=f"table {name} does not exist")
    if observed.status == "DELETING":
        return Plan(waiting=[f"table {name} is being deleted"])
    if spec.management_policy == s.ManagementPolicy.PLAN:
        return Plan(kept=f"managementPolicy is Plan: table {name} is left in place, unchanged")

    if spec.deletion_policy == s.DeletionPolicy.RETAIN:
        if observed.tags.get(OWNER_TAG) != owner:
            return Plan(kept=f"table {name} is retained (deletionPolicy Retain); it carries no {OWNER_TAG} tag of ours")
        release = Step(
            "UntagResource",
            region,
            {"ResourceArn": observed.arn, "TagKeys": [OWNER_TAG]},
            f"release table {name}: remove the {OWNER_TAG} tag (deletionPolicy Retain keeps the table)",
            transitions=False,
        )
        return Plan(steps=[release])

    if spec.deletion_protection or observed.deletion_protection:
        where = "the live table" if observed.deletion_protection else "the spec"
        return Plan(
            blocked=[
                Blocked(
                    Reason.DELETION_BLOCKED.value,
                    "deletionProtection",
                    f"deletion protection is on in {where}; turn it off on the table (spec.deletionProtection: "
                    "false, applied before the resource is deleted, or aws dynamodb update-table "
                    "--no-deletion-protection-enabled) to let the table be deleted. The operator never disables "
                    "deletion protection by itself",
                    stops_all=True,
                )
            ]
        )

    busy = [f"table is {observed.status}"] if observed.status != ACTIVE else []
    busy += [f"GSI {g.name} is {g.status}" for g in observed.gsis if g.status != ACTIVE]
    busy += [f"replica in {r.region} is {r.status}" for r in observed.replicas if r.status in TRANSITIONING]
    busy += [f"witness in {w.region} is {w.status}" for w in observed.witnesses if w.status != ACTIVE]
    if busy:
        return Plan(waiting=busy)

    protected = [r.region for r in observed.replicas if r.deletion_protection]
    if protected:
        # Checked before any replica goes: a global table must not be left half deleted.
        return Plan(
            blocked=[
                Blocked(
                    Reason.DELETION_BLOCKED.value,
                    "replicas",
                    f"the replica(s) in {', '.join(protected)} have deletion protection on; turn it off first (the "
                    "operator never disables deletion protection by itself)",
                    stops_all=True,
                )
            ]
        )
    steps = [
        Step(
            "UpdateTable",
            region,
            {
                "TableName": name,
                "ReplicaUpdates": [{"Delete": {"RegionName": replica.region}}],
                **plan_replicas.witness_delete(observed, first=i == 0),
            },
            f"delete the replica in {replica.region} (before the table)",
        )
        for i, replica in enumerate(observed.replicas)
    ]
    steps += removals_before_delete(manifest, observed)
    steps.append(Step("DeleteTable", region, {"TableName": name}, f"delete table {name} in {region}"))
    return Plan(steps=steps)


def removes_leftovers(manifest: s.DynamoTable) -> bool:
    """Whether a deletion that finds the table gone still looks for what status.attached records outside DynamoDB."""
    spec = manifest.spec
    return (
        spec.management_policy != s.ManagementPolicy.PLAN
        and spec.deletion_policy != s.DeletionPolicy.RETAIN
        and bool(previous_attached(manifest))
    )


def plan_delete_leftovers(manifest: s.DynamoTable, surface: dict[str, Any], *, region: str, owner: str) -> Plan:
    """The table is gone: remove the auto scaling targets and alarms of this resource that outlived it
    (`surface`: observe_leftovers' fields), one step each, then nothing more."""
    name = manifest.table_name
    gone = ObservedTable(
        name=name,
        region=region,
        arn="",
        status="DELETED",
        hash_key=manifest.spec.hash_key,
        range_key=None,
        attribute_types={},
        billing_mode=manifest.spec.billing_mode.value,
        tags={OWNER_TAG: owner},
        **surface,
    )
    steps = removals_before_delete(manifest, gone)
    if not steps:
        return Plan(kept=f"table {name} does not exist")
    return Plan(steps=[replace(s, description=f"{s.description} (table {name} is gone)") for s in steps])
