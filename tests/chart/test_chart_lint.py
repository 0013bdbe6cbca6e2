"""`helm lint --strict` and the values schema, through helm-python-sdk."""

from __future__ import annotations

from typing import Any

import pytest
from chart_helpers import CHART

INFO = 1  # helm lint severities: 1 info, 2 warning, 3 error


def test_lint_strict_is_clean(helm: Any) -> None:
    report = helm.lint(str(CHART), strict=True)
    assert report["total_charts_linted"] == 1
    assert report["errors"] == []
    findings = [m for m in report["messages"] if m["severity"] > INFO]
    assert findings == []


def test_lint_strict_with_every_option(helm: Any) -> None:
    values = {
        "operator": {"watchNamespaces": ["team-a"], "clusterId": "prod"},
        "serviceAccount": {"roleArn": "arn:aws:iam::123456789012:role/op"},
        "hotStandby": {"enabled": True},
        "metrics": {"serviceMonitor": {"enabled": True}},
        "networkPolicy": {"enabled": True},
        "aws": {"region": "eu-west-1", "endpointUrl": "http://172.18.0.1:8000"},
    }
    report = helm.lint(str(CHART), values=values, strict=True)
    assert report["errors"] == [] and [m for m in report["messages"] if m["severity"] > INFO] == []


BAD_VALUES: dict[str, tuple[dict[str, Any], str]] = {
    "unknown top-level key": ({"replicaCount": 2}, "additional properties 'replicaCount'"),
    "unknown nested key": ({"operator": {"namespaces": ["a"]}}, "additional properties 'namespaces'"),
    "drift interval as text": ({"operator": {"driftInterval": "5m"}}, "/operator/driftInterval"),
    "zero drift interval": ({"operator": {"driftInterval": 0}}, "/operator/driftInterval"),
    "bad deletion policy": ({"operator": {"defaultDeletionPolicy": "Orphan"}}, "/operator/defaultDeletionPolicy"),
    "bad namespace name": ({"operator": {"watchNamespaces": ["Team_A"]}}, "/operator/watchNamespaces/0"),
    "duplicate namespace": ({"operator": {"watchNamespaces": ["a", "a"]}}, "/operator/watchNamespaces"),
    "bad region": ({"aws": {"region": "Virginia"}}, "/aws/region"),
    "endpoint without scheme": ({"aws": {"region": "us-east-1", "endpointUrl": "localhost:8000"}}, "/aws/endpointUrl"),
    "role arn that is not one": ({"serviceAccount": {"roleArn": "my-role"}}, "/serviceAccount/roleArn"),
    "single hot-standby replica": ({"hotStandby": {"enabled": True, "replicas": 1}}, "/hotStandby/replicas"),
    "privileged port": ({"health": {"port": 80}}, "/health/port"),
    "bad log level": ({"operator": {"logLevel": "trace"}}, "/operator/logLevel"),
    "bad cpu quantity": ({"resources": {"limits": {"cpu": "lots"}}}, "/resources/limits/cpu"),
    "root uid": ({"podSecurityContext": {"runAsUser": 0}}, "/podSecurityContext/runAsUser"),
    "unconfined seccomp": (
        {"containerSecurityContext": {"seccompProfile": {"type": "Unconfined"}}},
        "/containerSecurityContext/seccompProfile/type",
    ),
    "image digest without algorithm": ({"image": {"repository": "x", "digest": "abc"}}, "/image/digest"),
    "policy switch as text": ({"configMapPolicy": {"enabled": "yes"}}, "/configMapPolicy/enabled"),
    "bad scrape interval": ({"metrics": {"serviceMonitor": {"interval": "often"}}}, "/metrics/serviceMonitor/interval"),
}


@pytest.mark.parametrize(("values", "where"), BAD_VALUES.values(), ids=BAD_VALUES.keys())
def test_schema_rejects_bad_values(chart: Any, helm: Any, values: dict[str, Any], where: str) -> None:
    with pytest.raises(helm.HelmValuesError) as err:
        chart.validate_schema(values)
    assert where in str(err.value)


def test_schema_accepts_documented_values(chart: Any) -> None:
    chart.validate_schema(
        {
            "aws": {"region": "ap-southeast-2", "endpointUrl": "https://dynamodb.ap-southeast-2.amazonaws.com"},
            "operator": {"watchNamespaces": ["team-a"], "driftInterval": 60.5, "logLevel": "debug"},
            "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": 1, "memory": "1Gi"}},
            "tolerations": [{"key": "dedicated", "operator": "Equal", "value": "ops", "effect": "NoSchedule"}],
            "extraEnv": [{"name": "HTTPS_PROXY", "value": "http://proxy:3128"}],
        }
    )
