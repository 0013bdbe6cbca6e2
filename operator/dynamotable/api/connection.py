"""The connection details `spec.export` writes to a ConfigMap for the applications that use the table.

Pure: the data is computed from the spec (index names) and the status the operator recorded for the live table
(name, ARN, region, stream ARN, replicas). Every value appears twice: under a plain camelCase key for
`configMapKeyRef` and templating, and under an upper-case key so that `envFrom` gives an application environment
variables directly. A key whose value the table does not have (no stream, no index, no replica) is absent, not
empty: an application reading the environment then sees "unset" rather than an empty string. The keys are part
of the API (docs/connection-details.md) and never renamed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

from dynamotable.api import spec as s
from dynamotable.api.status import DynamoTableStatus

# plain key -> envFrom key, in the order the docs list them.
KEYS: dict[str, str] = {
    "tableName": "TABLE_NAME",
    "tableArn": "TABLE_ARN",
    "region": "TABLE_REGION",
    "streamArn": "STREAM_ARN",
    "streamLabel": "STREAM_LABEL",
    "globalSecondaryIndexes": "GSI_NAMES",
    "localSecondaryIndexes": "LSI_NAMES",
    "replicaRegions": "REPLICA_REGIONS",
}
LIST_SEPARATOR = ","
STREAM_ARN_MARK = "/stream/"


def stream_label(stream_arn: str) -> str | None:
    """The stream's label (LatestStreamLabel), which a stream ARN ends with:
    `arn:aws:dynamodb:<region>:<account>:table/<name>/stream/<label>`."""
    _, mark, label = stream_arn.rpartition(STREAM_ARN_MARK)
    return label or None if mark else None


def _values(manifest: s.DynamoTable, status: DynamoTableStatus) -> dict[str, str | None]:
    spec = manifest.spec
    return {
        "tableName": status.table_name or manifest.table_name,
        "tableArn": status.table_arn,
        "region": status.region,
        "streamArn": status.stream_arn,
        "streamLabel": stream_label(status.stream_arn) if status.stream_arn else None,
        "globalSecondaryIndexes": LIST_SEPARATOR.join(g.name for g in spec.global_secondary_indexes) or None,
        "localSecondaryIndexes": LIST_SEPARATOR.join(i.name for i in spec.local_secondary_indexes) or None,
        "replicaRegions": LIST_SEPARATOR.join(sorted(r.region for r in status.replicas)) or None,
    }


def connection_details(manifest: s.DynamoTable, status: DynamoTableStatus) -> dict[str, str] | None:
    """The ConfigMap data for a table whose ARN the status records; None while it records none."""
    if not status.table_arn or not status.region:
        return None
    data: dict[str, str] = {}
    for key, value in _values(manifest, status).items():
        if value:
            data[key] = value
            data[KEYS[key]] = value
    return data


def checksum(config_map: str, data: Mapping[str, str]) -> str:
    """sha256 of what the ConfigMap holds, recorded in status.export to tell a change from a quiet pass."""
    canonical = json.dumps({"configMap": config_map, "data": dict(data)}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()
