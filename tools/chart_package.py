"""Package the Helm chart for a release, and keep its Artifact Hub changes in step with CHANGELOG.md.

    python tools/chart_package.py package [--destination dist]   # dist/dynamotable-operator-<version>.tgz
    python tools/chart_package.py changes [--write]             # the artifacthub.io/changes of this version

Packaging is `helm package` itself, through the Helm SDK (helm-python-sdk): the archive holds the chart under a
`<name>/` prefix, leaves out what .helmignore names, and is refused when Chart.yaml is invalid. The version is the
package version in pyproject.toml; the chart's `version` and `appVersion` must already be that version (a release
bumps all three together), so the packaged chart is the committed one. This script does not import dynamotable.
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
CHART = ROOT / "charts" / "dynamotable-operator"
CHANGELOG = ROOT / "CHANGELOG.md"
CHANGE_KINDS = ("Added", "Changed", "Deprecated", "Removed", "Fixed", "Security")
CHANGES_KEY = "artifacthub.io/changes"


class ReleaseError(Exception):
    """A release input that disagrees with another: one line naming both and the fix."""


def package_version(root: Path = ROOT) -> str:
    with (root / "pyproject.toml").open("rb") as f:
        version: str = tomllib.load(f)["project"]["version"]
    return version


def chart_meta(chart: Path = CHART) -> dict[str, Any]:
    meta: dict[str, Any] = yaml.safe_load((chart / "Chart.yaml").read_text(encoding="utf-8"))
    return meta


def changelog_sections(text: str) -> dict[str, dict[str, list[str]]]:
    """`## [version] ...` -> `### Kind` -> the text of each `- ` bullet (continuation lines joined)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] = {}
    entries: list[str] | None = None
    for line in text.splitlines():
        if heading := re.match(r"^## \[([^\]]+)\]", line):
            current = sections.setdefault(heading.group(1), {})
            entries = None
        elif line.startswith("### "):
            entries = current.setdefault(line[4:].strip(), [])
        elif line.startswith("- ") and entries is not None:
            entries.append(line[2:].strip())
        elif line.startswith("  ") and line.strip() and entries:
            entries[-1] += " " + line.strip()
    return sections


def artifacthub_changes(changelog: str, version: str) -> list[dict[str, str]]:
    """The CHANGELOG section of `version` as Artifact Hub's structured changes (kind, description)."""
    section = changelog_sections(changelog).get(version)
    if section is None:
        raise ReleaseError(f"CHANGELOG.md has no section '## [{version}]': add it (rename [Unreleased] on release)")
    return [
        {"kind": kind.lower(), "description": _plain(entry)} for kind in CHANGE_KINDS for entry in section.get(kind, [])
    ]


def _plain(entry: str) -> str:
    """Markdown links keep their text: Artifact Hub shows descriptions as plain text."""
    return re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", entry)


def changes_block(changes: list[dict[str, str]]) -> str:
    body = yaml.safe_dump(changes, sort_keys=False, width=1000, allow_unicode=True)
    return f"  {CHANGES_KEY}: |\n" + "".join(f"    {line}\n" for line in body.splitlines())


def write_changes(chart: Path, changes: list[dict[str, str]]) -> None:
    """Replace the artifacthub.io/changes block of Chart.yaml (the last annotation) keeping the rest as written."""
    path = chart / "Chart.yaml"
    text = path.read_text(encoding="utf-8")
    pattern = re.compile(rf"^  {re.escape(CHANGES_KEY)}: \|\n(?:    .*\n|\n)*", re.MULTILINE)
    if not pattern.search(text):
        raise ReleaseError(f"{path.name} has no '{CHANGES_KEY}: |' annotation block to replace")
    path.write_text(pattern.sub(lambda _: changes_block(changes), text, count=1), encoding="utf-8")


def check_versions(chart: Path = CHART, root: Path = ROOT) -> str:
    version = package_version(root)
    meta = chart_meta(chart)
    for key in ("version", "appVersion"):
        if str(meta.get(key)) != version:
            raise ReleaseError(
                f"Chart.yaml {key} is {meta.get(key)!r} but pyproject.toml's version is {version!r}: set both to one"
            )
    return version


def package(destination: Path, chart: Path = CHART, root: Path = ROOT) -> Path:
    """`helm package` of the chart into destination; the archive's path."""
    import helm_python

    version = check_versions(chart, root)
    destination.mkdir(parents=True, exist_ok=True)
    archive = helm_python.package(str(chart), destination=str(destination), version=version, app_version=version)
    return Path(archive)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    pkg = commands.add_parser("package", help="helm package the chart")
    pkg.add_argument("--destination", type=Path, default=ROOT / "dist")
    chg = commands.add_parser("changes", help="print (or --write into Chart.yaml) this version's changes")
    chg.add_argument("--write", action="store_true")
    args = parser.parse_args(argv)
    try:
        if args.command == "package":
            print(package(args.destination))
            return 0
        changes = artifacthub_changes(CHANGELOG.read_text(encoding="utf-8"), package_version())
        if args.write:
            write_changes(CHART, changes)
        else:
            print(changes_block(changes), end="")
        return 0
    except ReleaseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
