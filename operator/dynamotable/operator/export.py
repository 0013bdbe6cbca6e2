"""The spec.export ConfigMap: the table's connection details for the applications in its namespace.

Follows configmap.py (the `<name>-terraform` ConfigMap): owned by the DynamoTable (controller owner reference,
so Kubernetes garbage-collects it with the object; without blockOwnerDeletion, for the reason given there),
labelled as the operator's, written only when the data changes (its sha256 is kept in status.export, so a
quiet drift check sends no Kubernetes request), read back on the drift checks that read the Terraform one back.
A ConfigMap of that name that is not ours (no owner reference with this object's uid) is never overwritten
nor deleted. Removing spec.export, or renaming it, deletes the ConfigMap we wrote.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from dynamotable.api.connection import checksum
from dynamotable.api.spec import GROUP
from dynamotable.operator.configmap import MERGE_PATCH, Owner, owned_by, owned_metadata
from dynamotable.operator.kube import KubeApi, KubeApiError

# Marks a ConfigMap as a DynamoTable's connection details: what the chart's ConfigMap policy lets the operator
# write besides `<name>-terraform` (it cannot read spec.export, so it checks this label and the owner).
EXPORT_LABEL = f"{GROUP}/connection-details"


@dataclass(frozen=True, slots=True)
class Export:
    config_map: str
    data: dict[str, str]

    @property
    def sha256(self) -> str:
        return checksum(self.config_map, self.data)


class Result(StrEnum):
    UNCHANGED = "unchanged"  # nothing written (known or verified equal)
    CREATED = "created"
    UPDATED = "updated"
    CONFLICT = "conflict"  # a ConfigMap of that name belongs to something else
    DELETED = "deleted"
    ABSENT = "absent"  # nothing to delete (gone already, or not ours)


def _path(namespace: str, name: str | None = None) -> str:
    base = f"/api/v1/namespaces/{namespace}/configmaps"
    return f"{base}/{name}" if name else base


def _metadata(owner: Owner, export: Export) -> dict[str, Any]:
    return owned_metadata(owner, export.config_map, export.sha256, {EXPORT_LABEL: "true"})


def ours(existing: Mapping[str, Any], owner: Owner) -> bool:
    return owned_by(existing, owner, {EXPORT_LABEL: "true"})


async def _create(api: KubeApi, owner: Owner, export: Export) -> None:
    body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": _metadata(owner, export), "data": export.data}
    await api.request("POST", _path(owner.namespace), body=body)


async def _patch(api: KubeApi, owner: Owner, export: Export, before: Mapping[str, Any]) -> None:
    # A merge patch merges `data`: a key the table no longer has (a stream disabled) needs its own null.
    data: dict[str, str | None] = {key: None for key in before if key not in export.data}
    data.update(export.data)
    body = {"metadata": _metadata(owner, export), "data": data}
    await api.request("PATCH", _path(owner.namespace, export.config_map), body=body, content_type=MERGE_PATCH)


async def _get(api: KubeApi, namespace: str, name: str) -> Mapping[str, Any] | None:
    try:
        return await api.request("GET", _path(namespace, name))
    except KubeApiError as exc:
        if exc.status == 404:
            return None
        raise


async def _reconcile_existing(api: KubeApi, owner: Owner, export: Export) -> Result:
    existing = await _get(api, owner.namespace, export.config_map)
    if existing is None:
        await _create(api, owner, export)
        return Result.CREATED
    if not ours(existing, owner):
        return Result.CONFLICT
    before = existing.get("data") or {}
    if before == export.data:
        return Result.UNCHANGED
    await _patch(api, owner, export, before)
    return Result.UPDATED


async def ensure(api: KubeApi, owner: Owner, export: Export, *, known_sha: str | None, verify: bool) -> Result:
    """Make the ConfigMap hold `export.data`. `known_sha`: what status says we last wrote there; `verify`: read
    it back even if that matches (the periodic read-back of the drift checks)."""
    if known_sha == export.sha256 and not verify:
        return Result.UNCHANGED
    if known_sha is None and not verify:
        # First write (as far as status knows): create straight away, look only if something is there.
        try:
            await _create(api, owner, export)
            return Result.CREATED
        except KubeApiError as exc:
            if exc.status != 409:
                raise
    return await _reconcile_existing(api, owner, export)


async def remove(api: KubeApi, owner: Owner, config_map: str) -> Result:
    """Delete the ConfigMap we wrote (spec.export removed or renamed); one that is not ours stays."""
    existing = await _get(api, owner.namespace, config_map)
    if existing is None or not ours(existing, owner):
        return Result.ABSENT
    try:
        await api.request("DELETE", _path(owner.namespace, config_map))
    except KubeApiError as exc:
        if exc.status != 404:
            raise
        return Result.ABSENT
    return Result.DELETED
