"""The cluster-wide claim on every table: (account, region, tableName) -> the one DynamoTable that manages it.

The ownership tag alone cannot protect a table: anyone who can edit the table's tags can remove it, and then
a second DynamoTable with `adopt: true` would take the table over (and delete it with deletionPolicy
Delete). So the operator also decides ownership from what it watches: every DynamoTable naming a table is a
candidate, and the claim goes to the candidate that first reached Ready for it (`status.firstReadyTime`), or,
while none has, to the oldest (creationTimestamp, then namespace/name). Everything is read from the objects
themselves, status included, so the same claim comes out after a restart. The others get OwnershipConflict,
send nothing to AWS, and never delete the table.

Pure: the kopf index that feeds it is registered in handlers.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from dynamotable.api.status import pin_recorded_region

# The index keys every claim under this account; the account of each candidate comes from the account map at
# lookup time (`in_account`), since the platform team can remap a namespace without any DynamoTable changing.
DEFAULT_ACCOUNT = "default"

ClaimKey = tuple[str, str, str]  # (account, region, tableName)


@dataclass(frozen=True, slots=True)
class Candidate:
    namespace: str
    name: str
    uid: str
    first_ready: str | None  # RFC 3339, from status.firstReadyTime (or a Ready=True condition)
    created: str  # metadata.creationTimestamp

    @property
    def ref(self) -> str:
        return f"{self.namespace}/{self.name}"

    def rank(self) -> tuple[int, str, str, str]:
        if self.first_ready is not None:
            return (0, _sortable(self.first_ready), self.created, self.ref)
        return (1, self.created, self.ref, self.uid)


def _sortable(ts: str) -> str:
    """RFC 3339 timestamps of the API server (Z, whole seconds) compare as strings; normalise a +00:00."""
    return ts.replace("+00:00", "Z")


def resolve_region(body: Mapping[str, Any], default_region: str) -> str:
    """Where the object's table lives, as the reconciler resolves it (api.status.pin_recorded_region): spec.region,
    else the region recorded in status, else the default. An explicit spec.region that differs from a recorded
    table's region is refused by the reconciler; here it wins so that every caller resolves the same way."""
    raw = body.get("spec")
    spec = dict(raw) if isinstance(raw, Mapping) else {}
    pin_recorded_region(spec, body)
    region = spec.get("region")
    return region if isinstance(region, str) and region else default_region


def table_name_of(body: Mapping[str, Any]) -> str:
    spec = body.get("spec") or {}
    name = spec.get("tableName") if isinstance(spec, Mapping) else None
    if isinstance(name, str) and name:
        return name
    return str((body.get("metadata") or {}).get("name") or "")


def claim_key(body: Mapping[str, Any], default_region: str, account: str = DEFAULT_ACCOUNT) -> ClaimKey:
    return (account, resolve_region(body, default_region), table_name_of(body))


def candidate(body: Mapping[str, Any]) -> Candidate:
    meta = body.get("metadata") or {}
    status = body.get("status") or {}
    first_ready = status.get("firstReadyTime") if isinstance(status, Mapping) else None
    if not isinstance(first_ready, str):
        first_ready = _ready_since(status) if isinstance(status, Mapping) else None
    return Candidate(
        namespace=str(meta.get("namespace") or "default"),
        name=str(meta.get("name") or ""),
        uid=str(meta.get("uid") or ""),
        first_ready=first_ready,
        created=str(meta.get("creationTimestamp") or ""),
    )


def _ready_since(status: Mapping[str, Any]) -> str | None:
    """An object Ready before firstReadyTime existed: its Ready=True condition's transition time."""
    for cond in status.get("conditions") or []:
        if isinstance(cond, Mapping) and cond.get("type") == "Ready" and cond.get("status") == "True":
            ts = cond.get("lastTransitionTime")
            return ts if isinstance(ts, str) else None
    return None


def holder(candidates: Iterable[Candidate]) -> Candidate | None:
    """The candidate the claim goes to."""
    return min(candidates, key=Candidate.rank, default=None)


def rival(candidates: Iterable[Candidate], uid: str, namespace: str, name: str) -> Candidate | None:
    """The candidate that holds the claim, if it is not the given object."""
    winner = holder(candidates)
    if winner is None or (winner.uid == uid and winner.namespace == namespace and winner.name == name):
        return None
    return winner


def in_account(
    candidates: Iterable[Candidate], account_of: Callable[[str], str | None], account: str | None
) -> list[Candidate]:
    """The candidates whose namespace's tables live in `account` (None: the operator's own credentials'):
    tables of the same name and region in two accounts are two tables, and neither claim meets the other."""
    return [c for c in candidates if account_of(c.namespace) == account]
