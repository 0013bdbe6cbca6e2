"""Render the chart with its defaults and with each documented option; check what the cluster would get."""

from __future__ import annotations

from typing import Any

import pytest
from chart_helpers import FULLNAME, RELEASE_NAMESPACE, Render, container, env, of_kind, one, workload

# Every documented option, alone. Each must render, parse and validate.
OPTIONS: dict[str, dict[str, Any]] = {
    "defaults": {},
    "namespaced": {"operator": {"watchNamespaces": ["team-a", "team-b"]}},
    "irsa": {"serviceAccount": {"roleArn": "arn:aws:iam::123456789012:role/dynamotable-operator"}},
    "hot-standby": {"hotStandby": {"enabled": True, "replicas": 3}},
    "hot-standby-namespaced": {"hotStandby": {"enabled": True}, "operator": {"watchNamespaces": ["team-a"]}},
    "service-monitor": {"metrics": {"serviceMonitor": {"enabled": True, "labels": {"release": "prom"}}}},
    "network-policy": {"networkPolicy": {"enabled": True, "apiServer": {"cidrs": ["172.20.0.0/16"]}}},
    "endpoint-url": {"aws": {"region": "eu-west-1", "endpointUrl": "http://172.18.0.1:8000"}},
    "credentials-secret": {"aws": {"region": "us-east-1", "credentialsSecret": "aws-creds"}},
    "cluster-id-and-tuning": {
        "operator": {"clusterId": "prod-eu", "driftInterval": 600, "defaultDeletionPolicy": "Delete"},
    },
    "image-digest": {"image": {"repository": "registry.example/dynamotable-operator", "digest": "sha256:" + "a" * 64}},
    "configmap-policy-off": {"configMapPolicy": {"enabled": False}},
    "all-together": {
        "operator": {"watchNamespaces": ["team-a"]},
        "serviceAccount": {"roleArn": "arn:aws:iam::123456789012:role/op"},
        "hotStandby": {"enabled": True},
        "metrics": {"serviceMonitor": {"enabled": True}},
        "networkPolicy": {"enabled": True},
        "aws": {"region": "us-west-2", "endpointUrl": "https://dynamodb.us-west-2.amazonaws.com"},
    },
}
# Kinds from CRDs, which kubernetes-validate has no schema for.
CUSTOM_KINDS = {"ServiceMonitor", "KopfPeering", "ClusterKopfPeering"}
KUBE_FLOOR = "1.28.0"  # Chart.yaml kubeVersion
# Kinds that need a newer cluster than the chart's floor (and a value to leave them out on older ones).
KIND_FLOOR = {"ValidatingAdmissionPolicy": "1.30.0", "ValidatingAdmissionPolicyBinding": "1.30.0"}


@pytest.mark.parametrize("values", OPTIONS.values(), ids=OPTIONS.keys())
def test_every_option_renders_valid_kubernetes_objects(render: Render, values: dict[str, Any]) -> None:
    kv = pytest.importorskip("kubernetes_validate")
    docs = render(**values)
    assert docs, "nothing rendered"
    for doc in docs:
        assert doc.get("apiVersion") and doc.get("kind") and doc["metadata"].get("name"), doc
        if doc["kind"] in CUSTOM_KINDS:
            continue
        for version in (KIND_FLOOR.get(doc["kind"], KUBE_FLOOR), kv.latest_version()):
            kv.validate(doc, version, strict=True)


def test_kubernetes_validate_would_catch_a_broken_object() -> None:
    kv = pytest.importorskip("kubernetes_validate")
    bad = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x"}, "spec": {"replicas": "one"}}
    with pytest.raises(kv.ValidationError):
        kv.validate(bad, kv.latest_version(), strict=True)


def test_default_render_objects(render: Render) -> None:
    docs = render()
    kinds = sorted(d["kind"] for d in docs)
    cluster_scoped = [
        "ClusterRole",
        "ClusterRoleBinding",
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding",
    ]
    assert kinds == sorted(["ServiceAccount", "Deployment", "Service", *cluster_scoped])
    for doc in docs:
        if doc["kind"] not in cluster_scoped:
            assert doc["metadata"]["namespace"] == RELEASE_NAMESPACE, doc["kind"]
        assert doc["metadata"]["labels"]["app.kubernetes.io/instance"] == "demo"


def test_deployment_runs_one_standalone_replica_and_is_recreated(render: Render) -> None:
    docs = render()
    deployment = one(docs, "Deployment")
    assert deployment["spec"]["replicas"] == 1
    assert deployment["spec"]["strategy"] == {"type": "Recreate"}
    args = container(docs)["args"]
    assert "--standalone" in args and "--all-namespaces" in args
    assert not any(a.startswith(("--peering", "--priority", "--namespace")) for a in args)
    assert container(docs)["image"] == "dynamotable-operator:0.1.0"


def test_probes_and_ports(render: Render) -> None:
    docs = render(health={"port": 8081}, metrics={"port": 9191})
    c = container(docs)
    ports = {p["name"]: p["containerPort"] for p in c["ports"]}
    assert ports == {"health": 8081, "metrics": 9191}
    for probe in ("livenessProbe", "startupProbe"):
        assert c[probe]["httpGet"] == {"path": "/healthz", "port": "health"}
    assert "readinessProbe" not in c, "kopf has no readiness notion; a readiness probe would only gate a Service"
    assert "--liveness=http://0.0.0.0:8081/healthz" in c["args"]
    assert "--metrics-port=9191" in c["args"]
    service = one(docs, "Service")
    assert service["spec"]["ports"] == [{"name": "metrics", "port": 9090, "targetPort": "metrics", "protocol": "TCP"}]


def test_resources_have_requests_and_limits(render: Render) -> None:
    resources = container(render())["resources"]
    assert set(resources) == {"requests", "limits"}
    assert set(resources["requests"]) == {"cpu", "memory"} == set(resources["limits"])


def test_environment_carries_the_operator_settings(render: Render) -> None:
    default = env(render())
    assert default["DYNAMOTABLE_REGION"] == default["AWS_REGION"] == "us-east-1"
    assert default["DYNAMOTABLE_DRIFT_INTERVAL"] == "300"
    assert default["DYNAMOTABLE_DEFAULT_DELETION_POLICY"] == "Retain"
    assert default["DYNAMOTABLE_MAX_CONCURRENT_RECONCILES"] == "10"
    assert "DYNAMOTABLE_ENDPOINT_URL" not in default and "DYNAMOTABLE_CLUSTER_ID" not in default
    tuned = env(render(**OPTIONS["cluster-id-and-tuning"]))
    assert tuned["DYNAMOTABLE_CLUSTER_ID"] == "prod-eu"
    assert tuned["DYNAMOTABLE_DRIFT_INTERVAL"] == "600"
    assert tuned["DYNAMOTABLE_DEFAULT_DELETION_POLICY"] == "Delete"
    local = env(render(**OPTIONS["endpoint-url"]))
    assert local["DYNAMOTABLE_ENDPOINT_URL"] == "http://172.18.0.1:8000"
    assert local["DYNAMOTABLE_REGION"] == "eu-west-1"


def test_settings_env_names_exist_in_the_operator_settings(render: Render) -> None:
    from dynamotable.operator.settings import OperatorSettings

    names = {f"DYNAMOTABLE_{field.upper()}" for field in OperatorSettings.model_fields}
    rendered = set(env(render(**OPTIONS["endpoint-url"], operator={"clusterId": "c"})))
    ours = {name for name in rendered if name.startswith("DYNAMOTABLE_")}
    assert ours <= names, f"env vars the operator does not read: {ours - names}"


def test_extra_env_and_credentials_secret(render: Render) -> None:
    docs = render(aws={"region": "us-east-1", "credentialsSecret": "aws-creds"}, extraEnv=[{"name": "X", "value": "1"}])
    c = container(docs)
    assert c["envFrom"] == [{"secretRef": {"name": "aws-creds"}}]
    assert env(docs)["X"] == "1"
    assert "envFrom" not in container(render())


def test_irsa_annotation(render: Render) -> None:
    arn = OPTIONS["irsa"]["serviceAccount"]["roleArn"]
    sa = one(render(**OPTIONS["irsa"]), "ServiceAccount")
    assert sa["metadata"]["annotations"]["eks.amazonaws.com/role-arn"] == arn
    assert "annotations" not in one(render(), "ServiceAccount")["metadata"]


def test_existing_service_account(render: Render) -> None:
    docs = render(serviceAccount={"create": False, "name": "platform-sa"})
    assert of_kind(docs, "ServiceAccount") == []
    assert workload(docs)["spec"]["template"]["spec"]["serviceAccountName"] == "platform-sa"
    (binding,) = of_kind(docs, "ClusterRoleBinding")
    assert binding["subjects"][0]["name"] == "platform-sa"


def test_namespaced_mode_passes_each_namespace(render: Render) -> None:
    args = container(render(**OPTIONS["namespaced"]))["args"]
    assert "--namespace=team-a" in args and "--namespace=team-b" in args
    assert "--all-namespaces" not in args


def test_hot_standby_uses_distinct_kopf_priorities(render: Render) -> None:
    docs = render(**OPTIONS["hot-standby"])
    assert of_kind(docs, "Deployment") == []
    sts = one(docs, "StatefulSet")
    assert sts["spec"]["replicas"] == 3
    assert sts["spec"]["podManagementPolicy"] == "Parallel"
    args = container(docs)["args"]
    assert f"--peering={FULLNAME}" in args and "--priority=$(POD_INDEX)" in args
    assert "--standalone" not in args
    assert env(docs)["POD_INDEX"] == {"fieldRef": {"fieldPath": "metadata.labels['apps.kubernetes.io/pod-index']"}}
    (peering,) = of_kind(docs, "ClusterKopfPeering")
    assert peering["metadata"]["name"] == FULLNAME
    headless = [s for s in of_kind(docs, "Service") if s["spec"].get("clusterIP") == "None"]
    assert [s["metadata"]["name"] for s in headless] == [sts["spec"]["serviceName"]]


def test_hot_standby_namespaced_has_a_peering_per_namespace(render: Render) -> None:
    docs = render(hotStandby={"enabled": True}, operator={"watchNamespaces": ["team-a", "team-b"]})
    peerings = of_kind(docs, "KopfPeering")
    assert sorted(p["metadata"]["namespace"] for p in peerings) == ["team-a", "team-b"]
    assert {p["metadata"]["name"] for p in peerings} == {FULLNAME}
    assert of_kind(docs, "ClusterKopfPeering") == []


def test_peering_crds_are_shipped(chart: Any) -> None:
    names = {crd["name"] for crd in chart.crds}
    assert {"kopfpeerings.kopf.dev.yaml", "clusterkopfpeerings.kopf.dev.yaml"} <= {n.rsplit("/", 1)[-1] for n in names}


def test_service_monitor(render: Render) -> None:
    assert of_kind(render(), "ServiceMonitor") == []
    monitor = one(render(**OPTIONS["service-monitor"]), "ServiceMonitor")
    assert monitor["metadata"]["labels"]["release"] == "prom"
    assert monitor["spec"]["endpoints"] == [
        {"port": "metrics", "path": "/metrics", "interval": "30s", "scrapeTimeout": "10s"}
    ]
    assert monitor["spec"]["namespaceSelector"] == {"matchNames": [RELEASE_NAMESPACE]}


def test_service_monitor_without_service_is_refused(chart: Any, helm: Any) -> None:
    with pytest.raises(helm.HelmError, match=r"metrics\.service\.enabled"):
        chart.render(
            values={"metrics": {"service": {"enabled": False}, "serviceMonitor": {"enabled": True}}},
            name="demo",
            namespace=RELEASE_NAMESPACE,
        )


def _egress_ports(policy: dict[str, Any]) -> list[set[int | str]]:
    return [{p["port"] for p in rule.get("ports", [])} for rule in policy["spec"]["egress"]]


def test_network_policy_allows_dns_api_server_and_https_only(render: Render) -> None:
    assert of_kind(render(), "NetworkPolicy") == []
    policy = one(render(**OPTIONS["network-policy"]), "NetworkPolicy")
    assert policy["spec"]["policyTypes"] == ["Ingress", "Egress"]
    assert _egress_ports(policy) == [{53}, {443, 6443}, {443}]
    api = policy["spec"]["egress"][1]
    assert api["to"] == [{"ipBlock": {"cidr": "172.20.0.0/16"}}]
    ingress_ports = [{p["port"] for p in rule["ports"]} for rule in policy["spec"]["ingress"]]
    assert ingress_ports == [{"metrics"}, {"health"}]


def test_network_policy_opens_the_custom_endpoint_port(render: Render) -> None:
    policy = one(
        render(networkPolicy={"enabled": True}, aws={"region": "us-east-1", "endpointUrl": "http://172.18.0.1:8000"}),
        "NetworkPolicy",
    )
    assert _egress_ports(policy)[-1] == {8000}
    https = one(
        render(networkPolicy={"enabled": True}, aws={"region": "us-east-1", "endpointUrl": "https://ddb.internal"}),
        "NetworkPolicy",
    )
    assert _egress_ports(https)[-1] == {443}


def test_notes_tell_the_user_what_to_do_next(notes: Any) -> None:
    text = notes()
    assert "kubectl apply -f crds/" in text
    assert "WARNING: no serviceAccount.roleArn" in text
    assert "kubectl get ddb" in text
    irsa = notes(**OPTIONS["irsa"])
    assert "dynamotable iam-policy" in irsa and "WARNING" not in irsa
    assert f"system:serviceaccount:{RELEASE_NAMESPACE}:{FULLNAME}" in irsa
    assert "team-a, team-b" in notes(**OPTIONS["namespaced"])


@pytest.mark.parametrize("values", OPTIONS.values(), ids=OPTIONS.keys())
def test_dynamotable_run_accepts_the_rendered_arguments(render: Render, values: dict[str, Any]) -> None:
    """The container's args are parsed by the real `dynamotable run` command (nothing is started)."""
    from dynamotable.cli import run_command

    docs = render(**values)
    pod_env = env(docs)
    args = [a.replace("$(POD_INDEX)", "1") if "POD_INDEX" in pod_env else a for a in container(docs)["args"]]
    assert all("$(" not in a for a in args), "every $(VAR) in args must be an env var of the container"
    ctx = run_command.make_context("run", args)
    assert ctx.params["standalone"] is (not values.get("hotStandby", {}).get("enabled", False))
    assert ctx.params["all_namespaces"] is (not values.get("operator", {}).get("watchNamespaces"))
