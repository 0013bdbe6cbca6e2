"""The Dockerfile's essentials, checked by parsing it (no Docker needed).

Each rule is a function returning the problems it finds, so the same rule is run on the real Dockerfile
(expecting none) and on small broken variants (expecting exactly the problem it exists to catch).
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"

SECRET_NAME = re.compile(r"KEY|SECRET|TOKEN|PASSWORD|CREDENTIAL", re.IGNORECASE)
AWS_ACCESS_KEY_ID = re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b")
EXACT_VERSION_TAG = re.compile(r":\d+\.\d+\.\d+[\w.-]*$")
DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")
REQUIRED_LABELS = (
    "org.opencontainers.image.title",
    "org.opencontainers.image.description",
    "org.opencontainers.image.version",
    "org.opencontainers.image.revision",
    "org.opencontainers.image.licenses",
    "org.opencontainers.image.source",
)


@dataclass(frozen=True)
class Instruction:
    keyword: str
    args: str
    line: int


def parse(text: str) -> list[Instruction]:
    """Instructions with line continuations joined and comments dropped (parser directives included)."""
    out: list[Instruction] = []
    buf: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not buf and (not line or line.startswith("#")):
            continue
        if buf and line.startswith("#"):
            continue  # comments inside a continued instruction are allowed and ignored
        if not buf:
            start = number
        if line.endswith("\\"):
            buf.append(line[:-1].strip())
            continue
        buf.append(line)
        joined = " ".join(part for part in buf if part)
        keyword, _, args = joined.partition(" ")
        out.append(Instruction(keyword.upper(), args.strip(), start))
        buf = []
    assert not buf, "Dockerfile ends inside a line continuation"
    return out


def stages(instructions: list[Instruction]) -> list[list[Instruction]]:
    """Instructions grouped per build stage; the global ARGs before the first FROM are stage 0's prefix."""
    groups: list[list[Instruction]] = []
    for ins in instructions:
        if ins.keyword == "FROM":
            groups.append([])
        if groups:
            groups[-1].append(ins)
    return groups


def pairs(args: str) -> dict[str, str]:
    """`K=V K2="v 2"` (or the legacy `K V`) of ENV, ARG and LABEL."""
    words = shlex.split(args)
    if len(words) >= 2 and "=" not in words[0]:
        return {words[0]: " ".join(words[1:])}
    return {k: v for k, _, v in (w.partition("=") for w in words)}


def global_args(instructions: list[Instruction]) -> dict[str, str]:
    out: dict[str, str] = {}
    for ins in instructions:
        if ins.keyword == "FROM":
            break
        if ins.keyword == "ARG":
            out.update(pairs(ins.args))
    return out


def expand(value: str, variables: dict[str, str]) -> str:
    return re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: variables.get(m.group(1) or m.group(2), m.group(0)), value)


# ------------------------------------------------------------------------------------------------ rules


def base_image_problems(instructions: list[Instruction]) -> list[str]:
    problems = []
    variables = global_args(instructions)
    earlier_stages: set[str] = set()
    for ins in instructions:
        if ins.keyword != "FROM":
            continue
        words = [w for w in ins.args.split() if not w.startswith("--platform")]
        image = expand(words[0], variables)
        if image not in earlier_stages:
            name = image.split("@")[0].rsplit("/", 1)[-1]
            if (":" not in name and "@" not in image) or name.endswith(":latest"):
                problems.append(f"line {ins.line}: base image {image!r} is unpinned or latest")
            elif not (DIGEST.search(image) or EXACT_VERSION_TAG.search(image.split("@")[0])):
                problems.append(f"line {ins.line}: base image {image!r} is not pinned by digest or exact version")
        if len(words) >= 3 and words[1].upper() == "AS":
            earlier_stages.add(words[2])
    return problems


def multi_stage_problems(instructions: list[Instruction]) -> list[str]:
    groups = stages(instructions)
    if len(groups) < 2:
        return ["not a multi-stage build"]
    first = groups[0][0].args.split()
    if len(first) < 3 or first[1].upper() != "AS":
        return ["the builder stage has no name (FROM ... AS builder)"]
    builder = first[2]
    final = groups[-1]
    uses_builder = any(f"from={builder}" in ins.args or f"--from={builder}" in ins.args for ins in final)
    return [] if uses_builder else [f"the final stage takes nothing from the {builder!r} stage"]


def user_problems(instructions: list[Instruction]) -> list[str]:
    users = [ins for ins in stages(instructions)[-1] if ins.keyword == "USER"]
    if not users:
        return ["the final stage has no USER: it would run as root"]
    user = users[-1].args.split(":")
    if not user[0].isdigit():
        return [f"USER {users[-1].args!r} is not a numeric UID (runAsNonRoot cannot verify a name)"]
    if int(user[0]) == 0 or (len(user) > 1 and user[1].isdigit() and int(user[1]) == 0):
        return ["USER is root"]
    return []


def secret_problems(instructions: list[Instruction]) -> list[str]:
    problems = []
    for ins in instructions:
        if ins.keyword not in ("ENV", "ARG", "LABEL"):
            continue
        for name, value in pairs(ins.args).items():
            if ins.keyword != "LABEL" and SECRET_NAME.search(name):
                problems.append(f"line {ins.line}: {ins.keyword} {name} looks like a baked-in secret")
            if AWS_ACCESS_KEY_ID.search(value):
                problems.append(f"line {ins.line}: {name} holds an AWS access key id")
    return problems


def entrypoint_problems(instructions: list[Instruction]) -> list[str]:
    final = stages(instructions)[-1]
    problems = [
        f"line {i.line}: HEALTHCHECK (the kubelet probes /healthz)" for i in instructions if i.keyword == "HEALTHCHECK"
    ]
    entrypoints = [ins for ins in final if ins.keyword == "ENTRYPOINT"]
    if not entrypoints:
        return [*problems, "no ENTRYPOINT"]
    try:
        value = json.loads(entrypoints[-1].args)
    except json.JSONDecodeError:
        return [*problems, "ENTRYPOINT is in shell form: signals would go to /bin/sh, not the operator"]
    if value != ["dynamotable", "run"]:
        problems.append(f"ENTRYPOINT is {value}, expected ['dynamotable', 'run']")
    return problems


def runtime_env_problems(instructions: list[Instruction]) -> list[str]:
    env: dict[str, str] = {}
    for ins in stages(instructions)[-1]:
        if ins.keyword == "ENV":
            env.update(pairs(ins.args))
    expected = {"HOME": "/tmp", "PYTHONDONTWRITEBYTECODE": "1"}
    return [f"ENV {k} should be {v!r} (read-only root filesystem)" for k, v in expected.items() if env.get(k) != v]


def label_problems(instructions: list[Instruction]) -> list[str]:
    labels: dict[str, str] = {}
    for ins in stages(instructions)[-1]:
        if ins.keyword == "LABEL":
            labels.update(pairs(ins.args))
    return [f"missing OCI label {name}" for name in REQUIRED_LABELS if name not in labels]


RULES = (
    base_image_problems,
    multi_stage_problems,
    user_problems,
    secret_problems,
    entrypoint_problems,
    runtime_env_problems,
    label_problems,
)


# ------------------------------------------------------------------------------------------------ tests


@pytest.fixture(scope="module")
def instructions() -> list[Instruction]:
    return parse(DOCKERFILE.read_text(encoding="utf-8"))


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.__name__)
def test_dockerfile_passes(rule: object, instructions: list[Instruction]) -> None:
    assert callable(rule)
    assert rule(instructions) == []


def test_the_final_stage_installs_the_wheel_built_by_the_builder(instructions: list[Instruction]) -> None:
    builder, *_, final = stages(instructions)
    assert any(ins.keyword == "RUN" and "pip wheel" in ins.args and " ." in ins.args for ins in builder)
    installs = [ins.args for ins in final if ins.keyword == "RUN" and "pip install" in ins.args]
    assert installs and "--no-index" in installs[0] and "dynamotable-operator" in installs[0]


def test_the_final_uid_matches_the_charts_security_context(instructions: list[Instruction]) -> None:
    user = next(ins for ins in reversed(stages(instructions)[-1]) if ins.keyword == "USER")
    values = (ROOT / "charts" / "dynamotable-operator" / "values.yaml").read_text(encoding="utf-8")
    uid = user.args.split(":")[0]
    assert re.search(rf"runAsUser:\s*{uid}\b", values), f"values.yaml should run as the image's UID {uid}"


def test_dockerignore_keeps_the_context_to_what_the_build_needs() -> None:
    lines = [ln.strip() for ln in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()]
    rules = [ln for ln in lines if ln and not ln.startswith("#")]
    assert rules[0] == "*", "deny everything first, then allow what the build copies"
    allowed = {r[1:].rstrip("/") for r in rules if r.startswith("!")}
    copied = {
        src.rstrip("/")
        for ins in parse(DOCKERFILE.read_text(encoding="utf-8"))
        if ins.keyword == "COPY" and "--from" not in ins.args
        for src in ins.args.split()[:-1]
    }
    assert copied <= allowed, f"COPY sources not in the build context: {copied - allowed}"


BROKEN = {
    "latest base": (
        "FROM python:latest AS b\nRUN pip wheel .\nFROM python:latest\nCOPY --from=b /w /w\n",
        "unpinned or latest",
    ),
    "minor tag only": ("FROM python:3.11-slim AS b\nFROM python:3.11-slim\n", "not pinned"),
    "single stage": ("FROM python:3.11.9-slim\nUSER 1000\n", "not a multi-stage"),
    "root user": ("FROM a:1.2.3 AS b\nFROM a:1.2.3\nCOPY --from=b /w /w\nUSER 0\n", "USER is root"),
    "named user": ("FROM a:1.2.3 AS b\nFROM a:1.2.3\nUSER app\n", "not a numeric UID"),
    "no user": ("FROM a:1.2.3 AS b\nFROM a:1.2.3\n", "no USER"),
    "secret env": ("FROM a:1.2.3\nENV AWS_SECRET_ACCESS_KEY=abc\n", "baked-in secret"),
    "token arg": ("ARG GITHUB_TOKEN\nFROM a:1.2.3\n", "baked-in secret"),
    "access key value": ("FROM a:1.2.3\nENV CREDS_ID=AKIAABCDEFGHIJKLMNOP\n", "AWS access key id"),
    "shell entrypoint": ("FROM a:1.2.3\nENTRYPOINT dynamotable run\n", "shell form"),
    "healthcheck": ('FROM a:1.2.3\nHEALTHCHECK CMD true\nENTRYPOINT ["dynamotable", "run"]\n', "HEALTHCHECK"),
    "writable home": ("FROM a:1.2.3\nENV HOME=/home/app PYTHONDONTWRITEBYTECODE=1\n", "ENV HOME"),
    "no labels": ("FROM a:1.2.3\nLABEL org.opencontainers.image.title=x\n", "org.opencontainers.image.version"),
}


@pytest.mark.parametrize(("text", "expected"), BROKEN.values(), ids=BROKEN.keys())
def test_rules_catch_broken_dockerfiles(text: str, expected: str) -> None:
    problems = [p for rule in RULES for p in rule(parse(text))]
    assert any(expected in p for p in problems), problems


def test_parse_joins_continuations_and_skips_comments() -> None:
    text = "# syntax=docker/dockerfile:1\nARG X=1\nRUN a \\\n  # inner comment\n  && b\nENV A=1 \\\n    B='two words'\n"
    parsed = parse(text)
    assert [(i.keyword, i.args) for i in parsed] == [("ARG", "X=1"), ("RUN", "a && b"), ("ENV", "A=1 B='two words'")]
    assert pairs(parsed[2].args) == {"A": "1", "B": "two words"}
