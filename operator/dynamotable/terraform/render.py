"""DynamoTable manifests -> Terraform (`aws_dynamodb_table` + `import {}`), for audit and take-over; auto scaling
adds its targets and policies to the table's file (render_scaling.py).

Pure: no I/O. Every argument and block is named as in the AWS provider's `aws_dynamodb_table` schema. The
output works with provider 5.100 and 6.x (GSI keys use `hash_key`/`range_key`: 5.x has no `key_schema`)
unless the spec uses what only 6.x has, and then versions.tf requires 6; a multi-attribute GSI key (A26) is
written as `key_schema` blocks, which need 6.29 or later. Parts the spec leaves out
(None = not managed by the operator) are not rendered. The output is deterministic and
`terraform fmt`-canonical. A table outside the provider's region gets an aliased provider (5.x has no
per-resource `region`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from dynamotable.api import spec as s
from dynamotable.api.validation import OWNER_TAG
from dynamotable.terraform.hcl import Writer, boolean, identifier, key, quote, string_list
from dynamotable.terraform.render_alarms import render_alarms
from dynamotable.terraform.render_insights import insights_need_provider_v6, render_insights
from dynamotable.terraform.render_kinesis import render_kinesis
from dynamotable.terraform.render_policy import render_policy
from dynamotable.terraform.render_scaling import render_scaling, scaled_capacity_paths
from dynamotable.terraform.render_source import render_source

RESOURCE_TYPE = "aws_dynamodb_table"
PROVIDER_SOURCE = "hashicorp/aws"
PROVIDER_VERSION = ">= 5.100, < 7.0"
# warm_throughput (table and GSI) and replica deletion_protection_enabled exist from provider 6.0 on
# (checked with `terraform providers schema -json` against 5.100.0).
PROVIDER_VERSION_V6 = ">= 6.0, < 7.0"
# global_secondary_index.key_schema, the only way to write a multi-attribute GSI key, came with provider 6.29.0
# (its CHANGELOG: "Add support for multi-attribute keys in global secondary indexes", TF PR #45357); the 6.47.0
# schema in tests/data has it.
PROVIDER_VERSION_KEY_SCHEMA = ">= 6.29, < 7.0"
TERRAFORM_VERSION = ">= 1.5"  # import blocks
VERSIONS_FILE = "versions.tf"

# spec.ignoreChanges path -> lifecycle.ignore_changes entries (the order of IGNORABLE_PATHS is kept).
IGNORE_CHANGES: dict[str, tuple[str, ...]] = {
    "billingMode": ("billing_mode",),
    "readCapacity": ("read_capacity",),
    "writeCapacity": ("write_capacity",),
    "onDemandThroughput": ("on_demand_throughput",),
    "warmThroughput": ("warm_throughput",),
    "globalSecondaryIndexes.readCapacity": ("global_secondary_index",),
    "globalSecondaryIndexes.writeCapacity": ("global_secondary_index",),
    "globalSecondaryIndexes.onDemandThroughput": ("global_secondary_index",),
    "globalSecondaryIndexes.warmThroughput": ("global_secondary_index",),
    "stream": ("stream_enabled", "stream_view_type"),
    "pointInTimeRecovery": ("point_in_time_recovery",),
    "serverSideEncryption": ("server_side_encryption",),
    "ttl": ("ttl",),
    "tableClass": ("table_class",),
    "deletionProtection": ("deletion_protection_enabled",),
    "replicas": ("replica",),
    "tags": ("tags",),
}

_GSI_IGNORE_NOTE = (
    "Terraform cannot ignore one attribute inside a set block: spec.ignoreChanges lists",
    "globalSecondaryIndexes.*, so every change to the global secondary indexes is ignored.",
)


_GSI_SCALED_NOTE = (
    "Terraform cannot ignore one attribute inside a set block: auto scaling sets an index's capacity,",
    "so every change to the global secondary indexes is ignored.",
)


def provider_alias(region: str) -> str:
    """The alias of the aws provider configured for `region`: `us-west-2` -> `us_west_2`."""
    return region.replace("-", "_")


def default_label(manifest: s.DynamoTable) -> str:
    return identifier(manifest.metadata.name)


def provider_v6_features(manifest: s.DynamoTable) -> list[str]:
    """What the rendered resource uses that the 5.x AWS provider lacks (5.100.0 has none of these)."""
    spec = manifest.spec
    features = []
    if (
        spec.warm_throughput is not None
        or "warmThroughput" in spec.ignore_changes
        or any(g.warm_throughput is not None for g in spec.global_secondary_indexes)
    ):
        features.append("warm_throughput")
    if any(r.deletion_protection is not None for r in spec.replicas or ()):
        features.append("replica deletion_protection_enabled")
    if insights_need_provider_v6(manifest):
        features.append("a contributor insights mode")
    if spec.multi_region_consistency == s.MultiRegionConsistency.STRONG:
        features.append("replica consistency_mode and global_table_witness (STRONG consistency, A13.2)")
    return features


def needs_provider_v6(manifest: s.DynamoTable) -> bool:
    """Whether the rendered resource uses something the 5.x AWS provider lacks (provider_v6_features)."""
    return bool(provider_v6_features(manifest))


def needs_key_schema(manifest: s.DynamoTable) -> bool:
    """Whether a GSI of the manifest has a multi-attribute key, which only `key_schema` blocks can express."""
    return any(g.multi_attribute for g in manifest.spec.global_secondary_indexes)


def needs_provider_beyond_5(manifest: s.DynamoTable) -> bool:
    """Whether the rendered files of this manifest cannot be read by provider 5.100 at all."""
    return needs_key_schema(manifest) or needs_provider_v6(manifest)


@dataclass(frozen=True, slots=True)
class ProviderNeeds:
    """What `versions.tf` needs to know of one manifest (small: a worker process sends it back instead of the
    model, see commands/render.py)."""

    region: str | None  # spec.region
    key_schema: bool  # needs_key_schema
    v6_features: tuple[str, ...]  # provider_v6_features

    @classmethod
    def of(cls, manifest: s.DynamoTable) -> ProviderNeeds:
        return cls(manifest.spec.region, needs_key_schema(manifest), tuple(provider_v6_features(manifest)))


def required_provider_version(manifests: Sequence[s.DynamoTable]) -> tuple[str, str | None]:
    """The AWS provider constraint the rendered files need, and why (None: any supported version)."""
    return _provider_requirement([ProviderNeeds.of(m) for m in manifests])


def _provider_requirement(needs: Sequence[ProviderNeeds]) -> tuple[str, str | None]:
    if any(n.key_schema for n in needs):
        return PROVIDER_VERSION_KEY_SCHEMA, "AWS provider 6.29 or later is needed for multi-attribute GSI keys."
    features = sorted({f for n in needs for f in n.v6_features})
    if features:
        return PROVIDER_VERSION_V6, "AWS provider 6 is needed for " + ", ".join(features) + "."
    return PROVIDER_VERSION, None


def _printable(text: str) -> str:
    """Text safe inside a `#` comment (a newline would end the comment)."""
    return text if text.isprintable() else "".join(c if c.isprintable() else "?" for c in text)


def render_table(
    manifest: s.DynamoTable, *, provider_region: str, owner: str | None = None, label: str | None = None
) -> str:
    """One `aws_dynamodb_table` resource and its `import {}` block.

    `owner` is the value of the ownership tag (validation.OWNER_TAG) rendered into `tags`; None means
    `manifest.owner_id`, "" leaves the tag out. The resource and the import block get
    `provider = aws.<alias>` when the table's region differs from `provider_region`.
    """
    spec = manifest.spec
    label = label or default_label(manifest)
    region = spec.region or provider_region
    provider = None if region == provider_region else f"aws.{provider_alias(region)}"
    owner = manifest.owner_id if owner is None else owner
    table_name = manifest.table_name
    address = f"{RESOURCE_TYPE}.{label}"

    w = Writer()
    w.comment(
        f"DynamoTable {_printable(manifest.owner_id)} -> DynamoDB table {_printable(table_name)} in {region}, "
        "rendered by dynamotable-operator."
    )
    w.comment("The import block adopts the existing table: `terraform apply` takes it over without recreating it.")
    w.open(f'resource "{RESOURCE_TYPE}" "{label}"')
    if provider is not None:
        w.attr("provider", provider)
        w.blank()

    forcenew = "name, hash_key or range_key" if spec.range_key is not None else "name or hash_key"
    w.comment(f"ForceNew: changing {forcenew} makes Terraform replace the table (a new, empty table).")
    w.attr("name", quote(table_name))
    w.attr("billing_mode", quote(spec.billing_mode.value))
    if spec.read_capacity is not None:
        w.attr("read_capacity", str(spec.read_capacity))
    if spec.write_capacity is not None:
        w.attr("write_capacity", str(spec.write_capacity))
    w.attr("hash_key", quote(spec.hash_key))
    if spec.range_key is not None:
        w.attr("range_key", quote(spec.range_key))

    for attribute in spec.attributes:
        w.blank()
        w.open("attribute")
        w.attr("name", quote(attribute.name))
        w.attr("type", quote(attribute.type.value))
        w.close()

    if spec.on_demand_throughput is not None:
        w.blank()
        _on_demand_throughput(w, spec.on_demand_throughput)
    if spec.warm_throughput is not None:
        w.blank()
        _warm_throughput(w, spec.warm_throughput)

    for gsi in spec.global_secondary_indexes:
        w.blank()
        _global_secondary_index(w, gsi)
    for lsi in spec.local_secondary_indexes:
        w.blank()
        _local_secondary_index(w, lsi)

    if spec.stream is not None:
        w.blank()
        w.attr("stream_enabled", boolean(spec.stream.enabled))
        if spec.stream.view_type is not None:
            w.attr("stream_view_type", quote(spec.stream.view_type.value))
    elif spec.replicas:
        _replica_stream(w)

    pitr = spec.point_in_time_recovery
    if pitr is not None:
        w.blank()
        w.open("point_in_time_recovery")
        w.attr("enabled", boolean(pitr.enabled))
        if pitr.recovery_period_in_days is not None:
            w.attr("recovery_period_in_days", str(pitr.recovery_period_in_days))
        w.close()

    sse = spec.server_side_encryption
    if sse is not None:
        w.blank()
        w.open("server_side_encryption")
        w.attr("enabled", boolean(sse.enabled))
        if sse.kms_key_arn is not None:
            w.attr("kms_key_arn", quote(sse.kms_key_arn))
        w.close()

    ttl = spec.ttl
    if ttl is not None:
        w.blank()
        w.open("ttl")
        if ttl.attribute_name is not None:
            w.attr("attribute_name", quote(ttl.attribute_name))
        w.attr("enabled", boolean(ttl.enabled))
        w.close()

    if spec.table_class is not None or spec.deletion_protection is not None:
        w.blank()
        if spec.table_class is not None:
            w.attr("table_class", quote(spec.table_class.value))
        if spec.deletion_protection is not None:
            w.attr("deletion_protection_enabled", boolean(spec.deletion_protection))

    strong = spec.multi_region_consistency == s.MultiRegionConsistency.STRONG
    for replica in spec.replicas or ():
        w.blank()
        _replica(w, replica, strong=strong)
    if strong and spec.witness_region is not None:
        w.blank()
        w.open("global_table_witness")
        w.attr("region_name", quote(spec.witness_region))
        w.close()

    tags = dict(spec.tags) if spec.tags is not None else None
    if owner:
        tags = tags or {}
        tags.pop(OWNER_TAG, None)
    if tags is not None or owner:
        w.blank()
        _tags(w, tags or {}, owner)

    scaled = [p for p in scaled_capacity_paths(manifest) if p not in spec.ignore_changes]
    if spec.ignore_changes or scaled:
        w.blank()
        _lifecycle(w, spec.ignore_changes, scaled=scaled)
    render_source(w, manifest)
    w.close()

    w.blank()
    w.open("import")
    if provider is not None:
        w.attr("provider", provider)
    w.attr("to", address)
    w.attr("id", quote(table_name))
    w.close()
    render_scaling(w, manifest, table_label=label, provider=provider)
    render_policy(w, manifest, label=label, region=region, provider=provider)
    render_alarms(w, manifest, label=label, owner=owner, provider=provider)
    render_insights(w, manifest, label, address, provider)
    render_kinesis(w, manifest, label, address, provider)
    return w.text()


def _on_demand_throughput(w: Writer, odt: s.OnDemandThroughput) -> None:
    w.open("on_demand_throughput")
    if odt.max_read_request_units is not None:
        w.attr("max_read_request_units", str(odt.max_read_request_units))
    if odt.max_write_request_units is not None:
        w.attr("max_write_request_units", str(odt.max_write_request_units))
    w.close()


def _warm_throughput(w: Writer, warm: s.WarmThroughput) -> None:
    w.open("warm_throughput")
    if warm.read_units_per_second is not None:
        w.attr("read_units_per_second", str(warm.read_units_per_second))
    if warm.write_units_per_second is not None:
        w.attr("write_units_per_second", str(warm.write_units_per_second))
    w.close()


def _global_secondary_index(w: Writer, gsi: s.GlobalSecondaryIndex) -> None:
    keys = "key_schema" if gsi.multi_attribute else "hash_key, range_key"
    w.comment(f"Changing {keys}, projection_type or non_key_attributes recreates this index.")
    w.open("global_secondary_index")
    w.attr("name", quote(gsi.name))
    if not gsi.multi_attribute:
        # one attribute each: the spelling provider 5.100 also reads, whichever form the spec uses
        w.attr("hash_key", quote(gsi.partition_keys[0]))
        if gsi.sort_keys:
            w.attr("range_key", quote(gsi.sort_keys[0]))
    w.attr("projection_type", quote(gsi.projection_type.value))
    if gsi.non_key_attributes:
        w.attr("non_key_attributes", string_list(gsi.non_key_attributes))
    if gsi.read_capacity is not None:
        w.attr("read_capacity", str(gsi.read_capacity))
    if gsi.write_capacity is not None:
        w.attr("write_capacity", str(gsi.write_capacity))
    if gsi.on_demand_throughput is not None:
        w.blank()
        _on_demand_throughput(w, gsi.on_demand_throughput)
    if gsi.warm_throughput is not None:
        w.blank()
        _warm_throughput(w, gsi.warm_throughput)
    if gsi.multi_attribute:
        _key_schema(w, gsi)
    w.close()


def _key_schema(w: Writer, gsi: s.GlobalSecondaryIndex) -> None:
    """One key_schema block per key attribute: every HASH, then every RANGE, in key order (A26)."""
    for key_type, names in (("HASH", gsi.partition_keys), ("RANGE", gsi.sort_keys)):
        for name in names:
            w.blank()
            w.open("key_schema")
            w.attr("attribute_name", quote(name))
            w.attr("key_type", quote(key_type))
            w.close()


def _local_secondary_index(w: Writer, lsi: s.LocalSecondaryIndex) -> None:
    w.comment("ForceNew: adding, removing or changing a local secondary index replaces the table.")
    w.open("local_secondary_index")
    w.attr("name", quote(lsi.name))
    w.attr("range_key", quote(lsi.range_key))
    w.attr("projection_type", quote(lsi.projection_type.value))
    if lsi.non_key_attributes:
        w.attr("non_key_attributes", string_list(lsi.non_key_attributes))
    w.close()


def _replica_stream(w: Writer) -> None:
    """A global table without spec.stream has the stream AWS enabled with its first replica (A7): Terraform must
    state it, else it plans to disable a stream that cannot be disabled while replicas exist [TF #43625]."""
    w.blank()
    w.comment("Not in the spec: DynamoDB enabled this stream when the first replica was added to a table")
    w.comment("without one. A table that had a stream kept its view type: then set spec.stream to match.")
    w.attr("stream_enabled", "true")
    w.attr("stream_view_type", quote(s.StreamViewType.NEW_AND_OLD_IMAGES.value))


def _replica_overrides(replica: s.Replica) -> list[str]:
    """The overrides of a replica, as the spec writes them: the replica block has no argument for any [A13.1]."""
    out = []
    if replica.table_class is not None:
        out.append(f"tableClass {replica.table_class.value}")
    if replica.read_capacity_override is not None:
        out.append(f"readCapacityOverride {replica.read_capacity_override}")
    if replica.max_read_request_units_override is not None:
        out.append(f"maxReadRequestUnitsOverride {replica.max_read_request_units_override}")
    for index in replica.global_secondary_indexes:
        if index.read_capacity_override is not None:
            out.append(f"{_printable(index.name)} readCapacityOverride {index.read_capacity_override}")
        if index.max_read_request_units_override is not None:
            out.append(f"{_printable(index.name)} maxReadRequestUnitsOverride {index.max_read_request_units_override}")
    return out


def _replica(w: Writer, replica: s.Replica, *, strong: bool = False) -> None:
    if replica.kms_key_arn is not None:
        w.comment("Changing kms_key_arn recreates this replica (Terraform removes it and adds it again).")
    overrides = _replica_overrides(replica)
    if overrides:
        w.comment("Overrides of this replica that the replica block cannot express (dynamotable-operator sets")
        w.comment("them; Terraform neither reads nor changes them):")
        for override in overrides:
            w.comment(f"  {override}")
    w.open("replica")
    w.attr("region_name", quote(replica.region))
    if replica.kms_key_arn is not None:
        w.attr("kms_key_arn", quote(replica.kms_key_arn))
    if replica.point_in_time_recovery:
        w.attr("point_in_time_recovery", "true")
    if replica.propagate_tags:
        w.attr("propagate_tags", "true")
    if replica.deletion_protection is not None:
        w.attr("deletion_protection_enabled", boolean(replica.deletion_protection))
    if strong:
        w.attr("consistency_mode", quote(s.MultiRegionConsistency.STRONG.value))
    w.close()


def _tags(w: Writer, tags: dict[str, str], owner: str) -> None:
    if not tags and not owner:
        w.attr("tags", "{}")
        return
    w.open("tags =")
    # Sorted: the API server returns maps with sorted keys, so a manifest renders the same from a file
    # as from the cluster.
    for name, value in sorted(tags.items()):
        w.attr(key(name), quote(value))
    if owner:
        w.comment("Ownership tag of dynamotable-operator: it only manages tables that carry it.")
        w.attr(key(OWNER_TAG), quote(owner))
    w.close()


def _lifecycle(w: Writer, paths: Sequence[str], *, scaled: Sequence[str] = ()) -> None:
    """ignore_changes for spec.ignoreChanges (`paths`) and for the capacities auto scaling sets (`scaled`)."""
    wanted = {*paths, *scaled}
    w.open("lifecycle")
    if paths:
        w.comment("spec.ignoreChanges: these values are managed outside this resource (e.g. by auto scaling).")
    if scaled:
        w.comment("spec.autoScaling: Application Auto Scaling sets the auto-scaled capacity within min..max.")
    gsi_note = _GSI_IGNORE_NOTE if any(p.startswith("globalSecondaryIndexes.") for p in paths) else _GSI_SCALED_NOTE
    w.open_list("ignore_changes")
    done: set[str] = set()
    for path, names in IGNORE_CHANGES.items():
        if path not in wanted:
            continue
        for name in names:
            if name in done:
                continue
            done.add(name)
            if name == "global_secondary_index":
                for note in gsi_note:
                    w.comment(note)
            w.item(name)
    w.close("]")
    w.close()


def render_versions(manifests: Sequence[s.DynamoTable], *, provider_region: str) -> str:
    """`terraform {}` with the AWS provider requirement, the default provider and one alias per other region."""
    return render_versions_for([ProviderNeeds.of(m) for m in manifests], provider_region=provider_region)


def render_versions_for(needs: Sequence[ProviderNeeds], *, provider_region: str) -> str:
    """render_versions from each manifest's ProviderNeeds."""
    version, why = _provider_requirement(needs)
    regions = sorted({n.region or provider_region for n in needs} - {provider_region})
    w = Writer()
    w.comment("Providers for the DynamoDB tables rendered by dynamotable-operator.")
    w.open("terraform")
    w.attr("required_version", quote(TERRAFORM_VERSION))
    w.blank()
    w.open("required_providers")
    if why is not None:
        w.comment(why)
    w.open("aws =")
    w.attr("source", quote(PROVIDER_SOURCE))
    w.attr("version", quote(version))
    w.close()
    w.close()
    w.close()
    w.blank()
    w.open('provider "aws"')
    w.attr("region", quote(provider_region))
    w.close()
    for region in regions:
        w.blank()
        w.open('provider "aws"')
        w.attr("alias", quote(provider_alias(region)))
        w.attr("region", quote(region))
        w.close()
    return w.text()


def table_labels(manifests: Sequence[s.DynamoTable]) -> list[str]:
    """A unique Terraform label per manifest: from metadata.name, prefixed with the namespace where two
    manifests share a name (or a name would clash with versions.tf), numbered if still not unique."""
    return labels_for([(m.namespace, m.metadata.name) for m in manifests])


def labels_for(names: Sequence[tuple[str, str]]) -> list[str]:
    """table_labels from each manifest's (namespace, metadata.name)."""
    base = [identifier(name) for _, name in names]
    counts = Counter(base)
    reserved = VERSIONS_FILE.removesuffix(".tf")
    labels = [
        identifier(f"{namespace}_{name}") if counts[b] > 1 or b == reserved else b
        for (namespace, name), b in zip(names, base, strict=True)
    ]
    seen: set[str] = set()
    out: list[str] = []
    for label in labels:
        unique, n = label, 1
        while unique in seen or unique == reserved:
            n += 1
            unique = f"{label}_{n}"
        seen.add(unique)
        out.append(unique)
    return out


Job = tuple[s.DynamoTable, str, str, str]  # manifest, provider region, label, ownership-tag value
Mapper = Callable[[Callable[[Job], str], Sequence[Job]], list[str]]


def render_job(job: Job) -> str:
    manifest, provider_region, label, owner = job
    return render_table(manifest, provider_region=provider_region, label=label, owner=owner)


def _serially(fn: Callable[[Job], str], jobs: Sequence[Job]) -> list[str]:
    return [fn(job) for job in jobs]


def render_files(
    manifests: Sequence[s.DynamoTable],
    *,
    provider_region: str,
    cluster_id: str | None = None,
    mapper: Mapper = _serially,
) -> dict[str, str]:
    """`versions.tf` then one `<label>.tf` per table, by file name. `cluster_id`: the operator's, if it has one
    (it is part of the ownership tag the operator writes). `mapper` runs `render_job` over the tables (the CLI
    spreads it over processes; the result is the same)."""
    labels = table_labels(manifests)
    jobs = [(m, provider_region, label, m.owner_for(cluster_id)) for m, label in zip(manifests, labels, strict=True)]
    files = {f"{label}.tf": text for label, text in zip(labels, mapper(render_job, jobs), strict=True)}
    return {VERSIONS_FILE: render_versions(manifests, provider_region=provider_region)} | dict(sorted(files.items()))
