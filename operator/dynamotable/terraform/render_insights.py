"""`aws_dynamodb_contributor_insights` of a table and its GSIs, each with its `import {}` block. Pure: no I/O.

The provider's import ID is `name:<table>/index:<index>/<account id>` (empty index for the table's own); the
account comes from `aws_caller_identity`, which Terraform reads at plan time. `mode` exists from provider 6.0
on: it is rendered (and provider 6 required) only for a mode other than AWS's default."""

from __future__ import annotations

from dynamotable.api import spec as s
from dynamotable.terraform.hcl import Writer, identifier, quote

RESOURCE_TYPE = "aws_dynamodb_contributor_insights"
DEFAULT_MODE = s.ContributorInsightsMode.ACCESSED_AND_THROTTLED_KEYS


def _enabled(manifest: s.DynamoTable) -> list[tuple[str | None, s.ContributorInsights]]:
    spec = manifest.spec
    found: list[tuple[str | None, s.ContributorInsights]] = []
    if spec.contributor_insights is not None and spec.contributor_insights.enabled:
        found.append((None, spec.contributor_insights))
    for gsi in spec.global_secondary_indexes:
        if gsi.contributor_insights is not None and gsi.contributor_insights.enabled:
            found.append((gsi.name, gsi.contributor_insights))
    return found


def insights_need_provider_v6(manifest: s.DynamoTable) -> bool:
    return any(ci.mode is not None and ci.mode != DEFAULT_MODE for _, ci in _enabled(manifest))


def render_insights(w: Writer, manifest: s.DynamoTable, label: str, table: str, provider: str | None) -> None:
    """The resources after the table's (`table`: its resource address)."""
    enabled = _enabled(manifest)
    if not enabled:
        return
    identity = f"data.aws_caller_identity.{label}"
    w.blank()
    if provider is None:
        w.line(f'data "aws_caller_identity" "{label}" {{}}')
    else:
        w.open(f'data "aws_caller_identity" "{label}"')
        w.attr("provider", provider)
        w.close()
    for index, insights in enabled:
        name = label if index is None else f"{label}_{identifier(index)}"
        w.blank()
        w.comment("Contributor insights of the table." if index is None else f"Contributor insights of GSI {index}.")
        w.open(f'resource "{RESOURCE_TYPE}" "{name}"')
        if provider is not None:
            w.attr("provider", provider)
        w.attr("table_name", f"{table}.name")
        if index is not None:
            w.attr("index_name", quote(index))
        if insights.mode is not None and insights.mode != DEFAULT_MODE:
            w.attr("mode", quote(insights.mode.value))
        w.close()
        w.blank()
        w.open("import")
        if provider is not None:
            w.attr("provider", provider)
        w.attr("to", f"{RESOURCE_TYPE}.{name}")
        index_part = index or ""
        w.attr(
            "id", f'"name:{_template(manifest.table_name)}/index:{_template(index_part)}/${{{identity}.account_id}}"'
        )
        w.close()


def _template(text: str) -> str:
    """`text` inside a quoted HCL template: quote()'s escaping without the quotes."""
    return quote(text)[1:-1]
