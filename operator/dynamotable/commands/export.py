"""`dynamotable export`: the Terraform of every DynamoTable in a cluster, written to a directory.

Reads the DynamoTables with the user's own kubeconfig (list on dynamotables is all it needs), renders them
exactly as the operator does (same ownership tag, including the operator's cluster id), and writes one
`.tf` per table plus `versions.tf`: a Terraform root module that imports every table. Like the operator's
ConfigMap, it shows what is live: a DynamoTable that is not Ready for its current spec is exported as its
last converged rendering (read from its `<name>-terraform` ConfigMap, marked NOT IN SYNC), or skipped when it
never converged.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import click

from dynamotable.api import spec as s
from dynamotable.api.status import pin_recorded_region
from dynamotable.api.validation import validate_manifest
from dynamotable.commands.common import cluster_id_option, default_region, fail, region_option, write_files
from dynamotable.terraform.render import render_files, table_labels


def list_dynamotables(
    namespaces: Sequence[str], *, kubeconfig: str | None, context: str | None
) -> list[dict[str, Any]]:
    """Every DynamoTable in the namespaces (all namespaces when none), as plain dicts."""
    from kubernetes import client, config
    from kubernetes.client.exceptions import ApiException
    from kubernetes.config.config_exception import ConfigException

    try:
        if kubeconfig is None and context is None and os.environ.get("KUBERNETES_SERVICE_HOST"):
            config.load_incluster_config()  # type: ignore[no-untyped-call]
        else:
            config.load_kube_config(config_file=kubeconfig, context=context)  # type: ignore[no-untyped-call]
    except (ConfigException, OSError) as exc:
        fail(f"cannot load the Kubernetes configuration: {exc}")
    api = client.CustomObjectsApi()
    try:
        pages: list[Any] = (
            [api.list_cluster_custom_object(s.GROUP, s.VERSION, s.PLURAL)]
            if not namespaces
            else [api.list_namespaced_custom_object(s.GROUP, s.VERSION, ns, s.PLURAL) for ns in namespaces]
        )
        return [item for page in pages for item in page["items"]]
    except ApiException as exc:
        fail(f"listing {s.PLURAL}: {exc.status} {exc.reason}")
    except OSError as exc:  # urllib3 connection errors
        fail(f"cannot reach the Kubernetes API: {exc}")


def _exportable(items: Sequence[dict[str, Any]], region: str) -> Iterator[tuple[dict[str, Any], s.DynamoTable | None]]:
    for item in items:
        spec = dict(item.get("spec") or {})
        pin_recorded_region(spec, item)  # where the operator keeps the table, whatever today's default
        manifest, _ = validate_manifest({**item, "spec": spec}, default_region=region)
        yield item, manifest


def _converged(item: Mapping[str, Any]) -> tuple[bool, str]:
    """Whether the live table is the object's current spec (Ready=True for its generation), and the reason."""
    status = item.get("status") or {}
    generation = (item.get("metadata") or {}).get("generation")
    ready = next((c for c in status.get("conditions") or [] if c.get("type") == "Ready"), None)
    if ready is None:
        return False, "not reconciled yet"
    in_sync = ready.get("status") == "True" and (generation is None or status.get("observedGeneration") == generation)
    return in_sync, str(ready.get("reason") or "")


def _last_converged(item: Mapping[str, Any], *, kubeconfig: str | None, context: str | None) -> str | None:
    """main.tf of the object's Terraform ConfigMap (the last converged rendering, marked NOT IN SYNC)."""
    terraform = (item.get("status") or {}).get("terraform") or {}
    name, written = terraform.get("configMap"), terraform.get("sha256")
    if not name or not written:
        return None
    from kubernetes import client
    from kubernetes.client.exceptions import ApiException

    namespace = (item.get("metadata") or {}).get("namespace") or "default"
    try:
        cm = client.CoreV1Api().read_namespaced_config_map(name, namespace)
    except ApiException as exc:
        if exc.status == 404:
            return None
        fail(f"reading ConfigMap {namespace}/{name}: {exc.status} {exc.reason}")
    text = (cm.data or {}).get("main.tf")
    return text if isinstance(text, str) else None


@click.command("export")
@click.option("-n", "--namespace", "namespaces", multiple=True, help="Namespace to export (repeatable); default all.")
@click.option("-o", "--output-dir", type=click.Path(file_okay=False, path_type=Path), required=True)
@click.option("--kubeconfig", type=click.Path(dir_okay=False), default=None, help="Kubeconfig (default: the usual).")
@click.option("--context", default=None, help="Kubeconfig context (default: the current one).")
@cluster_id_option
@region_option
def export_command(
    *,
    namespaces: tuple[str, ...],
    output_dir: Path,
    kubeconfig: str | None,
    context: str | None,
    cluster_id: str | None,
    region: str | None,
) -> None:
    """Write the Terraform of every DynamoTable in the cluster to a directory (one .tf per table)."""
    provider_region = region or default_region()
    items = list_dynamotables(namespaces, kubeconfig=kubeconfig, context=context)
    manifests: list[s.DynamoTable] = []
    stale: dict[int, str] = {}  # index in manifests -> the last converged rendering to write instead
    skipped = 0
    for item, manifest in _exportable(items, provider_region):
        meta = item.get("metadata") or {}
        ref = f"{meta.get('namespace')}/{meta.get('name')}"
        in_sync, reason = _converged(item)
        if not in_sync:
            # The audit copy shows what is live and was last converged, never a spec that is not applied.
            text = _last_converged(item, kubeconfig=kubeconfig, context=context)
            if text is None or manifest is None:
                click.echo(f"skipped {ref}: not converged yet ({reason}), so there is no Terraform of it", err=True)
                skipped += 1
                continue
            click.echo(f"{ref}: not in sync ({reason}): wrote its last converged Terraform", err=True)
            stale[len(manifests)] = text
        elif manifest is None:
            click.echo(f"skipped {ref}: its spec is invalid", err=True)
            skipped += 1
            continue
        manifests.append(manifest)
    if not manifests:
        fail(f"no exportable DynamoTables found ({skipped} skipped)" if skipped else "no DynamoTables found")
    files = render_files(manifests, provider_region=provider_region, cluster_id=cluster_id)
    labels = table_labels(manifests)
    for index, text in stale.items():
        files[f"{labels[index]}.tf"] = text
    write_files(output_dir, files)
    click.echo(f"exported {len(manifests)} table(s) to {output_dir}", err=True)
    if skipped:
        raise SystemExit(1)
