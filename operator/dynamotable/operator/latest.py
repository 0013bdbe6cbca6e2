"""Each DynamoTable's latest body as the `latest` index keeps it for the drift checks.

A decoded watch event is about 8.5 KB of Python objects per DynamoTable (tracemalloc at 2,000 objects), held for
as long as the object exists. The index keeps compact JSON of what a pass reads instead (the diff-base annotation,
a copy of the spec kopf keeps, and managedFields left out), decoded when a check is due, and the resourceVersion
beside it for the status-patch waits that poll it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

import kopf

from dynamotable.operator.settings import ANNOTATION_PREFIX, DIFFBASE_KEY

DIFFBASE_ANNOTATION = f"{ANNOTATION_PREFIX}/{DIFFBASE_KEY}"
_LEFT_OUT_METADATA = frozenset({"managedFields"})


@dataclass(frozen=True, slots=True)
class StoredBody:
    resource_version: str | None
    data: bytes

    def body(self) -> kopf.Body:
        return kopf.Body(cast(kopf.RawBody, json.loads(self.data)))


def stored(body: Mapping[str, Any]) -> StoredBody:
    meta: Mapping[str, Any] = body.get("metadata") or {}
    kept_meta = {k: v for k, v in meta.items() if k not in _LEFT_OUT_METADATA}
    annotations = meta.get("annotations")
    if isinstance(annotations, Mapping) and DIFFBASE_ANNOTATION in annotations:
        kept_meta["annotations"] = {k: v for k, v in annotations.items() if k != DIFFBASE_ANNOTATION}
    raw = {**body, "metadata": kept_meta}
    data = json.dumps(raw, separators=(",", ":"), ensure_ascii=False).encode()
    version = meta.get("resourceVersion")
    return StoredBody(version if isinstance(version, str) else None, data)
