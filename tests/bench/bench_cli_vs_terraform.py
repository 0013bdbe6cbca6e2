"""Benchmark: `dynamotable apply` / `plan` against `terraform apply` / `plan` of the same tables' rendered HCL,
on the embedded local DynamoDB (`dynamotable local`, no latency, in its own process, started afresh per tool).

Run:  .venv/bin/python tests/bench/bench_cli_vs_terraform.py [--tables 200] [--parallelism 10]

The tables are the repository's examples without replicas or customer-managed KMS keys, varied in name and
tags. Terraform gets what `dynamotable render` writes, minus the `import {}` blocks (the tables do not exist
yet) and with the provider pointed at the endpoint (tests/data/terraform-acceptance/providers.tf, without its
ignore_tags). Printed per tool and command: wall seconds and the peak RSS of the largest process (terraform
and its provider plugin are separate processes: the larger is shown, as is the Python process of the CLI),
then the ratios. Skipped
(exit 0) without a terraform binary and an AWS provider (TERRAFORM, TF_PLUGIN_DIR; see
tests/unit/test_terraform_validate.py).
"""

from __future__ import annotations

import argparse
import copy
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "unit"))
sys.path.insert(0, str(REPO / "tests" / "bench"))

from bench_render import example_documents  # noqa: E402
from test_terraform_validate import plugin_dir, terraform_binary  # noqa: E402

from dynamotable.api.crd import _KubernetesYamlDumper  # noqa: E402
from dynamotable.api.validation import parse_manifest  # noqa: E402
from dynamotable.terraform.render import render_files  # noqa: E402

PROVIDERS = REPO / "tests" / "data" / "terraform-acceptance" / "providers.tf"
IMPORT_BLOCK = re.compile(r"^import \{\n.*?^\}\n", re.M | re.S)
IGNORE_TAGS = re.compile(r"^  # The operator's ownership tag.*?^  ignore_tags \{\n.*?^  \}\n", re.M | re.S)


def simple_documents(count: int) -> list[dict[str, Any]]:
    """`count` manifests from the examples that need nothing beyond the endpoint (no replicas, no KMS key)."""
    templates = [
        d
        for d in example_documents()
        if not d["spec"].get("replicas") and "kmsKeyArn" not in (d["spec"].get("serverSideEncryption") or {})
    ]
    out = []
    for i in range(count):
        doc = copy.deepcopy(templates[i % len(templates)])
        doc["metadata"] = {"name": f"{doc['metadata']['name']}-{i}", "namespace": "bench"}
        doc["spec"]["tableName"] = f"{doc['spec']['tableName']}-{i}"
        doc["spec"]["region"] = "us-east-1"
        doc["spec"].setdefault("tags", {})["Index"] = str(i)
        out.append(doc)
    return out


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Endpoint:
    """`dynamotable local` in its own process, for one tool's run."""

    def __enter__(self) -> str:
        port = free_port()
        exe = Path(sys.executable).with_name("dynamotable")
        self.proc = subprocess.Popen([str(exe), "local", "--port", str(port)], stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                return f"http://127.0.0.1:{port}"
            except OSError:
                time.sleep(0.1)
        raise SystemExit("dynamotable local did not start")

    def __exit__(self, *_: object) -> None:
        self.proc.terminate()
        self.proc.wait(10)


def timed(cmd: list[str], cwd: Path, env: dict[str, str], ok: tuple[int, ...] = (0,)) -> tuple[float, float]:
    """(wall seconds, peak RSS MiB of the largest process) of one command, which must exit with one of `ok`."""
    wrapper = shutil.which("time")  # GNU time reports the largest resident set of the command's processes
    started = time.monotonic()
    if wrapper and Path(wrapper).resolve() == Path("/usr/bin/time").resolve():
        proc = subprocess.run(
            [wrapper, "-f", "%M", *cmd], cwd=cwd, env=env, capture_output=True, text=True, check=False
        )
        rss = float(proc.stderr.strip().splitlines()[-1]) / 1024 if proc.stderr.strip() else float("nan")
    else:
        proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, check=False)
        rss = float("nan")
    elapsed = time.monotonic() - started
    if proc.returncode not in ok:
        raise SystemExit(f"{' '.join(cmd[:3])} failed ({proc.returncode}):\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
    return elapsed, rss


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tables", type=int, default=200)
    parser.add_argument("--parallelism", type=int, default=10)
    args = parser.parse_args()
    print(f"reproduce: .venv/bin/python tests/bench/bench_cli_vs_terraform.py --tables {args.tables}")
    work = Path(tempfile.mkdtemp(prefix="bench-cli-tf-"))
    terraform = terraform_binary()
    plugins = plugin_dir(work)
    if terraform is None or plugins is None:
        print("skipped: no terraform binary or AWS provider here (TERRAFORM, TF_PLUGIN_DIR)")
        return 0
    docs = simple_documents(args.tables)
    manifests_dir = work / "manifests"
    manifests_dir.mkdir()
    for i, doc in enumerate(docs):
        (manifests_dir / f"t{i:04d}.yaml").write_text(yaml.dump(doc, Dumper=_KubernetesYamlDumper, sort_keys=False))
    hcl = work / "hcl"
    hcl.mkdir()
    files = render_files([parse_manifest(d) for d in docs], provider_region="us-east-1")
    for name, text in files.items():
        if name != "versions.tf":
            (hcl / name).write_text(IMPORT_BLOCK.sub("", text))
    # the rendered tables carry the ownership tag, as the operator's do: terraform must not ignore it here
    (hcl / "providers.tf").write_text(IGNORE_TAGS.sub("", PROVIDERS.read_text()))
    env = dict(os.environ)
    env.update(CHECKPOINT_DISABLE="1", TF_IN_AUTOMATION="1", TF_INPUT="0", TF_DATA_DIR=str(hcl / ".terraform"))
    env.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1")
    env.pop("TF_CLI_ARGS", None)
    subprocess.run(
        [terraform, "init", f"-plugin-dir={plugins[0]}", "-input=false", "-no-color"],
        cwd=hcl,
        env=env,
        check=True,
        capture_output=True,
    )
    dynamotable = str(Path(sys.executable).with_name("dynamotable"))
    rows: dict[str, tuple[float, float]] = {}
    with Endpoint() as url:
        common = ["-input=false", "-no-color", f"-var=endpoint={url}", f"-parallelism={args.parallelism}"]
        rows["terraform apply"] = timed([terraform, "apply", "-auto-approve", *common], hcl, env)
        rows["terraform plan"] = timed([terraform, "plan", "-detailed-exitcode", *common], hcl, env)
    with Endpoint() as url:
        target = ["-f", str(manifests_dir), "--endpoint-url", url, "--parallelism", str(args.parallelism)]
        rows["dynamotable apply"] = timed([dynamotable, "apply", "--auto-approve", *target], work, env)
        rows["dynamotable plan"] = timed([dynamotable, "plan", *target], work, env)
    for name, (seconds, rss) in rows.items():
        print(f"{name:18s} {args.tables} tables: {seconds:6.1f} s, peak RSS {rss:5.0f} MiB")
    for command in ("apply", "plan"):
        ours, theirs = rows[f"dynamotable {command}"], rows[f"terraform {command}"]
        print(
            f"{command}: dynamotable takes {ours[0] / theirs[0]:.2f}x terraform's wall time and "
            f"{ours[1] / theirs[1]:.2f}x its peak RSS"
        )
    print(f"parallelism {args.parallelism} for both; AWS provider {', '.join(plugins[1])}")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
