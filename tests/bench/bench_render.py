"""Benchmark: render the Terraform of 10,000 tables (a mix of the examples with varied names).

Run:  .venv/bin/python tests/bench/bench_render.py [--tables N] [--repeat R] [--cli-repeat C]
Prints total seconds for render_files over all tables (best of R runs), µs/table and bytes/table, and
the same for render_table alone (target: under 1 second for 10,000 tables); then the whole command,
`dynamotable render -f DIR -o OUT` over N manifest files (one table each; reading, validation, rendering and
writing, interpreter start included), best of C runs, serial and spread over the cores (target: 5 s for
10,000 files). The tables cycle through every example, each in one of REGIONS; an example that a region ties
(a STRONG witness, a Kinesis stream's or a backup's ARN) stays in us-east-1, so every manifest is valid.
"""

from __future__ import annotations

import argparse
import copy
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from dynamotable.api import spec as s
from dynamotable.api.validation import parse_manifest, validate_manifest
from dynamotable.terraform.render import render_files, render_table

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
REGIONS = ("us-east-1", "us-east-1", "us-east-1", "us-west-2", "eu-west-1")


def example_documents() -> list[dict[str, Any]]:
    docs = []
    for path in sorted(EXAMPLES.rglob("*.yaml")):
        docs += [d for d in yaml.safe_load_all(path.read_text()) if d and d.get("kind") == s.KIND]
    return docs


def varied_manifests(count: int) -> list[s.DynamoTable]:
    """`count` valid manifests cycling through the examples, each with its own name/namespace/region."""
    return [parse_manifest(doc) for doc in varied_documents(count)]


def varied_documents(count: int) -> list[dict[str, Any]]:
    templates = example_documents()
    movable = {(n, r): _valid_in(t, r) for n, t in enumerate(templates) for r in set(REGIONS)}
    out = []
    for i in range(count):
        n = i % len(templates)
        region = REGIONS[i % len(REGIONS)]
        doc = _in_region(templates[n], region if movable[n, region] else "us-east-1")
        doc["metadata"] = {"name": f"{doc['metadata']['name']}-{i}", "namespace": f"team-{i % 37}"}
        spec = doc["spec"]
        spec["tableName"] = f"{spec['tableName']}-{i}"
        spec.setdefault("tags", {})["Index"] = str(i)
        out.append(doc)
    return out


def _in_region(template: dict[str, Any], region: str) -> dict[str, Any]:
    """A copy of `template` in `region`, its KMS key moved along."""
    doc = copy.deepcopy(template)
    spec = doc["spec"]
    spec["region"] = region
    sse = spec.get("serverSideEncryption") or {}
    if "kmsKeyArn" in sse:
        sse["kmsKeyArn"] = sse["kmsKeyArn"].replace("us-east-1", region)
    return doc


def _valid_in(template: dict[str, Any], region: str) -> bool:
    """Whether the example stays valid in `region` (a replica there, a witness, a stream's or a backup's ARN
    tie some examples to theirs: those keep us-east-1)."""
    return not validate_manifest(_in_region(template, region), default_region="us-east-1")[1]


def cli_render(count: int, repeat: int) -> dict[str, float]:
    """Best wall seconds of `dynamotable render -f DIR -o OUT` over `count` files: serial and in parallel."""
    from dynamotable.api.crd import _KubernetesYamlDumper

    work = Path(tempfile.mkdtemp(prefix="bench-render-"))
    source = work / "manifests"
    source.mkdir()
    for i, doc in enumerate(varied_documents(count)):
        (source / f"t{i:05d}.yaml").write_text(yaml.dump(doc, Dumper=_KubernetesYamlDumper, sort_keys=False))
    exe = str(Path(sys.executable).with_name("dynamotable"))
    out: dict[str, float] = {}
    for mode, cores in (("serial", "0"), ("parallel", ",".join(str(c) for c in sorted(os.sched_getaffinity(0))))):
        best = float("inf")
        for _ in range(repeat):
            shutil.rmtree(work / "out", ignore_errors=True)
            cmd = ["taskset", "-c", cores, exe, "render", "-f", str(source), "-o", str(work / "out")]
            started = time.perf_counter()
            subprocess.run(cmd, check=True, capture_output=True)
            best = min(best, time.perf_counter() - started)
        out[mode] = best
    shutil.rmtree(work, ignore_errors=True)
    return out


def best_of(repeat: int, fn: Any) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tables", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--cli-repeat", type=int, default=3)
    args = parser.parse_args()

    manifests = varied_manifests(args.tables)
    n = len(manifests)
    files_s, files = best_of(args.repeat, lambda: render_files(manifests, provider_region="us-east-1"))
    table_s, texts = best_of(args.repeat, lambda: [render_table(m, provider_region="us-east-1") for m in manifests])
    size = sum(len(t.encode()) for t in texts)
    print(f"render_files: {n} tables ({len(files)} files) in {files_s:.3f} s = {files_s / n * 1e6:.1f} µs/table")
    print(f"render_table: {n} tables in {table_s:.3f} s = {table_s / n * 1e6:.1f} µs/table, {size / n:.0f} bytes/table")
    print(f"best of {args.repeat} runs; python {sys.version.split()[0]}; target < 1 s for 10,000 tables")
    cli = cli_render(n, args.cli_repeat) if shutil.which("taskset") else {}
    cores = len(os.sched_getaffinity(0))
    for mode, seconds in cli.items():
        used = cores if mode == "parallel" else 1
        print(f"dynamotable render -f of {n} files, {mode} ({used} core(s)): {seconds:.2f} s")
    if cli:
        print(f"best of {args.cli_repeat} runs; target 5 s for 10,000 files")
    print("reproduce: .venv/bin/python tests/bench/bench_render.py")
    return 0 if (files_s < 1.0 and cli.get("parallel", 0.0) < 5.0) or n != 10_000 else 1


if __name__ == "__main__":
    sys.exit(main())
