"""`shards: N`: one StatefulSet and one kopf peering object per shard, named the way the operator derives them."""

from __future__ import annotations

from typing import Any

import pytest
from chart_helpers import FULLNAME, Render, of_kind
from test_chart_render import CUSTOM_KINDS, KIND_FLOOR, KUBE_FLOOR
from test_chart_security import expected, granted

from dynamotable.operator.rbac import rules_for
from dynamotable.operator.runtime import Login, Operator
from dynamotable.operator.settings import OperatorSettings
from dynamotable.operator.shards import peering_name


def _containers(sts: dict[str, Any]) -> dict[str, Any]:
    (only,) = sts["spec"]["template"]["spec"]["containers"]
    return dict(only)


def _run_args(sts: dict[str, Any]) -> list[str]:
    return [a.replace("$(POD_INDEX)", "1") for a in _containers(sts)["args"]]


@pytest.mark.parametrize("hot_standby", [False, True])
def test_one_statefulset_per_shard_with_its_own_pods(render: Render, hot_standby: bool) -> None:
    values: dict[str, Any] = {"shards": 3}
    if hot_standby:
        values["hotStandby"] = {"enabled": True, "replicas": 2}
    docs = render(**values)
    assert of_kind(docs, "Deployment") == []
    sets = of_kind(docs, "StatefulSet")
    assert [s["metadata"]["name"] for s in sets] == [f"{FULLNAME}-shard-{i}" for i in range(3)]
    selectors = []
    for index, sts in enumerate(sets):
        assert sts["spec"]["replicas"] == (2 if hot_standby else 1)
        selector = sts["spec"]["selector"]["matchLabels"]
        assert selector["dynamotable.io/shard"] == str(index)
        labels = sts["spec"]["template"]["metadata"]["labels"]
        assert selector.items() <= labels.items()
        selectors.append(selector)
        args = _containers(sts)["args"]
        assert f"--shard-index={index}" in args and "--shard-count=3" in args
        assert f"--peering={FULLNAME}" in args and "--priority=$(POD_INDEX)" in args
    # No StatefulSet's selector matches another's pods.
    for a in selectors:
        for b in selectors:
            assert a is b or not a.items() <= b.items()
    # The metrics Service still selects the pods of every shard.
    (metrics,) = [s for s in of_kind(docs, "Service") if s["spec"].get("clusterIP") != "None"]
    assert all(metrics["spec"]["selector"].items() <= s["spec"]["template"]["metadata"]["labels"].items() for s in sets)


@pytest.mark.parametrize("namespaces", [[], ["team-a", "team-b"]])
def test_each_shard_finds_its_peering_object(render: Render, namespaces: list[str]) -> None:
    """The args of every shard, parsed by `dynamotable run` and turned into an Operator, name a rendered peering
    object (the operator derives `<base>-shard-<i>-of-<n>` itself); Helm keeps them on upgrades."""
    from dynamotable.cli import run_command

    docs = render(shards=2, operator={"watchNamespaces": namespaces})
    kind = "KopfPeering" if namespaces else "ClusterKopfPeering"
    peerings = of_kind(docs, kind)
    assert all(p["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep" for p in peerings)
    by_namespace: dict[str | None, set[str]] = {}
    for p in peerings:
        by_namespace.setdefault(p["metadata"].get("namespace"), set()).add(p["metadata"]["name"])
    assert set(by_namespace) == (set(namespaces) if namespaces else {None})
    for sts in of_kind(docs, "StatefulSet"):
        params = run_command.make_context("run", _run_args(sts)).params
        settings = OperatorSettings(shard_count=params["shard_count"], shard_index=params["shard_index"])
        op = Operator(settings, login=Login(server="http://127.0.0.1:1"), peering=params["peering"])
        own = op.kopf_peering(params["peering"])
        assert all(own in names for names in by_namespace.values())
    assert set().union(*by_namespace.values()) == {peering_name(FULLNAME, i, 2) for i in range(2)}


def test_one_shard_with_hot_standby_keeps_its_names_and_joins_the_census(render: Render) -> None:
    docs = render(hotStandby={"enabled": True})
    (sts,) = of_kind(docs, "StatefulSet")
    assert sts["metadata"]["name"] == FULLNAME
    assert "dynamotable.io/shard" not in sts["spec"]["selector"]["matchLabels"]
    args = _containers(sts)["args"]
    assert "--shard-count=1" in args and "--shard-index=0" in args
    (peering,) = of_kind(docs, "ClusterKopfPeering")
    assert peering["metadata"]["name"] == FULLNAME == peering_name(FULLNAME, 0, 1)


def test_shards_without_hot_standby_get_the_peering_rbac(render: Render) -> None:
    cluster, per_namespace = granted(render(shards=2))
    assert cluster == expected(rules_for(all_namespaces=True, peering=True))
    assert per_namespace == {}


def test_notes_name_the_shards(notes: Any) -> None:
    text = notes(shards=4)
    assert f"statefulset/{FULLNAME}-shard-0" in text and "Sharded: 4 shards" in text


@pytest.mark.parametrize("shards", [0, 65, "2"])
def test_schema_rejects_bad_shard_counts(chart: Any, helm: Any, shards: Any) -> None:
    with pytest.raises(helm.HelmValuesError) as err:
        chart.validate_schema({"shards": shards})
    assert "/shards" in str(err.value)


@pytest.mark.parametrize(
    "values",
    [{"shards": 3}, {"shards": 2, "hotStandby": {"enabled": True}, "operator": {"watchNamespaces": ["team-a"]}}],
    ids=["shards", "shards-hot-standby-namespaced"],
)
def test_sharded_renders_are_valid_kubernetes_objects(render: Render, values: dict[str, Any]) -> None:
    kv = pytest.importorskip("kubernetes_validate")
    for doc in render(**values):
        if doc["kind"] not in CUSTOM_KINDS:
            for version in (KIND_FLOOR.get(doc["kind"], KUBE_FLOOR), kv.latest_version()):
                kv.validate(doc, version, strict=True)


@pytest.mark.parametrize(("shards", "expected"), [(1, (400.0, 200, 100)), (3, (400 / 3, 66, 33))])
def test_the_aws_pacing_is_split_across_shards(
    render: Render, monkeypatch: pytest.MonkeyPatch, shards: int, expected: tuple[float, int, int]
) -> None:
    """aws.requestsPerSecond / maxTableOperations / maxIndexedCreates are the release's budget per account and
    region: each shard gets its share, and the operator accepts what the chart writes."""
    docs = render(shards=shards, aws={"region": "us-east-1"})
    workloads = of_kind(docs, "StatefulSet") or of_kind(docs, "Deployment")
    assert len(workloads) == shards
    for workload in workloads:
        env = {e["name"]: e.get("value") for e in _containers(workload)["env"]}
        for name in (
            "DYNAMOTABLE_AWS_REQUESTS_PER_SECOND",
            "DYNAMOTABLE_MAX_TABLE_OPERATIONS",
            "DYNAMOTABLE_MAX_INDEXED_CREATES",
        ):
            monkeypatch.setenv(name, str(env[name]))
        settings = OperatorSettings()
        rps, operations, indexed = expected
        assert settings.aws_requests_per_second == pytest.approx(rps)
        assert (settings.max_table_operations, settings.max_indexed_creates) == (operations, indexed)
