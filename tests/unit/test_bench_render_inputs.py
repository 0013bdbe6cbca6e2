"""bench_render's 10,000 manifests must all be valid, or `dynamotable render -f` refuses them and the bench
measures nothing (examples tied to their region by a witness or a stream's or backup's ARN once broke it)."""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "bench"))

from bench_render import REGIONS, example_documents, varied_documents  # noqa: E402

from dynamotable.api.validation import validate_manifest  # noqa: E402


def test_every_varied_manifest_is_valid() -> None:
    count = len(example_documents()) * len(REGIONS)  # every example in every region of the cycle
    errors = [
        f"{doc['metadata']['name']}: {errs[0]}"
        for doc in varied_documents(count)
        if (errs := validate_manifest(doc, default_region="us-east-1")[1])
    ]
    assert errors == []


def test_the_varied_manifests_use_more_than_one_region() -> None:
    regions = {doc["spec"]["region"] for doc in varied_documents(len(example_documents()) * len(REGIONS))}
    assert regions == set(REGIONS)
