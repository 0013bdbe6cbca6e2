"""Benchmark: time and peak memory of reading hostile (and large legitimate) YAML, up to 10 MB per input.

Run:  .venv/bin/python tests/bench/bench_hostile_yaml.py [--only NAME]

Each input runs in a fresh child process, twice: through the CLI's path (loader.load + loader.check on a
file, libyaml's CSafeLoader; FULL inputs are 10 MB) and through manifest_yaml.read_documents with the
pure-Python SafeLoader (the fallback without libyaml; FULL inputs are its 4 MB limit).
Printed per input and reader: wall seconds of the read, the child's peak RSS (the whole process: interpreter,
imports, input), its RSS before the read, and the outcome (the one error line, shortened). Budget: under 5 s
and 300 MB peak for every input; a row over budget is marked OVER and the script exits 1.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "unit"))

from hostile_yaml import HOSTILE, LARGE_LEGITIMATE  # noqa: E402

from dynamotable import manifest_yaml  # noqa: E402

BUDGET_SECONDS, BUDGET_MB = 5.0, 300.0

CHILD = textwrap.dedent(
    """
    import json, resource, sys, time
    from dynamotable import loader, manifest_yaml

    def peak_mb():
        # VmHWM (this process's high-water RSS, reset by exec); ru_maxrss would include the parent's at fork.
        try:
            for line in open("/proc/self/status"):
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            pass
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    path = {path!r}
    text = open(path, encoding="utf-8").read() if {reader!r} == "python" else ""
    base = peak_mb()
    start = time.perf_counter()
    try:
        if {reader!r} == "cli":
            checked = loader.check(loader.load([path]))
            outcome = f"read: {{len(checked.manifests)}} valid, {{len(checked.errors)}} errors"
        else:
            docs = sum(1 for _ in manifest_yaml.read_documents(text, manifest_yaml.PythonManifestLoader))
            outcome = f"read: {{docs}} documents"
    except (loader.LoadError, manifest_yaml.yaml.YAMLError) as exc:
        outcome = "error: " + " ".join(str(exc).replace(path, "<file>").split())
    seconds = time.perf_counter() - start
    print(json.dumps({{"seconds": seconds, "mb": peak_mb(), "base": base, "outcome": outcome}}))
    """
)


def measure(name: str, reader: str) -> dict[str, object]:
    """Write the input to a file here, so that building it does not count in the child's peak memory."""
    limits = manifest_yaml.LIBYAML_LIMITS if reader == "cli" else manifest_yaml.PYTHON_LIMITS
    text = {**HOSTILE, **LARGE_LEGITIMATE}[name](limits.max_bytes)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{name}.yaml"
        path.write_text(text, encoding="utf-8")
        code = CHILD.format(path=str(path), reader=reader)
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=False)
    size = len(text.encode("utf-8"))
    if result.returncode != 0:
        crash = "CRASH " + result.stderr[-300:]
        return {"seconds": float("nan"), "mb": float("nan"), "base": float("nan"), "outcome": crash, "bytes": size}
    parsed: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return {**parsed, "bytes": size}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", help="run just this input")
    args = parser.parse_args()
    names = [*HOSTILE, *LARGE_LEGITIMATE]
    if args.only:
        names = [n for n in names if n == args.only]
    over = False
    print(f"{'input':24} {'reader':7} {'MB in':>6} {'seconds':>8} {'peak MB':>8} {'base MB':>8}  outcome")
    for name in names:
        for reader in ("cli", "python"):
            row = measure(name, reader)
            seconds, mb, base = float(str(row["seconds"])), float(str(row["mb"])), float(str(row["base"]))
            bad = not (seconds < BUDGET_SECONDS and mb < BUDGET_MB) or str(row["outcome"]).startswith("CRASH")
            over |= bad
            size = int(str(row["bytes"])) / (1024 * 1024)
            outcome = str(row["outcome"])
            print(
                f"{name:24} {reader:7} {size:6.1f} {seconds:8.2f} {mb:8.1f} {base:8.1f}  "
                f"{'OVER ' if bad else ''}{outcome[:110]}{'…' if len(outcome) > 110 else ''}"
            )
    print(
        f"budget: < {BUDGET_SECONDS:.0f} s and < {BUDGET_MB:.0f} MB per input; reproduce: "
        ".venv/bin/python tests/bench/bench_hostile_yaml.py"
    )
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
