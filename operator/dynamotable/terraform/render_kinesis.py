"""`aws_dynamodb_kinesis_streaming_destination` of a table, with its `import {}` block. Pure: no I/O.

The provider's import ID is `<table name>,<stream ARN>`."""

from __future__ import annotations

from dynamotable.api import spec as s
from dynamotable.terraform.hcl import Writer, quote

RESOURCE_TYPE = "aws_dynamodb_kinesis_streaming_destination"


def render_kinesis(w: Writer, manifest: s.DynamoTable, label: str, table: str, provider: str | None) -> None:
    """The resource after the table's (`table`: its resource address)."""
    destination = manifest.spec.kinesis_streaming_destination
    if destination is None:
        return
    w.blank()
    w.comment("ForceNew: changing stream_arn or the precision makes Terraform disable and enable the destination.")
    w.open(f'resource "{RESOURCE_TYPE}" "{label}"')
    if provider is not None:
        w.attr("provider", provider)
    w.attr("table_name", f"{table}.name")
    w.attr("stream_arn", quote(destination.stream_arn))
    if destination.approximate_creation_date_time_precision is not None:
        w.attr(
            "approximate_creation_date_time_precision",
            quote(destination.approximate_creation_date_time_precision.value),
        )
    w.close()
    w.blank()
    w.open("import")
    if provider is not None:
        w.attr("provider", provider)
    w.attr("to", f"{RESOURCE_TYPE}.{label}")
    w.attr("id", quote(f"{manifest.table_name},{destination.stream_arn}"))
    w.close()
