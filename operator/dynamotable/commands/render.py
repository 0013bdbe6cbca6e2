"""`dynamotable render -f`: Terraform for the manifests, by file name (`versions.tf` first).

With many files (fanout.MIN_ITEMS and more, stdin not among them) each worker process reads, validates and
renders whole files and sends back the text and a few facts of each table (`Table`), never the model: a
validated model costs about as much to pickle as to validate. A table is rendered there with the label and
the provider region it most likely gets (its own label; the region given, else the first manifest's), and
again here in the rare case it gets others. The result is the same as `render_here`'s, which renders in this
process (few files, or stdin).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import click

from dynamotable import fanout, loader
from dynamotable.api import spec as s
from dynamotable.api.validation import SpecError
from dynamotable.commands.common import (
    check_regions,
    exit_on_invalid,
    fail,
    fail_without_region,
    load_checked,
    region_errors,
    targets_of,
)
from dynamotable.commands.regions import unknown_region
from dynamotable.loader import Checked, Document, LoadError
from dynamotable.terraform.render import (
    VERSIONS_FILE,
    ProviderNeeds,
    default_label,
    labels_for,
    render_files,
    render_table,
    render_versions_for,
)


@dataclass(frozen=True, slots=True)
class Table:
    """What this process needs of a valid manifest that a worker process validated and rendered."""

    table_name: str
    namespace: str
    name: str  # metadata.name
    replica_regions: tuple[str, ...]
    owner: str  # the ownership tag's value
    needs: ProviderNeeds
    text: str | None  # rendered with `label` and `provider_region`; None: not rendered
    label: str
    provider_region: str | None


Job = tuple[str, str | None, str | None, str | None]  # source, default region, provider region, cluster id
Judged = tuple[Document, Table | None, list[SpecError]]


def render(paths: Sequence[str], region: str | None, cluster_id: str | None) -> dict[str, str]:
    """The files `render -f paths` writes; prints notes, and exits 1 on unreadable or invalid input."""
    try:
        found = loader.sources(paths)
    except LoadError as exc:
        fail(str(exc))
    if "-" in found or len(found) < fanout.MIN_ITEMS or fanout.workers() < 2:
        return render_here(found, region, cluster_id)
    provider_region = region or _first_region(found)
    jobs: list[Job] = [(source, region, provider_region, cluster_id) for source in found]
    try:
        results = fanout.map_in_chunks(judge_source, jobs)
    except LoadError as exc:
        fail(str(exc))
    notes = [note for source_notes, _ in results for note in source_notes]
    judged = [one for _, source_judged in results for one in source_judged]
    if not judged:
        fail(str(loader.nothing_found(found, notes)))
    for note in notes:
        click.echo(f"note: {note}", err=True)
    tables, errors = loader.sort_out(judged, lambda t: (t.table_name, t.needs.region or region))
    for doc, table in tables:
        errors.extend((doc, e) for e in region_errors(table.needs.region, table.replica_regions, unknown_region))
    exit_on_invalid(Checked(errors=errors))
    return _files(tables, region, cluster_id)


def render_here(found: list[str], region: str | None, cluster_id: str | None) -> dict[str, str]:
    """`render` of the files `found` (loader.sources) in this process."""
    checked = load_checked((), region, found=found)
    check_regions(checked, unknown_region)
    exit_on_invalid(checked)
    manifests = [m for _, m in checked.manifests]
    provider_region = region
    if provider_region is None:
        targets_of(checked, None)  # fails naming the first manifest without spec.region
        provider_region = manifests[0].spec.region
        assert provider_region is not None
        _provider_note(provider_region)
    return render_files(manifests, provider_region=provider_region, cluster_id=cluster_id)


def judge_source(job: Job) -> tuple[list[str], list[Judged]]:
    """A worker's part: the notes and the judged documents of one file, each valid table rendered."""
    source, region, provider_region, cluster_id = job
    read = loader.read_source(source)
    judged: list[Judged] = []
    for doc in read.documents:
        manifest, errors = loader.verdict(doc, default_region=region)
        table = _table(manifest, provider_region, cluster_id) if manifest is not None else None
        judged.append((dataclasses.replace(doc, body={}), table, errors))  # the body is not needed here again
    return read.notes, judged


def _table(manifest: s.DynamoTable, provider_region: str | None, cluster_id: str | None) -> Table:
    label, owner = default_label(manifest), manifest.owner_for(cluster_id)
    text = None
    if provider_region is not None:
        text = render_table(manifest, provider_region=provider_region, label=label, owner=owner)
    replicas = tuple(r.region for r in manifest.spec.replicas or ())
    return Table(
        manifest.table_name,
        manifest.namespace,
        manifest.metadata.name,
        replicas,
        owner,
        ProviderNeeds.of(manifest),
        text,
        label,
        provider_region,
    )


def _first_region(found: Sequence[str]) -> str | None:
    """spec.region of the first manifest, which becomes the provider's region when none is given (a guess:
    None when that manifest cannot be read or validated here, and its worker then does not render)."""
    for source in found:
        try:
            documents = loader.read_source(source).documents
        except LoadError:
            return None
        if documents:
            manifest, _ = loader.verdict(documents[0], default_region=None)
            return manifest.spec.region if manifest is not None else None
    return None


def _files(tables: list[tuple[Document, Table]], region: str | None, cluster_id: str | None) -> dict[str, str]:
    provider_region = region
    if provider_region is None:
        for doc, table in tables:
            if table.needs.region is None:
                fail_without_region(doc)
        provider_region = tables[0][1].needs.region
        assert provider_region is not None
        _provider_note(provider_region)
    labels = labels_for([(t.namespace, t.name) for _, t in tables])
    files = {
        f"{label}.tf": _text(doc, table, label, provider_region=provider_region, region=region, cluster_id=cluster_id)
        for (doc, table), label in zip(tables, labels, strict=True)
    }
    versions = render_versions_for([t.needs for _, t in tables], provider_region=provider_region)
    return {VERSIONS_FILE: versions} | dict(sorted(files.items()))


def _text(
    doc: Document, table: Table, label: str, *, provider_region: str, region: str | None, cluster_id: str | None
) -> str:
    """The table's file: as its worker rendered it, or rendered again here with the label and provider region
    it got (its document read and validated again)."""
    if table.text is not None and table.label == label and table.provider_region == provider_region:
        return table.text
    again = [d for d in loader.read_source(doc.source).documents if (d.index, d.prefix) == (doc.index, doc.prefix)]
    manifest = loader.verdict(again[0], default_region=region)[0] if again else None
    if manifest is None:
        fail(f"{doc.where}: the file changed while it was read; render again")
    return render_table(manifest, provider_region=provider_region, label=label, owner=manifest.owner_for(cluster_id))


def _provider_note(provider_region: str) -> None:
    click.echo(f"note: provider region {provider_region} (the first manifest's spec.region)", err=True)
