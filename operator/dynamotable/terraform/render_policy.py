"""`aws_dynamodb_resource_policy` of a table and its `import {}` block. Pure: no I/O."""

from __future__ import annotations

import json

from dynamotable.api import spec as s
from dynamotable.terraform.hcl import Writer, quote

RESOURCE_TYPE = "aws_dynamodb_resource_policy"


def render_policy(w: Writer, manifest: s.DynamoTable, *, label: str, region: str, provider: str | None) -> None:
    """The table's policy (the spec's document as written, compact JSON), attached by the table's `arn`. The
    import id is the table ARN, built from data sources Terraform reads while planning (an import id cannot
    refer to the table resource itself)."""
    document = manifest.spec.resource_policy
    if document is None:
        return
    address = f"{RESOURCE_TYPE}.{label}"
    for data in ("aws_partition", "aws_caller_identity"):
        w.blank()
        if provider is None:
            w.line(f'data "{data}" "{label}" {{}}')
        else:
            w.open(f'data "{data}" "{label}"')
            w.attr("provider", provider)
            w.close()
    w.blank()
    w.open(f'resource "{RESOURCE_TYPE}" "{label}"')
    if provider is not None:
        w.attr("provider", provider)
        w.blank()
    w.attr("resource_arn", f"aws_dynamodb_table.{label}.arn")
    # exactly the text the engine puts (engine.plan_policy.policy_text): provider 5.100 plans a change for a
    # policy that differs from the live one only in whitespace
    w.attr("policy", quote(json.dumps(document, separators=(",", ":"))))
    w.close()
    w.blank()
    w.open("import")
    if provider is not None:
        w.attr("provider", provider)
    w.attr("to", address)
    arn = (
        f"arn:${{data.aws_partition.{label}.partition}}:dynamodb:{region}:"
        f"${{data.aws_caller_identity.{label}.account_id}}:table/{manifest.table_name}"
    )
    w.attr("id", f'"{arn}"')  # table names and regions need no escaping: [A-Za-z0-9_.-]
    w.close()
