"""Auto scaling of a DynamoTable -> `aws_appautoscaling_target` + `aws_appautoscaling_policy`, each with its
`import {}` block, for the table's file [A19]. Pure: no I/O.

The targets and policies are those the operator registers (engine/plan_scaling.py): one per auto-scaled
dimension, the policy named for the dimension. Import IDs are `<service-namespace>/<resource-id>/<scalable-dimension>`
for a target and `.../<policy-name>` for a policy (the provider's import formats)."""

from __future__ import annotations

from dynamotable.api import spec as s
from dynamotable.api.autoscaling import Dimension, desired_dimensions, policy_configuration, policy_name
from dynamotable.terraform.hcl import Writer, identifier, quote

TARGET_TYPE = "aws_appautoscaling_target"
POLICY_TYPE = "aws_appautoscaling_policy"

# spec.ignoreChanges-style paths whose capacity auto scaling sets, per (index or not, direction)
_IGNORED = {
    (False, "read"): "readCapacity",
    (False, "write"): "writeCapacity",
    (True, "read"): "globalSecondaryIndexes.readCapacity",
    (True, "write"): "globalSecondaryIndexes.writeCapacity",
}


def scaled_capacity_paths(manifest: s.DynamoTable) -> list[str]:
    """The capacity paths auto scaling owns, as spec.ignoreChanges names them: Terraform must ignore them."""
    return sorted({_IGNORED[(d.index is not None, d.direction)] for d in desired_dimensions(manifest)})


def _label(table_label: str, dim: Dimension) -> str:
    scope = f"index_{dim.index}" if dim.index else "table"
    return identifier(f"{table_label}_{scope}_{dim.direction}")


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def render_scaling(w: Writer, manifest: s.DynamoTable, *, table_label: str, provider: str | None) -> None:
    """Append the targets, policies and their import blocks of `manifest` to `w` (nothing without auto scaling)."""
    dims = sorted(desired_dimensions(manifest).items(), key=lambda kv: (kv[0].index or "", kv[0].direction))
    for dim, want in dims:
        label = _label(table_label, dim)
        key = f"{dim.resource_id}/{dim.scalable_dimension}"
        w.blank()
        w.comment(
            f"Auto scaling of the {dim.direction} capacity of " + (f"GSI {dim.index}." if dim.index else "the table.")
        )
        w.open(f'resource "{TARGET_TYPE}" "{label}"')
        if provider is not None:
            w.attr("provider", provider)
            w.blank()
        w.attr("service_namespace", quote("dynamodb"))
        w.attr("resource_id", quote(dim.resource_id))
        w.attr("scalable_dimension", quote(dim.scalable_dimension))
        w.attr("min_capacity", str(want.min_capacity))
        w.attr("max_capacity", str(want.max_capacity))
        w.close()
        _import(w, provider, f"{TARGET_TYPE}.{label}", f"dynamodb/{key}")

        config = policy_configuration(dim, want)
        name = policy_name(dim.direction)
        w.blank()
        w.open(f'resource "{POLICY_TYPE}" "{label}"')
        if provider is not None:
            w.attr("provider", provider)
            w.blank()
        w.attr("name", quote(name))
        w.attr("policy_type", quote("TargetTrackingScaling"))
        w.attr("service_namespace", f"{TARGET_TYPE}.{label}.service_namespace")
        w.attr("resource_id", f"{TARGET_TYPE}.{label}.resource_id")
        w.attr("scalable_dimension", f"{TARGET_TYPE}.{label}.scalable_dimension")
        w.blank()
        w.open("target_tracking_scaling_policy_configuration")
        w.attr("target_value", _number(config["TargetValue"]))
        w.attr("scale_in_cooldown", str(config["ScaleInCooldown"]))
        w.attr("scale_out_cooldown", str(config["ScaleOutCooldown"]))
        w.blank()
        w.open("predefined_metric_specification")
        w.attr("predefined_metric_type", quote(config["PredefinedMetricSpecification"]["PredefinedMetricType"]))
        w.close()
        w.close()
        w.close()
        _import(w, provider, f"{POLICY_TYPE}.{label}", f"dynamodb/{key}/{name}")


def _import(w: Writer, provider: str | None, address: str, import_id: str) -> None:
    w.blank()
    w.open("import")
    if provider is not None:
        w.attr("provider", provider)
    w.attr("to", address)
    w.attr("id", quote(import_id))
    w.close()
