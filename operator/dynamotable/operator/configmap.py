"""The `<name>-terraform` ConfigMap: the rendered Terraform of one DynamoTable, owned by it.

The ConfigMap carries an owner reference to the DynamoTable (controller, without blockOwnerDeletion so the
operator needs no `update` on `dynamotables/finalizers`), so Kubernetes garbage-collects it with the table.
It is written only when the rendering changes (its sha256 is kept in status.terraform); every
`reconciler.VERIFY_EVERY`-th drift check also reads it back and restores it if someone edited or deleted it
(the other drift checks cost no Kubernetes request). A ConfigMap of that name that is not
ours is never overwritten.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from dynamotable.api.spec import API_VERSION, GROUP, KIND
from dynamotable.operator.kube import KubeApi, KubeApiError
from dynamotable.operator.settings import REPORTING_COMPONENT, TERRAFORM_CONFIGMAP_KEY, TERRAFORM_CONFIGMAP_SUFFIX

MERGE_PATCH = "application/merge-patch+json"


@dataclass(frozen=True, slots=True)
class Rendered:
    config_map: str
    text: str
    sha256: str


def rendered(name: str, text: str) -> Rendered:
    return Rendered(
        config_map=f"{name}{TERRAFORM_CONFIGMAP_SUFFIX}",
        text=text,
        sha256=hashlib.sha256(text.encode()).hexdigest(),
    )


@dataclass(frozen=True, slots=True)
class Owner:
    namespace: str
    name: str
    uid: str | None


class Result(StrEnum):
    UNCHANGED = "unchanged"  # nothing written (known or verified equal)
    CREATED = "created"
    UPDATED = "updated"
    CONFLICT = "conflict"  # a ConfigMap of that name belongs to something else


def _path(namespace: str, name: str | None = None) -> str:
    base = f"/api/v1/namespaces/{namespace}/configmaps"
    return f"{base}/{name}" if name else base


MANAGED_BY_LABEL = "app.kubernetes.io/managed-by"
OWNER_LABEL = f"{GROUP}/dynamotable"


def owned_metadata(owner: Owner, name: str, sha256: str, labels: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Metadata of a ConfigMap the operator writes for `owner`: our labels (plus `labels`), the content's checksum,
    and the DynamoTable as its controller (garbage-collected with it)."""
    meta: dict[str, Any] = {
        "name": name,
        "namespace": owner.namespace,
        "labels": {MANAGED_BY_LABEL: REPORTING_COMPONENT, OWNER_LABEL: owner.name, **(labels or {})},
        "annotations": {f"{GROUP}/sha256": sha256},
    }
    if owner.uid:
        meta["ownerReferences"] = [
            {"apiVersion": API_VERSION, "kind": KIND, "name": owner.name, "uid": owner.uid, "controller": True}
        ]
    return meta


def owned_by(existing: Mapping[str, Any], owner: Owner, labels: Mapping[str, str] | None = None) -> bool:
    """Whether `existing` is a ConfigMap `owner` wrote: its owner reference, or (no uid known) our labels."""
    meta = existing.get("metadata") or {}
    if owner.uid is None:
        found = meta.get("labels") or {}
        wanted = {OWNER_LABEL: owner.name, **(labels or {})}
        return all(found.get(k) == v for k, v in wanted.items())
    return any(ref.get("uid") == owner.uid for ref in meta.get("ownerReferences") or [])


def _metadata(owner: Owner, r: Rendered) -> dict[str, Any]:
    return owned_metadata(owner, r.config_map, r.sha256)


def _ours(existing: Mapping[str, Any], owner: Owner) -> bool:
    return owned_by(existing, owner)


async def _create(api: KubeApi, owner: Owner, r: Rendered) -> None:
    body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": _metadata(owner, r)}
    body["data"] = {TERRAFORM_CONFIGMAP_KEY: r.text}
    await api.request("POST", _path(owner.namespace), body=body)


async def _patch(api: KubeApi, owner: Owner, r: Rendered) -> None:
    body = {"metadata": _metadata(owner, r), "data": {TERRAFORM_CONFIGMAP_KEY: r.text}}
    await api.request("PATCH", _path(owner.namespace, r.config_map), body=body, content_type=MERGE_PATCH)


async def _reconcile_existing(api: KubeApi, owner: Owner, r: Rendered) -> Result:
    try:
        existing = await api.request("GET", _path(owner.namespace, r.config_map))
    except KubeApiError as exc:
        if exc.status != 404:
            raise
        await _create(api, owner, r)
        return Result.CREATED
    if not _ours(existing, owner):
        return Result.CONFLICT
    if (existing.get("data") or {}).get(TERRAFORM_CONFIGMAP_KEY) == r.text:
        return Result.UNCHANGED
    await _patch(api, owner, r)
    return Result.UPDATED


STALE_MARK = "# NOT IN SYNC"
STALE_HEADER = (
    f"{STALE_MARK}: the DynamoTable's current spec is not what is live (it is refused, blocked or still being\n"
    "# applied; status.terraform.reason and `kubectl describe ddb` say why). Below is the Terraform of the last\n"
    "# converged spec. Wait for Ready=True before taking the table over with it.\n"
)


def with_stale_header(text: str) -> str:
    return STALE_HEADER + without_stale_header(text)


def without_stale_header(text: str) -> str:
    return text[len(STALE_HEADER) :] if text.startswith(STALE_HEADER) else text


async def read(api: KubeApi, owner: Owner, config_map: str) -> str | None:
    """main.tf of our ConfigMap; None when there is none, or it is not ours."""
    try:
        existing = await api.request("GET", _path(owner.namespace, config_map))
    except KubeApiError as exc:
        if exc.status == 404:
            return None
        raise
    if not _ours(existing, owner):
        return None
    text = (existing.get("data") or {}).get(TERRAFORM_CONFIGMAP_KEY)
    return text if isinstance(text, str) else None


async def ensure(api: KubeApi, owner: Owner, r: Rendered, *, known_sha: str | None, verify: bool) -> Result:
    """Make the ConfigMap hold `r`. `known_sha`: what status says we last wrote; `verify`: read it back even
    if that matches (the drift check)."""
    if known_sha == r.sha256 and not verify:
        return Result.UNCHANGED
    if known_sha is None and not verify:
        # First write (as far as status knows): create straight away, look only if something is there.
        try:
            await _create(api, owner, r)
            return Result.CREATED
        except KubeApiError as exc:
            if exc.status != 409:
                raise
    return await _reconcile_existing(api, owner, r)
