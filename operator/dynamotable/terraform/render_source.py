"""spec.source in the rendered Terraform [A24]: the restore or import arguments of `aws_dynamodb_table` as a
comment inside the resource, never as arguments.

The table exists by the time anyone runs this Terraform, and it is taken over with `import {}`; the provider
marks restore_source_name, restore_source_table_arn, restore_date_time, restore_to_latest_time,
restore_backup_arn and import_table as forcing replacement, and an imported table has none of them in its state,
so written as arguments they would make `terraform plan` replace the table (a new, empty one). As a comment they
record where the data came from, and uncommented they are valid arguments of the provider's schema.
"""

from __future__ import annotations

from dynamotable.api import spec as s
from dynamotable.terraform.hcl import Writer, boolean, quote, string_list


def source_lines(source: s.Source) -> list[str]:
    """The HCL of the restore or import arguments, as they would stand in the resource."""
    w = Writer()
    if source.point_in_time is not None:
        pit = source.point_in_time
        if pit.source_table_arn is not None:
            w.attr("restore_source_table_arn", quote(pit.source_table_arn))
        if pit.source_table_name is not None:
            w.attr("restore_source_name", quote(pit.source_table_name))
        if pit.restore_date_time is not None:
            w.attr("restore_date_time", quote(pit.restore_date_time))
        if pit.use_latest_restorable_time:
            w.attr("restore_to_latest_time", boolean(True))
    elif source.backup is not None:
        w.attr("restore_backup_arn", quote(source.backup.backup_arn))
    elif source.s3_import is not None:
        _import_table(w, source.s3_import)
    return w.text().splitlines()


def _import_table(w: Writer, imp: s.S3ImportSource) -> None:
    w.open("import_table")
    w.attr("input_format", quote(imp.input_format.value))
    if imp.input_compression is not None:
        w.attr("input_compression_type", quote(imp.input_compression.value))
    w.blank()
    w.open("s3_bucket_source")
    w.attr("bucket", quote(imp.bucket))
    if imp.key_prefix:
        w.attr("key_prefix", quote(imp.key_prefix))
    if imp.bucket_owner:
        w.attr("bucket_owner", quote(imp.bucket_owner))
    w.close()
    if imp.csv is not None:
        w.blank()
        w.open("input_format_options")
        w.open("csv")
        if imp.csv.delimiter is not None:
            w.attr("delimiter", quote(imp.csv.delimiter))
        if imp.csv.header_list:
            w.attr("header_list", string_list(list(imp.csv.header_list)))
        w.close()
        w.close()
    w.close()


def render_source(w: Writer, manifest: s.DynamoTable) -> None:
    """The commented restore or import arguments of a table with spec.source (nothing without one)."""
    source = manifest.spec.source
    if source is None:
        return
    w.blank()
    w.comment("spec.source: the table was created from this source. Kept as a comment: these arguments force")
    w.comment("replacement, and the imported table has none of them, so they would make Terraform replace it.")
    for line in source_lines(source):
        w.line(f"# {line}" if line else "#")
