"""Exactly the Kubernetes API access the operator uses; the chart's RBAC must equal this (test-enforced).

Read with docs/operator-rbac.md, which explains each rule. `scope` says where a rule is granted:
"cluster" rules are always in a ClusterRole; "namespace" rules are granted in each watched namespace (a Role
per namespace with `-n`, or the ClusterRole with `-A`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from dynamotable.api.spec import GROUP, PLURAL

Scope = Literal["cluster", "namespace"]


@dataclass(frozen=True, slots=True)
class Rule:
    api_group: str
    resource: str
    verbs: tuple[str, ...]
    scope: Scope
    why: str

    def as_policy_rule(self) -> dict[str, Any]:
        """The rule as it appears in a Role/ClusterRole manifest."""
        return {"apiGroups": [self.api_group], "resources": [self.resource], "verbs": sorted(self.verbs)}


REQUIRED_RULES: tuple[Rule, ...] = (
    Rule(GROUP, PLURAL, ("list", "watch"), "namespace", "kopf lists and watches the DynamoTables it serves"),
    Rule(
        GROUP,
        PLURAL,
        ("get",),
        "namespace",
        "a create waiting for a table-operation slot reads its object again before going on (edited or deleted?)",
    ),
    Rule(
        GROUP,
        PLURAL,
        ("patch",),
        "namespace",
        "kopf adds/removes the finalizer (JSON patch) and writes its progress and diff-base annotations",
    ),
    Rule(GROUP, f"{PLURAL}/status", ("patch",), "namespace", "status: conditions, plan, drift, ARNs (merge patch)"),
    Rule("", "events", ("create",), "namespace", "Events on DynamoTables (kopf posts core v1 Events only)"),
    Rule(
        "",
        "configmaps",
        ("create", "delete", "get", "patch"),
        "namespace",
        "the <name>-terraform ConfigMap and the spec.export ConfigMap of connection details: created once, "
        "patched when their content changes, read by the drift check to restore them if edited or deleted; the "
        "export one is deleted when spec.export is removed or renamed",
    ),
    Rule(
        "apiextensions.k8s.io",
        "customresourcedefinitions",
        ("list", "watch"),
        "cluster",
        "kopf watches CRDs to notice the DynamoTable CRD being installed, upgraded or removed",
    ),
)

# Only with `-n NS` (not with -A): kopf lists and watches namespaces to match the patterns it was given.
WATCH_NAMESPACES_RULES: tuple[Rule, ...] = (
    Rule("", "namespaces", ("list", "watch"), "cluster", "kopf resolves the -n namespace patterns"),
)

# Only with `--peering NAME` (hot standby): kopf's peering objects (namespaced with -n, cluster-wide with -A).
PEERING_RULES_NAMESPACED: tuple[Rule, ...] = (
    Rule("kopf.dev", "kopfpeerings", ("list", "watch", "patch"), "namespace", "kopf peering (leader election)"),
)
PEERING_RULES_CLUSTER: tuple[Rule, ...] = (
    Rule("kopf.dev", "clusterkopfpeerings", ("list", "watch", "patch"), "cluster", "kopf peering (leader election)"),
)


# Only with an account map (DYNAMOTABLE_ACCOUNTS_CONFIG_MAP): that one ConfigMap, in the operator's namespace (a Role
# there with resourceNames), whatever namespaces are watched.
ACCOUNTS_RULE = Rule(
    "",
    "configmaps",
    ("get",),
    "namespace",
    "the account map (docs/multi-account.md), read again every accounts_refresh seconds",
)


def rules_for(*, all_namespaces: bool, peering: bool) -> tuple[Rule, ...]:
    """The rules for one deployment mode of `dynamotable run`."""
    rules = list(REQUIRED_RULES)
    if not all_namespaces:
        rules += WATCH_NAMESPACES_RULES
    if peering:
        rules += PEERING_RULES_CLUSTER if all_namespaces else PEERING_RULES_NAMESPACED
    return tuple(rules)


def allows(rules: tuple[Rule, ...], *, api_group: str, resource: str, verb: str) -> bool:
    return any(r.api_group == api_group and r.resource == resource and verb in r.verbs for r in rules)
