"""The AWS operations the engine can call, read from the engine's own source code.

The operator's IAM policy grants exactly these (plus what AWS requires besides, see terraform/iam.py), so it
cannot fall behind the engine: a new call in `dynamotable.engine` or `dynamotable.aws` is a new permission the
next time `dynamotable iam-policy` runs. Found by parsing (never importing) the modules:

* boto3 client method calls, e.g. `client.describe_table(...)` or `factory.kms(region).describe_key(...)`;
* operation names written as strings, which is how plan steps and `call(client, "UpdateTimeToLive", ...)` name
  the call they make (docstrings are skipped).

A name counts when it is an operation of a service the engine's ClientFactory hands out. A method call is
attributed to the service its receiver mentions (`kms`, `autoscaling`, `cloudwatch`), else to the first service
of SERVICES that has the method; a string to the first service of SERVICES that has the operation (plan steps
name their service; an operation name two services share, such as TagResource, counts as DynamoDB's).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources

import botocore.session
from botocore import xform_name

SCANNED_PACKAGES = ("dynamotable.engine", "dynamotable.aws")
SERVICES = ("dynamodb", "kms", "application-autoscaling", "cloudwatch")
# words in a method call's receiver that name the service: `factory.kms(region)`, `autoscaling.describe_...`
_RECEIVER_WORDS = (("kms", "kms"), ("autoscaling", "application-autoscaling"), ("cloudwatch", "cloudwatch"))


@dataclass(frozen=True, slots=True)
class Found:
    action: str  # IAM action form: dynamodb:UpdateTable
    module: str
    line: int


@cache
def _operations(service: str) -> frozenset[str]:
    return frozenset(botocore.session.get_session().get_service_model(service).operation_names)


@cache
def _by_method(service: str) -> dict[str, str]:
    return {xform_name(op): op for op in _operations(service)}


def _docstrings(tree: ast.AST) -> set[int]:
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                out.add(id(first.value))
    return out


def scan_source(source: str, module: str) -> Iterator[Found]:
    """Every AWS operation `source` names or calls."""
    tree = ast.parse(source)
    docstrings = _docstrings(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            service = next((s for s in SERVICES if node.value in _operations(s)), None)
            if service:
                yield Found(f"{service}:{node.value}", module, node.lineno)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            method = node.func.attr
            receiver = ast.unparse(node.func.value).lower()
            named = [service for word, service in _RECEIVER_WORDS if word in receiver]
            order = (*named, *SERVICES)
            service = next((s for s in order if method in _by_method(s)), None)
            if service:
                yield Found(f"{service}:{_by_method(service)[method]}", module, node.lineno)


def _modules(packages: Iterable[str]) -> Iterator[tuple[str, str]]:
    for package in packages:
        for entry in sorted(resources.files(package).iterdir(), key=lambda e: e.name):
            if entry.name.endswith(".py"):
                yield f"{package}.{entry.name[:-3]}", entry.read_text(encoding="utf-8")


def scan(packages: Iterable[str] = SCANNED_PACKAGES) -> list[Found]:
    return [found for module, source in _modules(packages) for found in scan_source(source, module)]


@cache
def engine_operations() -> frozenset[str]:
    """IAM actions of every AWS operation the engine can call, e.g. {"dynamodb:DescribeTable", ...}."""
    return frozenset(found.action for found in scan())
