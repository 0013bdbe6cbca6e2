"""RBAC equals what the operator uses (dynamotable.operator.rbac), no wildcards; the pod meets `restricted`."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest
from chart_helpers import FULLNAME, RELEASE_NAMESPACE, Render, container, of_kind, workload

from dynamotable.operator.rbac import Rule, rules_for

Triple = tuple[str, str, str]  # (apiGroup, resource, verb)
MODES = {
    "all-namespaces": ({}, True, False),
    "namespaced": ({"operator": {"watchNamespaces": ["team-a", "team-b"]}}, False, False),
    "hot-standby": ({"hotStandby": {"enabled": True}}, True, True),
    "hot-standby-namespaced": (
        {"hotStandby": {"enabled": True}, "operator": {"watchNamespaces": ["team-a", "team-b"]}},
        False,
        True,
    ),
}


def triples(rules: list[dict[str, Any]]) -> set[Triple]:
    return {(g, r, v) for rule in rules for g in rule["apiGroups"] for r in rule["resources"] for v in rule["verbs"]}


def expected(rules: tuple[Rule, ...]) -> set[Triple]:
    return {(r.api_group, r.resource, v) for r in rules for v in r.verbs}


def granted(docs: list[dict[str, Any]], sa: str = FULLNAME) -> tuple[set[Triple], dict[str, set[Triple]]]:
    """What the operator's ServiceAccount is granted: cluster-wide, and per namespace (through Roles)."""
    subject = {"kind": "ServiceAccount", "name": sa, "namespace": RELEASE_NAMESPACE}
    cluster_roles = {d["metadata"]["name"]: d for d in of_kind(docs, "ClusterRole")}
    roles = {(d["metadata"]["namespace"], d["metadata"]["name"]): d for d in of_kind(docs, "Role")}
    cluster: set[Triple] = set()
    per_namespace: dict[str, set[Triple]] = defaultdict(set)
    for binding in of_kind(docs, "ClusterRoleBinding"):
        assert binding["subjects"] == [subject]
        assert binding["roleRef"]["kind"] == "ClusterRole"
        cluster |= triples(cluster_roles[binding["roleRef"]["name"]]["rules"])
    for binding in of_kind(docs, "RoleBinding"):
        assert binding["subjects"] == [subject]
        assert binding["roleRef"]["kind"] == "Role", "a RoleBinding to a ClusterRole would hide what it grants"
        ns = binding["metadata"]["namespace"]
        per_namespace[ns] |= triples(roles[(ns, binding["roleRef"]["name"])]["rules"])
    bound_roles = {(b["metadata"]["namespace"], b["roleRef"]["name"]) for b in of_kind(docs, "RoleBinding")}
    assert set(roles) == bound_roles, "every Role is bound, and only those"
    assert set(cluster_roles) == {b["roleRef"]["name"] for b in of_kind(docs, "ClusterRoleBinding")}
    return cluster, dict(per_namespace)


@pytest.mark.parametrize(("values", "all_namespaces", "peering"), MODES.values(), ids=MODES.keys())
def test_rbac_is_exactly_what_the_operator_uses(
    render: Render, values: dict[str, Any], all_namespaces: bool, peering: bool
) -> None:
    rules = rules_for(all_namespaces=all_namespaces, peering=peering)
    cluster, per_namespace = granted(render(**values))
    if all_namespaces:
        assert cluster == expected(rules)
        assert per_namespace == {}
    else:
        assert cluster == expected(tuple(r for r in rules if r.scope == "cluster"))
        namespaced = expected(tuple(r for r in rules if r.scope == "namespace"))
        assert per_namespace == dict.fromkeys(values["operator"]["watchNamespaces"], namespaced)


@pytest.mark.parametrize("mode", ["namespaced", "hot-standby-namespaced"])
def test_namespaced_installs_write_configmaps_only_in_the_watched_namespaces(render: Render, mode: str) -> None:
    values, _, _ = MODES[mode]
    cluster, per_namespace = granted(render(**values))
    assert not {t for t in cluster if t[1] == "configmaps"}, "no ConfigMap access through a ClusterRole"
    writers = {
        ns for ns, grant in per_namespace.items() if {("", "configmaps", "create"), ("", "configmaps", "patch")} & grant
    }
    assert writers == set(values["operator"]["watchNamespaces"])


def test_no_wildcards_anywhere(render: Render) -> None:
    for values, _, _ in MODES.values():
        for role in of_kind(render(**values), "ClusterRole") + of_kind(render(**values), "Role"):
            for rule in role["rules"]:
                for key in ("apiGroups", "resources", "verbs"):
                    assert "*" not in rule[key], (role["metadata"]["name"], rule)
                assert "nonResourceURLs" not in rule


def test_granted_fails_on_a_grant_beyond_the_operators_needs(render: Render) -> None:
    docs = render()
    (role,) = of_kind(docs, "ClusterRole")
    role["rules"].append({"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"]})
    cluster, _ = granted(docs)
    assert cluster != expected(rules_for(all_namespaces=True, peering=False))


# --------------------------------------------------------------------------- Pod Security Standard: restricted

ALLOWED_VOLUME_TYPES = {"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim"}
ALLOWED_VOLUME_TYPES |= {"projected", "secret"}


def restricted_violations(pod: dict[str, Any]) -> list[str]:
    """The `restricted` Pod Security Standard (kubernetes.io/docs/concepts/security/pod-security-standards),
    field by field, plus our own read-only root filesystem."""
    problems = []
    psc = pod.get("securityContext", {})
    for key in ("hostNetwork", "hostPID", "hostIPC"):
        if pod.get(key):
            problems.append(f"{key} is set")
    for volume in pod.get("volumes", []):
        kinds = set(volume) - {"name"}
        if not kinds <= ALLOWED_VOLUME_TYPES:
            problems.append(f"volume {volume['name']} has type {kinds}")
    for c in pod.get("initContainers", []) + pod["containers"]:
        csc = c.get("securityContext", {})
        name = c["name"]
        if csc.get("privileged"):
            problems.append(f"{name}: privileged")
        if csc.get("allowPrivilegeEscalation") is not False:
            problems.append(f"{name}: allowPrivilegeEscalation is not false")
        if "ALL" not in csc.get("capabilities", {}).get("drop", []):
            problems.append(f"{name}: capabilities do not drop ALL")
        if set(csc.get("capabilities", {}).get("add", [])) - {"NET_BIND_SERVICE"}:
            problems.append(f"{name}: adds capabilities")
        if not csc.get("runAsNonRoot", psc.get("runAsNonRoot")):
            problems.append(f"{name}: runAsNonRoot is not true")
        if csc.get("runAsUser", psc.get("runAsUser")) in (0, None):
            problems.append(f"{name}: no fixed non-root runAsUser")
        seccomp = csc.get("seccompProfile", psc.get("seccompProfile", {})).get("type")
        if seccomp not in ("RuntimeDefault", "Localhost"):
            problems.append(f"{name}: seccompProfile is {seccomp}")
        if csc.get("readOnlyRootFilesystem") is not True:
            problems.append(f"{name}: root filesystem is writable")
        for port in c.get("ports", []):
            if port.get("hostPort"):
                problems.append(f"{name}: hostPort {port['hostPort']}")
    return problems


@pytest.mark.parametrize("values", [v for v, _, _ in MODES.values()], ids=list(MODES))
def test_pod_meets_the_restricted_pod_security_standard(render: Render, values: dict[str, Any]) -> None:
    pod = workload(render(**values))["spec"]["template"]["spec"]
    assert restricted_violations(pod) == []
    assert pod["securityContext"]["runAsUser"] == 65532
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert not pod.get("hostNetwork")


def test_only_tmp_is_writable(render: Render) -> None:
    docs = render()
    pod = workload(docs)["spec"]["template"]["spec"]
    assert pod["volumes"] == [{"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}}]
    assert container(docs)["volumeMounts"] == [{"name": "tmp", "mountPath": "/tmp"}]


def test_restricted_check_catches_a_weakened_pod(render: Render) -> None:
    docs = render(
        podSecurityContext={"runAsNonRoot": False, "runAsUser": 1, "seccompProfile": {"type": "Localhost"}},
        containerSecurityContext={
            "allowPrivilegeEscalation": True,
            "readOnlyRootFilesystem": False,
            "runAsNonRoot": False,
            "capabilities": {"drop": [], "add": ["SYS_ADMIN"]},
        },
    )
    problems = restricted_violations(workload(docs)["spec"]["template"]["spec"])
    assert set(problems) >= {
        "operator: allowPrivilegeEscalation is not false",
        "operator: capabilities do not drop ALL",
        "operator: adds capabilities",
        "operator: runAsNonRoot is not true",
        "operator: root filesystem is writable",
    }
    hostile = {
        "containers": [{"name": "c", "securityContext": {}}],
        "hostNetwork": True,
        "volumes": [{"name": "h", "hostPath": {"path": "/"}}],
    }
    assert {"hostNetwork is set", "volume h has type {'hostPath'}", "c: no fixed non-root runAsUser"} <= set(
        restricted_violations(hostile)
    )
