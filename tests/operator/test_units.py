"""The operator's pure parts: durations and drift schedule, status comparison, settings, RBAC, login."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import yaml

from dynamotable.api.status import DynamoTableStatus
from dynamotable.operator import schedule, statuses
from dynamotable.operator.kube import LoginFailed
from dynamotable.operator.rbac import REQUIRED_RULES, allows, rules_for
from dynamotable.operator.reconciler import aws_connections, drift_slots
from dynamotable.operator.runtime import Login, kopf_settings
from dynamotable.operator.settings import OperatorSettings


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("300", 300.0),
        ("90s", 90.0),
        ("10m", 600.0),
        ("1h30m", 5400.0),
        ("1.5h", 5400.0),
        ("500ms", 0.5),
        ("2d", 172800.0),
        ("0", None),
        ("-5", None),
        ("", None),
        ("5 m", None),
        ("m5", None),
        ("10x", None),
        ("1h 30m", None),
    ],
)
def test_parse_duration(text: str, seconds: float | None) -> None:
    assert schedule.parse_duration(text) == seconds


def test_drift_interval_annotation_default_and_floor() -> None:
    key = "dynamotable.io/drift-interval"
    assert schedule.drift_interval({}, default=300, minimum=30).seconds == 300
    assert schedule.drift_interval({key: "1h"}, default=300, minimum=30).seconds == 3600
    assert schedule.drift_interval({key: "5s"}, default=300, minimum=30).seconds == 30
    bad = schedule.drift_interval({key: "soon"}, default=300, minimum=30)
    assert (bad.seconds, bad.invalid_annotation) == (300, "soon")


def test_checks_are_jittered_and_first_checks_spread() -> None:
    rng = random.Random(7)
    nexts = [schedule.next_check(100.0, 300.0, 0.1, rng) for _ in range(500)]
    assert 100 + 270 <= min(nexts) < 100 + 280 and 100 + 320 < max(nexts) <= 100 + 330
    firsts = sorted(schedule.first_check(0.0, 300.0, rng) for _ in range(1000))
    assert firsts[0] < 5 and firsts[-1] > 295
    assert max(sum(1 for f in firsts if b <= f < b + 30) for b in range(0, 300, 30)) < 140  # ~100 per slot


def _status(**fields: object) -> dict[str, object]:
    return statuses.dump(DynamoTableStatus.model_validate(fields))


def test_timestamps_alone_are_not_a_change() -> None:
    cond = {"type": "Ready", "status": "True", "reason": "Synced", "message": "ok", "observedGeneration": 1}
    old = _status(
        tableName="t",
        lastSyncTime="2026-01-01T00:00:00Z",
        conditions=[{**cond, "lastTransitionTime": "2026-01-01T00:00:00Z"}],
        drift=[{"field": "ttl.enabled", "desired": "true", "live": "false", "at": "2026-01-01T00:00:00Z"}],
    )
    new = _status(
        tableName="t",
        lastSyncTime="2026-02-02T00:00:00Z",
        conditions=[{**cond, "lastTransitionTime": "2026-02-02T00:00:00Z"}],
        drift=[{"field": "ttl.enabled", "desired": "true", "live": "false", "at": "2026-02-02T00:00:00Z"}],
    )
    assert statuses.normalized(old) == statuses.normalized(new)
    assert statuses.normalized({**old, "plan": []}) == statuses.normalized(
        {k: v for k, v in old.items() if k != "plan"}
    )
    changed = _status(tableName="t", conditions=[{**cond, "message": "other"}])
    assert statuses.normalized(changed) != statuses.normalized(new)


def test_merge_patch_removes_what_is_gone_and_keeps_foreign_keys() -> None:
    old = {"tableArn": "arn", "tableStatus": "ACTIVE", "plan": ["x"], "kopf": {"progress": {}}}
    new = {"tableStatus": "ACTIVE", "plan": []}
    assert statuses.merge_patch(old, new) == {"tableArn": None, "plan": []}


def test_the_fingerprint_of_a_status_tells_the_same_status_from_a_different_one() -> None:
    """The operator keeps a 16-byte fingerprint of its last status write per object, not the status itself."""
    one = {"tableStatus": "ACTIVE", "conditions": [{"type": "Ready", "status": "True"}], "terraform": {"a": 1}}
    same = {"terraform": {"a": 1}, "conditions": [{"status": "True", "type": "Ready"}], "tableStatus": "ACTIVE"}
    assert statuses.fingerprint(one) == statuses.fingerprint(same)
    assert len(statuses.fingerprint(one)) == 16
    assert statuses.fingerprint(one) != statuses.fingerprint({**one, "tableStatus": "UPDATING"})
    assert statuses.fingerprint(one) != statuses.fingerprint({**one, "conditions": []})


def test_applied_is_what_the_api_server_makes_of_a_merge_patch() -> None:
    old = {"tableArn": "arn", "terraform": {"configMap": "t", "reason": "RateLimited"}, "kopf": {"progress": {}}}
    new = {"terraform": {"configMap": "t", "sha256": "abc"}, "tableStatus": "ACTIVE"}
    patch = statuses.merge_patch(old, new)
    assert statuses.applied(old, patch) == {**new, "kopf": {"progress": {}}}  # foreign keys stay, as in the cluster
    assert statuses.applied(None, {"plan": ["x"], "gone": None}) == {"plan": ["x"]}
    assert statuses.applied({"terraform": "old"}, {"terraform": {"sha256": "a", "reason": None}}) == {
        "terraform": {"sha256": "a"}
    }, "an object replacing a scalar is merged into nothing, as RFC 7386 says"
    assert old["terraform"] == {"configMap": "t", "reason": "RateLimited"}, "the old status is not changed"


def test_drift_checks_run_up_to_twice_as_many_at_once_as_change_passes() -> None:
    """bench_operator_scale.py, 4,000 tables at a 90 s interval with a burst of creates outlasting it: 5 drift
    slots (half the change passes) left checks 20 s late (p99), 20 kept them within 0.3 s. Each thread that can
    call AWS at once has a connection of its own."""
    assert drift_slots(10) == 20 and drift_slots(1) == 2
    assert aws_connections(10) == 10 + 20


def test_steady_needs_this_generation_and_a_steady_reason() -> None:
    def st(reason: str, generation: int) -> dict[str, object]:
        return {"observedGeneration": generation, "conditions": [{"type": "Ready", "reason": reason}]}

    assert statuses.steady_at(st("Synced", 3), 3)
    assert statuses.steady_at(st("PlanOnly", 3), 3) and statuses.steady_at(st("OwnershipConflict", 3), 3)
    assert not statuses.steady_at(st("Synced", 2), 3)
    assert not statuses.steady_at(st("Updating", 3), 3) and not statuses.steady_at(st("InvalidSpec", 3), 3)
    assert not statuses.steady_at(None, 1)


def test_settings_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DYNAMOTABLE_DRIFT_INTERVAL", "600")
    monkeypatch.setenv("DYNAMOTABLE_DEFAULT_DELETION_POLICY", "Delete")
    monkeypatch.setenv("DYNAMOTABLE_MAX_CONCURRENT_RECONCILES", "32")
    monkeypatch.setenv("DYNAMOTABLE_ENDPOINT_URL", "")
    monkeypatch.setenv("DYNAMOTABLE_CLUSTER_ID", "prod-eu")
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    s = OperatorSettings()
    assert (s.drift_interval, s.default_deletion_policy.value, s.max_concurrent_reconciles) == (600, "Delete", 32)
    assert s.endpoint_url is None and s.cluster_id == "prod-eu" and s.region == "eu-west-1"
    monkeypatch.setenv("DYNAMOTABLE_MAX_CONCURRENT_RECONCILES", "0")
    with pytest.raises(ValueError, match="max_concurrent_reconciles"):
        OperatorSettings()


@pytest.mark.parametrize("bad", ["prod:eu", "x" * 129, "prod eu\n", "prod/eu*"])
def test_a_cluster_id_that_cannot_be_part_of_the_ownership_tag_is_refused(
    monkeypatch: pytest.MonkeyPatch, bad: str
) -> None:
    monkeypatch.setenv("DYNAMOTABLE_CLUSTER_ID", bad)
    with pytest.raises(ValueError, match="cluster id"):
        OperatorSettings()


def test_kopf_settings_use_our_names() -> None:
    ks = kopf_settings(OperatorSettings(region="us-east-1"))
    assert ks.persistence.finalizer == "dynamotable.io/finalizer"
    assert ks.persistence.diffbase_storage.prefix == "dynamotable.io"  # type: ignore[attr-defined]
    assert ks.persistence.progress_storage.prefix == "dynamotable.io"  # type: ignore[attr-defined]
    assert ks.peering.standalone is True
    peered = kopf_settings(OperatorSettings(region="us-east-1"), peering="dynamotable")
    assert (peered.peering.standalone, peered.peering.name, peered.peering.mandatory) == (False, "dynamotable", True)


def test_rbac_rules_per_mode() -> None:
    def triples(all_namespaces: bool, peering: bool) -> set[tuple[str, str, str]]:
        return {
            (r.api_group, r.resource, v)
            for r in rules_for(all_namespaces=all_namespaces, peering=peering)
            for v in r.verbs
        }

    base = triples(True, False)
    assert base == {
        ("dynamotable.io", "dynamotables", "list"),
        ("dynamotable.io", "dynamotables", "watch"),
        ("dynamotable.io", "dynamotables", "get"),
        ("dynamotable.io", "dynamotables", "patch"),
        ("dynamotable.io", "dynamotables/status", "patch"),
        ("", "events", "create"),
        ("", "configmaps", "get"),
        ("", "configmaps", "create"),
        ("", "configmaps", "patch"),
        ("", "configmaps", "delete"),  # the spec.export ConfigMap, when spec.export is removed or renamed
        ("apiextensions.k8s.io", "customresourcedefinitions", "list"),
        ("apiextensions.k8s.io", "customresourcedefinitions", "watch"),
    }
    assert triples(False, False) - base == {("", "namespaces", "list"), ("", "namespaces", "watch")}
    assert {t[1] for t in triples(True, True) - base} == {"clusterkopfpeerings"}
    assert {t[1] for t in triples(False, True) - base} == {"namespaces", "kopfpeerings"}
    assert not allows(REQUIRED_RULES, api_group="", resource="secrets", verb="get")
    assert REQUIRED_RULES[0].as_policy_rule() == {
        "apiGroups": ["dynamotable.io"],
        "resources": ["dynamotables"],
        "verbs": ["list", "watch"],
    }


def test_login_from_a_kubeconfig_or_an_explicit_server(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "current-context": "c",
                "clusters": [
                    {"name": "k", "cluster": {"server": "https://k8s.example:6443", "insecure-skip-tls-verify": True}}
                ],
                "users": [{"name": "u", "user": {"token": "s3cret"}}],
                "contexts": [{"name": "c", "context": {"cluster": "k", "user": "u"}}],
            }
        )
    )
    info = Login(kubeconfig=str(path))()
    assert (info.server, info.token, info.insecure) == ("https://k8s.example:6443", "s3cret", True)
    assert Login(server="http://127.0.0.1:1")().server == "http://127.0.0.1:1"
    with pytest.raises(LoginFailed, match="kubeconfig"):
        Login(kubeconfig=str(tmp_path / "missing"))()


def test_manifest_for_the_engine_applies_the_default_deletion_policy_and_cluster_owner() -> None:
    from dynamotable.aws.clients import ClientFactory
    from dynamotable.operator.kube import KubeApi
    from dynamotable.operator.metrics import Metrics
    from dynamotable.operator.reconciler import Reconciler

    settings = OperatorSettings(region="us-east-1", default_deletion_policy="Delete", cluster_id="prod-eu")
    rec = Reconciler(settings, ClientFactory(), Metrics(), KubeApi(lambda: None))
    try:
        body = {
            "apiVersion": "dynamotable.io/v1alpha1",
            "kind": "DynamoTable",
            "metadata": {"name": "t", "namespace": "ns", "generation": 3, "resourceVersion": "9", "uid": "u"},
            "spec": {"hashKey": "id", "attributes": [{"name": "id", "type": "S"}]},
            "status": {"observedGeneration": 2, "kopf": {"progress": {}}},
        }
        doc = rec._doc(body)
        assert doc["spec"]["deletionPolicy"] == "Delete"
        assert doc["metadata"] == {"name": "t", "namespace": "ns", "generation": 3, "uid": "u"}
        assert doc["status"] == {"observedGeneration": 2}
        body["spec"]["deletionPolicy"] = "Retain"  # type: ignore[index]
        assert rec._doc(body)["spec"]["deletionPolicy"] == "Retain"  # the spec wins when it says
        assert rec.owner("ns", "t") == "prod-eu:ns/t"
    finally:
        rec.pool.shutdown()


def test_the_operator_never_uses_asyncio_wait_for() -> None:
    """Python 3.11's asyncio.wait_for swallows a cancellation that arrives as the awaited thing completes: the
    drift scheduler, a slot waiter and the shard census each went on after being cancelled, and operators did
    not stop. asyncio.timeout has no such race; the operator uses it everywhere."""
    import re

    package = Path(__file__).resolve().parents[2] / "operator" / "dynamotable"
    users = [
        f"{path.relative_to(package)}:{n}"
        for path in sorted(package.rglob("*.py"))
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"\bwait_for\(", line) and not line.lstrip().startswith("#")
    ]
    assert users == [], f"asyncio.wait_for in {users}: use `async with asyncio.timeout(...)`"
