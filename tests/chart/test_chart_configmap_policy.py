"""The ValidatingAdmissionPolicy of all-namespaces installs: the operator's ServiceAccount may write only the
`<name>-terraform` ConfigMaps dynamotable.operator.configmap writes and the connection-details ConfigMaps
(spec.export) dynamotable.operator.export writes.

The rendered policy is evaluated as the API server would (matchConditions, then variables, then every
validation; an evaluation error denies, as failurePolicy Fail does) with cel-python, on the exact requests
the operator's ConfigMap code sends, and on the writes it must never make.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Mapping
from typing import Any

import celpy
import pytest
from celpy import celtypes
from chart_helpers import FULLNAME, RELEASE_NAMESPACE, Render, of_kind, one

from dynamotable.operator import configmap, export
from dynamotable.operator.kube import KubeApi, KubeApiError
from dynamotable.operator.rbac import rules_for

OPERATOR = f"system:serviceaccount:{RELEASE_NAMESPACE}:{FULLNAME}"
VAP = "ValidatingAdmissionPolicy"
VAPB = "ValidatingAdmissionPolicyBinding"
# The admission operation each RBAC write verb arrives as (PATCH and PUT are both UPDATE).
ADMISSION_OPERATION = {"create": "CREATE", "update": "UPDATE", "patch": "UPDATE", "delete": "DELETE"}
ADMISSION_OPERATION["deletecollection"] = "DELETE"
ENV = celpy.Environment()


class Admission:
    """One rendered ValidatingAdmissionPolicy, compiled with cel-python."""

    def __init__(self, policy: Mapping[str, Any]) -> None:
        spec = policy["spec"]
        self.conditions = [self._compile(c["expression"]) for c in spec["matchConditions"]]
        self.variables = [(v["name"], self._compile(v["expression"])) for v in spec["variables"]]
        self.validations = [(self._compile(v["expression"]), v["message"]) for v in spec["validations"]]

    @staticmethod
    def _compile(expression: str) -> Any:
        return ENV.program(ENV.compile(expression))

    def review(
        self, operation: str, obj: Mapping[str, Any] | None, old: Mapping[str, Any] | None, user: str = OPERATOR
    ) -> list[str] | None:
        """None when the policy does not apply to the request, else the messages of the failed validations
        (empty: admitted)."""
        request = {"operation": operation, "userInfo": {"username": user}}
        activation: dict[str, Any] = {
            "request": celpy.json_to_cel(request),
            "object": celpy.json_to_cel(obj),
            "oldObject": celpy.json_to_cel(old),
        }
        if not all(self._true(c, activation) for c in self.conditions):
            return None
        computed: dict[Any, Any] = {}
        for name, program in self.variables:
            activation["variables"] = celtypes.MapType(computed)
            computed[celtypes.StringType(name)] = program.evaluate(activation)
        activation["variables"] = celtypes.MapType(computed)
        return [message for program, message in self.validations if not self._true(program, activation)]

    @staticmethod
    def _true(program: Any, activation: dict[str, Any]) -> bool:
        try:
            result = program.evaluate(activation)
        except celpy.CELEvalError:
            return False
        return isinstance(result, celtypes.BoolType) and bool(result)


class RecordingApi(KubeApi):
    """The operator's Kubernetes client with the API server replaced by one stored ConfigMap."""

    def __init__(self, stored: dict[str, Any] | None = None) -> None:
        super().__init__(lambda: None)
        self.stored = stored
        self.sent: list[tuple[str, str, Any]] = []

    async def request(
        self, method: str, path: str, *, body: Any = None, content_type: str = "application/json"
    ) -> Mapping[str, Any]:
        self.sent.append((method, path, body))
        if method == "GET":
            if self.stored is None:
                raise KubeApiError(404, "not found")
            return self.stored
        return dict(body or {})


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386, as the API server applies application/merge-patch+json."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def stored(body: dict[str, Any]) -> dict[str, Any]:
    """A created object as the API server keeps it."""
    out = copy.deepcopy(body)
    out["metadata"] |= {"uid": "7d3c1a52-cm", "resourceVersion": "41", "creationTimestamp": "2025-01-01T00:00:00Z"}
    return out


OWNER = configmap.Owner(namespace="team-a", name="orders", uid="0b6e2f3c-4d5e-4f60-8a71-92b3c4d5e6f7")


def operator_create() -> dict[str, Any]:
    """The body of the operator's first write of a table's ConfigMap."""
    api = RecordingApi()
    result = asyncio.run(
        configmap.ensure(api, OWNER, configmap.rendered("orders", "# v1\n"), known_sha=None, verify=False)
    )
    assert result is configmap.Result.CREATED
    ((method, path, body),) = api.sent
    assert (method, path) == ("POST", "/api/v1/namespaces/team-a/configmaps")
    return dict(body)


def operator_update() -> tuple[dict[str, Any], dict[str, Any]]:
    """(old, new) of the operator's merge patch when the rendering changes."""
    old = stored(operator_create())
    api = RecordingApi(old)
    first = configmap.rendered("orders", "# v1\n")
    result = asyncio.run(
        configmap.ensure(api, OWNER, configmap.rendered("orders", "# v2\n"), known_sha=first.sha256, verify=True)
    )
    assert result is configmap.Result.UPDATED
    (method, path, patch) = api.sent[-1]
    assert (method, path) == ("PATCH", "/api/v1/namespaces/team-a/configmaps/orders-terraform")
    return old, merge_patch(old, patch)


def foreign(name: str, namespace: str, **metadata: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": namespace, **metadata}}


AWS_AUTH = foreign("aws-auth", "kube-system", labels={"app.kubernetes.io/managed-by": "eksctl"})


@pytest.fixture(scope="module")
def admission(render: Render) -> Admission:
    return Admission(one(render(), VAP))


# --------------------------------------------------------------------------- what the chart ships


def test_policy_and_binding_ship_by_default_for_all_namespaces(render: Render) -> None:
    docs = render()
    policy, binding = one(docs, VAP), one(docs, VAPB)
    assert policy["apiVersion"] == binding["apiVersion"] == "admissionregistration.k8s.io/v1"
    assert policy["metadata"]["name"] == f"{FULLNAME}-configmaps"
    assert binding["spec"] == {"policyName": policy["metadata"]["name"], "validationActions": ["Deny"]}
    spec = policy["spec"]
    assert spec["failurePolicy"] == "Fail"
    (rule,) = spec["matchConstraints"]["resourceRules"]
    assert rule == {
        "apiGroups": [""],
        "apiVersions": ["v1"],
        "operations": ["CREATE", "UPDATE", "DELETE"],
        "resources": ["configmaps"],
    }
    (condition,) = spec["matchConditions"]
    assert condition["expression"] == f"request.userInfo.username == '{OPERATOR}'"


def test_policy_can_be_turned_off_and_is_not_rendered_for_namespaced_installs(render: Render) -> None:
    off = render(configMapPolicy={"enabled": False})
    assert of_kind(off, VAP) == of_kind(off, VAPB) == []
    namespaced = render(operator={"watchNamespaces": ["team-a"]})
    assert of_kind(namespaced, VAP) == of_kind(namespaced, VAPB) == []


def test_policy_covers_every_configmap_write_the_operator_is_granted(render: Render) -> None:
    granted = {v for r in rules_for(all_namespaces=True, peering=False) if r.resource == "configmaps" for v in r.verbs}
    writes = {ADMISSION_OPERATION[v] for v in granted if v in ADMISSION_OPERATION}
    assert writes, "the operator writes ConfigMaps; the policy exists for that"
    (rule,) = one(render(), VAP)["spec"]["matchConstraints"]["resourceRules"]
    assert writes <= set(rule["operations"])


def test_policy_matches_the_service_account_the_chart_runs_the_operator_as(render: Render) -> None:
    docs = render(serviceAccount={"create": False, "name": "platform-sa"})
    admission = Admission(one(docs, VAP))
    platform = f"system:serviceaccount:{RELEASE_NAMESPACE}:platform-sa"
    assert admission.review("CREATE", AWS_AUTH, None, user=OPERATOR) is None
    assert admission.review("CREATE", AWS_AUTH, None, user=platform)
    assert admission.review("CREATE", operator_create(), None, user=platform) == []


# --------------------------------------------------------------------------- the operator's own writes pass


def test_the_operators_create_is_admitted(admission: Admission) -> None:
    body = operator_create()
    assert body["metadata"]["name"] == "orders-terraform"
    assert admission.review("CREATE", body, None) == []


def test_the_operators_patch_is_admitted(admission: Admission) -> None:
    old, new = operator_update()
    assert new["data"] != old["data"]
    assert admission.review("UPDATE", new, old) == []


def test_the_operators_patch_restoring_a_stripped_label_is_admitted(admission: Admission) -> None:
    old, new = operator_update()
    del old["metadata"]["labels"]["app.kubernetes.io/managed-by"]
    assert admission.review("UPDATE", new, old) == []


def test_deleting_its_own_configmap_is_admitted(admission: Admission) -> None:
    assert admission.review("DELETE", None, stored(operator_create())) == []


# --------------------------------------------------------------------------- everything else is refused

NAME_RULE = (
    "the dynamotable operator writes only <name>-terraform ConfigMaps and connection-details ConfigMaps (spec.export)"
)
LABEL_RULE = (
    "the dynamotable operator writes only ConfigMaps labelled app.kubernetes.io/managed-by=dynamotable-operator"
)
OWNER_RULE = "the dynamotable operator writes only ConfigMaps owned by their DynamoTable (dynamotable.io/v1alpha1)"
TAKEOVER_RULE = "the dynamotable operator does not take over ConfigMaps that no DynamoTable owns"


def test_the_messages_checked_here_are_the_policys(admission: Admission) -> None:
    assert [message for _, message in admission.validations] == [NAME_RULE, LABEL_RULE, OWNER_RULE, TAKEOVER_RULE]


def test_aws_auth_in_kube_system_is_refused(admission: Admission) -> None:
    edited = merge_patch(AWS_AUTH, {"data": {"mapRoles": "- rolearn: arn:aws:iam::1:role/evil"}})
    assert set(admission.review("CREATE", AWS_AUTH, None) or []) == {NAME_RULE, LABEL_RULE, OWNER_RULE}
    assert set(admission.review("UPDATE", edited, AWS_AUTH) or []) == {NAME_RULE, LABEL_RULE, OWNER_RULE, TAKEOVER_RULE}
    assert set(admission.review("DELETE", None, AWS_AUTH) or []) == {NAME_RULE, LABEL_RULE, OWNER_RULE}


def test_aws_auth_dressed_as_ours_is_still_refused_by_name(admission: Admission) -> None:
    body = operator_create()
    body["metadata"] |= {"name": "aws-auth", "namespace": "kube-system"}
    assert admission.review("CREATE", body, None) == [NAME_RULE, OWNER_RULE]


def test_a_terraform_configmap_without_the_label_is_refused(admission: Admission) -> None:
    body = operator_create()
    del body["metadata"]["labels"]["app.kubernetes.io/managed-by"]
    assert admission.review("CREATE", body, None) == [LABEL_RULE]
    body["metadata"]["labels"]["app.kubernetes.io/managed-by"] = "Helm"
    assert admission.review("CREATE", body, None) == [LABEL_RULE]
    del body["metadata"]["labels"]
    assert admission.review("CREATE", body, None) == [LABEL_RULE]


def test_a_terraform_configmap_without_the_owner_reference_is_refused(admission: Admission) -> None:
    body = operator_create()
    del body["metadata"]["ownerReferences"]
    assert admission.review("CREATE", body, None) == [OWNER_RULE]


@pytest.mark.parametrize(
    "change",
    [
        {"kind": "Deployment"},
        {"apiVersion": "dynamotable.io/v1beta1"},
        {"apiVersion": "example.com/v1alpha1"},
        {"name": "payments"},
    ],
    ids=["other-kind", "other-version", "other-group", "other-table"],
)
def test_an_owner_reference_that_is_not_the_configmaps_dynamotable_is_refused(
    admission: Admission, change: dict[str, str]
) -> None:
    body = operator_create()
    body["metadata"]["ownerReferences"] = [body["metadata"]["ownerReferences"][0] | change]
    assert admission.review("CREATE", body, None) == [OWNER_RULE]


def test_taking_over_someone_elses_terraform_configmap_is_refused(admission: Admission) -> None:
    theirs = foreign("orders-terraform", "team-a", labels={"app": "infra"})
    ours = merge_patch(theirs, {"metadata": operator_create()["metadata"]})
    assert admission.review("UPDATE", ours, theirs) == [TAKEOVER_RULE]


def test_stripping_its_own_markers_on_update_is_refused(admission: Admission) -> None:
    old, new = operator_update()
    assert admission.review("UPDATE", merge_patch(new, {"metadata": {"ownerReferences": None}}), old) == [OWNER_RULE]
    unlabelled = merge_patch(new, {"metadata": {"labels": {"app.kubernetes.io/managed-by": None}}})
    assert admission.review("UPDATE", unlabelled, old) == [LABEL_RULE]


def test_deleting_a_configmap_that_is_not_ours_is_refused(admission: Admission) -> None:
    body = stored(operator_create())
    del body["metadata"]["ownerReferences"]
    assert admission.review("DELETE", None, body) == [OWNER_RULE]


# --------------------------------------------------------------------------- connection details (spec.export)

DETAILS = export.Export(config_map="orders-table", data={"tableName": "orders", "TABLE_NAME": "orders"})


def export_create() -> dict[str, Any]:
    """The body of the operator's first write of a table's connection-details ConfigMap."""
    api = RecordingApi()
    assert asyncio.run(export.ensure(api, OWNER, DETAILS, known_sha=None, verify=False)) is export.Result.CREATED
    ((method, path, body),) = api.sent
    assert (method, path) == ("POST", "/api/v1/namespaces/team-a/configmaps")
    return dict(body)


def test_the_operators_export_create_patch_and_delete_are_admitted(admission: Admission) -> None:
    body = export_create()
    assert admission.review("CREATE", body, None) == []
    old = stored(body)
    api = RecordingApi(old)
    changed = export.Export(config_map="orders-table", data={"tableName": "orders"})
    assert asyncio.run(export.ensure(api, OWNER, changed, known_sha=DETAILS.sha256, verify=False)) is (
        export.Result.UPDATED
    )
    (method, path, patch) = api.sent[-1]
    assert (method, path) == ("PATCH", "/api/v1/namespaces/team-a/configmaps/orders-table")
    new = merge_patch(old, patch)
    assert new["data"] == {"tableName": "orders"}  # the dropped key is removed, not left behind
    assert admission.review("UPDATE", new, old) == []
    assert asyncio.run(export.remove(RecordingApi(old), OWNER, "orders-table")) is export.Result.DELETED
    assert admission.review("DELETE", None, old) == []


def test_an_export_configmap_of_another_dynamotable_is_refused(admission: Admission) -> None:
    body = export_create()
    body["metadata"]["labels"]["dynamotable.io/dynamotable"] = "payments"
    assert admission.review("CREATE", body, None) == [OWNER_RULE]


def test_an_export_named_like_a_terraform_configmap_is_refused(admission: Admission) -> None:
    body = export_create()
    body["metadata"]["name"] = "payments-terraform"
    assert admission.review("CREATE", body, None) == [OWNER_RULE]


def test_an_export_without_its_label_is_refused(admission: Admission) -> None:
    body = export_create()
    del body["metadata"]["labels"]["dynamotable.io/connection-details"]
    assert admission.review("CREATE", body, None) == [NAME_RULE, OWNER_RULE]


def test_aws_auth_dressed_as_an_export_cannot_be_taken_over_or_deleted(admission: Admission) -> None:
    dressed = export_create()
    dressed["metadata"] |= {"name": "aws-auth", "namespace": "kube-system"}
    ours = merge_patch(AWS_AUTH, {"metadata": dressed["metadata"]})
    assert admission.review("UPDATE", ours, AWS_AUTH) == [TAKEOVER_RULE]
    assert set(admission.review("DELETE", None, AWS_AUTH) or []) == {NAME_RULE, LABEL_RULE, OWNER_RULE}


def test_the_export_remove_never_deletes_someone_elses_configmap() -> None:
    theirs = stored(foreign("orders-table", "team-a", labels={"app": "shop"}))
    api = RecordingApi(theirs)
    assert asyncio.run(export.remove(api, OWNER, "orders-table")) is export.Result.ABSENT
    assert [method for method, _, _ in api.sent] == ["GET"]


# --------------------------------------------------------------------------- other users are not matched


@pytest.mark.parametrize(
    "user",
    [
        "kubernetes-admin",
        "system:serviceaccount:kube-system:aws-node",
        f"system:serviceaccount:default:{FULLNAME}",  # same name, another namespace
        f"system:serviceaccount:{RELEASE_NAMESPACE}:{FULLNAME}-other",
        "system:node:ip-10-0-0-1.ec2.internal",
    ],
)
def test_other_users_requests_are_not_matched(admission: Admission, user: str) -> None:
    assert admission.review("CREATE", AWS_AUTH, None, user=user) is None
    assert admission.review("UPDATE", AWS_AUTH, AWS_AUTH, user=user) is None
    assert admission.review("DELETE", None, AWS_AUTH, user=user) is None


def test_review_would_notice_a_policy_that_admits_everything(render: Render) -> None:
    permissive = copy.deepcopy(one(render(), VAP))
    for validation in permissive["spec"]["validations"]:
        validation["expression"] = "true"
    assert Admission(permissive).review("CREATE", AWS_AUTH, None) == []
    broken = copy.deepcopy(one(render(), VAP))
    broken["spec"]["validations"][0]["expression"] = "variables.configMap.metadata.nosuchfield == 'x'"
    assert NAME_RULE in (Admission(broken).review("CREATE", operator_create(), None) or [])


# --------------------------------------------------------------------------- Kubernetes versions


def test_policy_objects_validate_on_kubernetes_1_30_and_later_only(render: Render) -> None:
    kv = pytest.importorskip("kubernetes_validate")
    docs = render()
    for doc in (one(docs, VAP), one(docs, VAPB)):
        for version in ("1.30.0", kv.latest_version()):
            kv.validate(doc, version, strict=True)
        with pytest.raises(kv.SchemaNotFoundError):  # v1 of these kinds is new in 1.30
            kv.validate(doc, "1.29.0", strict=True)


def test_older_clusters_get_a_message_naming_the_value(helm: Any, capfd: pytest.CaptureFixture[str]) -> None:
    """helm lint reports `fail` only in its log (lint renders in lint mode), so read that."""
    from chart_helpers import CHART

    helm.lint(str(CHART), kube_version="v1.29.7")
    assert "configMapPolicy.enabled needs Kubernetes 1.30+" in capfd.readouterr().err
    helm.lint(str(CHART), kube_version="v1.30.4-eks-a737599")
    helm.lint(str(CHART), kube_version="v1.29.7", values={"configMapPolicy": {"enabled": False}})
    helm.lint(str(CHART), kube_version="v1.29.7", values={"operator": {"watchNamespaces": ["team-a"]}})
    assert "configMapPolicy.enabled" not in capfd.readouterr().err
