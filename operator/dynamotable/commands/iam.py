"""`dynamotable iam-policy`: print a least-privilege IAM policy (JSON) for the operator's role or for an app.

dynamotable iam-policy [--table-prefix P] [--account-id ID] [--region R] [--replica-region R]... [--kms-key-arn ARN]...
                       [--cluster-id ID]
dynamotable iam-policy -f manifests/ [--account-id ID] [--cluster-id ID]   # operator role, scoped to those tables
dynamotable iam-policy --access -f manifests/ [--read-only]               # an application's access to them

Options that end up in ARNs or conditions are checked here, before any policy is built: a malformed value is
one `error:` line naming the option, the value and the fix, and exit status 1 (like every other command).
"""

from __future__ import annotations

from collections.abc import Sequence

import click

from dynamotable.api.spec import DynamoTable
from dynamotable.commands.common import default_region, exit_on_invalid, fail, load_checked, unchecked_cluster_id_option
from dynamotable.commands.engine_operations import engine_operations
from dynamotable.terraform.iam import (
    ACCOUNT_ID,
    ANY,
    CLUSTER_ID,
    KMS_KEY_ARN,
    MANAGED_POLICY_MAX_CHARS,
    REGION,
    TABLE_PREFIX,
    OperatorScope,
    PolicyError,
    Rule,
    TableRef,
    access_policy,
    operator_policy,
    partition_of,
    policy_json,
    policy_size,
)
from dynamotable.terraform.iam_accounts import EXTERNAL_ID, ROLE_ARN, assume_roles_statement, trust_policy

SHOWN_MAX = 100  # characters of a rejected value quoted back


def shown(value: str) -> str:
    """`value` quoted for a one-line message: control and non-ASCII characters escaped, cut to ~SHOWN_MAX."""
    text = ascii(value)
    return text if len(text) <= SHOWN_MAX else f"{text[: SHOWN_MAX - 4]}...{text[-1]}"


def check_option(option: str, value: str, rule: Rule, *, wildcard: bool = False, hint: str = "") -> None:
    """Exit 1 with one line naming the option, the value and the fix, unless `value` follows `rule`
    (or is '*' where `wildcard` allows it)."""
    if wildcard and value == ANY:
        return
    if not rule.ok(value):
        fail(f"{option} {shown(value)} is not {rule.what}; {rule.fix}{hint}")


def _check_options(
    *,
    table_prefix: str,
    account_id: str,
    region: str | None,
    replica_regions: tuple[str, ...],
    kms_key_arns: tuple[str, ...],
    cluster_id: str | None,
) -> None:
    check_option("--account-id", account_id, ACCOUNT_ID, wildcard=True)
    if region is not None:
        check_option("--region", region, REGION, hint="; leave --region out for every region")
    for replica_region in replica_regions:
        check_option("--replica-region", replica_region, REGION, wildcard=True)
    if table_prefix:
        check_option("--table-prefix", table_prefix, TABLE_PREFIX)
    for arn in kms_key_arns:
        check_option("--kms-key-arn", arn, KMS_KEY_ARN)
    if cluster_id is not None:
        source = click.get_current_context().get_parameter_source("cluster_id")
        from_env = source is click.core.ParameterSource.DEFAULT
        check_option("$DYNAMOTABLE_CLUSTER_ID (--cluster-id)" if from_env else "--cluster-id", cluster_id, CLUSTER_ID)


def _manifests(paths: Sequence[str], region: str) -> list[DynamoTable]:
    checked = load_checked(tuple(paths), region)
    exit_on_invalid(checked)
    return [manifest for _, manifest in checked.manifests]


def _kms_keys(manifest: DynamoTable) -> tuple[str, ...]:
    spec = manifest.spec
    keys = [r.kms_key_arn for r in spec.replicas or [] if r.kms_key_arn]
    sse = spec.server_side_encryption
    if sse and sse.enabled and sse.kms_key_arn:
        keys.append(sse.kms_key_arn)
    return tuple(sorted(set(keys)))


def table_ref(manifest: DynamoTable, region: str) -> TableRef:
    """What a policy needs to know about one manifest's table."""
    spec = manifest.spec
    return TableRef(
        name=manifest.table_name,
        region=manifest.region_or(region),
        replica_regions=tuple(r.region for r in spec.replicas or []),
        stream=bool(spec.stream and spec.stream.enabled),
        indexes=bool(spec.global_secondary_indexes or spec.local_secondary_indexes),
        kms_key_arns=_kms_keys(manifest),
        kinesis_stream_arns=(
            (spec.kinesis_streaming_destination.stream_arn,) if spec.kinesis_streaming_destination else ()
        ),
        restore_sources=_restore_sources(manifest, manifest.region_or(region)),
        import_buckets=(spec.source.s3_import.bucket,) if spec.source and spec.source.s3_import else (),
    )


def _restore_sources(manifest: DynamoTable, region: str) -> tuple[str, ...]:
    """[A24] The table or backup a manifest restores from, as an ARN (a source named in the table's region and an
    account not known here: any account)."""
    source = manifest.spec.source
    if source is None:
        return ()
    if source.backup is not None:
        return (source.backup.backup_arn,)
    pit = source.point_in_time
    if pit is None:
        return ()
    if pit.source_table_arn is not None:
        return (pit.source_table_arn,)
    return (f"arn:{partition_of(region)}:dynamodb:{region}:*:table/{pit.source_table_name}",)


@click.command("iam-policy")
@click.option(
    "-f",
    "--filename",
    "paths",
    multiple=True,
    help="Manifests (file, directory or -): scope the policy to exactly these tables. Required with --access.",
)
@click.option("--access", is_flag=True, help="The policy an application needs for the tables, not the operator's.")
@click.option("--read-only", is_flag=True, help="With --access: reads only (no Put/Update/Delete/BatchWrite).")
@click.option("--table-prefix", default="", help="Operator policy for tables whose name starts with this.")
@click.option("--account-id", default=ANY, show_default=True, help="AWS account id (12 digits) in the ARNs.")
@click.option(
    "--region",
    default=None,
    help="Without -f: the region the operator manages (default: all). With -f: region of manifests without "
    "spec.region (default: $AWS_REGION, $AWS_DEFAULT_REGION or us-east-1).",
)
@click.option(
    "--replica-region",
    "replica_regions",
    multiple=True,
    help="Grant what adding/removing replicas needs in this region ('*' = any). Repeatable. "
    "With -f the manifests' replica regions are used instead.",
)
@click.option(
    "--kms-key-arn",
    "kms_key_arns",
    multiple=True,
    help="Customer managed KMS key tables are encrypted with. Repeatable. With -f the manifests' keys are used.",
)
@click.option(
    "--restores-and-imports",
    is_flag=True,
    help="Without -f: also grant creating tables from spec.source (restores and S3 imports), on any source table, "
    "backup and bucket. With -f it is granted when a manifest has spec.source, on its sources only.",
)
@click.option(
    "--assumed-by",
    default=None,
    help="Print the trust policy of a role in a team's account instead: the operator's role ARN may assume it "
    "(docs/multi-account.md).",
)
@click.option("--external-id", default=None, help="With --assumed-by: the external ID the trust policy requires.")
@click.option(
    "--assumes",
    "assumes",
    multiple=True,
    help="Role ARN of the account map the operator's role may assume (sts:AssumeRole). Repeatable.",
)
@unchecked_cluster_id_option
def iam_policy_command(
    *,
    paths: tuple[str, ...],
    access: bool,
    read_only: bool,
    table_prefix: str,
    account_id: str,
    region: str | None,
    replica_regions: tuple[str, ...],
    kms_key_arns: tuple[str, ...],
    restores_and_imports: bool,
    assumed_by: str | None,
    external_id: str | None,
    assumes: tuple[str, ...],
    cluster_id: str | None,
) -> None:
    """Print a least-privilege IAM policy: the operator's role (default), an application's (--access), or the
    trust policy of a role the operator assumes in another account (--assumed-by)."""
    if assumed_by is not None or external_id is not None:
        _print_trust_policy(assumed_by, external_id, other_options=bool(paths or access or table_prefix or assumes))
        return
    for arn in assumes:
        check_option("--assumes", arn, ROLE_ARN)
    _check_options(
        table_prefix=table_prefix,
        account_id=account_id,
        region=region,
        replica_regions=replica_regions,
        kms_key_arns=kms_key_arns,
        cluster_id=None if access else cluster_id,  # the access policy does not use it
    )
    if access and not paths:
        fail("--access needs the tables: give -f with their manifests")
    if read_only and not access:
        fail("--read-only only applies to --access")
    if paths and restores_and_imports:
        fail("with -f restores and imports are granted for the manifests that have spec.source")
    if paths and table_prefix:
        fail("-f scopes the policy to the manifests' tables; --table-prefix cannot be combined with it")
    try:
        if paths:
            home = region or default_region()
            tables = [table_ref(m, home) for m in _manifests(paths, home)]
            if access:
                policy = access_policy(tables, account_id=account_id, read_only=read_only)
            else:
                if replica_regions:
                    fail("with -f the replica regions come from the manifests' spec.replicas")
                scope = OperatorScope(
                    account_id=account_id, tables=tuple(tables), kms_key_arns=kms_key_arns, cluster_id=cluster_id
                )
                policy = operator_policy(engine_operations(), scope)
        else:
            scope = OperatorScope(
                account_id=account_id,
                table_prefix=table_prefix,
                regions=(region,) if region else (ANY,),
                replica_regions=replica_regions,
                kms_key_arns=kms_key_arns,
                cluster_id=cluster_id,
                restores_and_imports=restores_and_imports,
            )
            policy = operator_policy(engine_operations(), scope)
    except PolicyError as exc:
        fail(str(exc))
    if assumes:
        if access:
            fail("--assumes belongs to the operator's own policy; it cannot be combined with --access")
        policy["Statement"].append(assume_roles_statement(assumes))
    click.echo(policy_json(policy), nl=False)
    size = policy_size(policy)
    if size > MANAGED_POLICY_MAX_CHARS:
        click.echo(
            f"warning: the policy is {size} characters; a managed policy holds {MANAGED_POLICY_MAX_CHARS}. "
            "Split it (e.g. per directory of manifests) or use --table-prefix.",
            err=True,
        )


def _print_trust_policy(assumed_by: str | None, external_id: str | None, *, other_options: bool) -> None:
    if assumed_by is None:
        fail("--external-id only applies to --assumed-by (the trust policy)")
    if other_options:
        fail("--assumed-by prints the trust policy alone; print the permission policy with another run")
    check_option("--assumed-by", assumed_by, ROLE_ARN)
    if external_id is not None:
        check_option("--external-id", external_id, EXTERNAL_ID)
    click.echo(policy_json(trust_policy(assumed_by, external_id=external_id)), nl=False)
