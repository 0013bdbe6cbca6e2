"""kopf's storage writes nothing for a body the reconciler marked stale, and everything for any other version."""

from __future__ import annotations

from typing import Any, cast

import kopf

from dynamotable.operator.persistence import DiffBaseStorage, ProgressStorage, StaleBodies

PREFIX = "dynamotable.io"


def _body(uid: str, version: str) -> kopf.Body:
    return kopf.Body(cast(kopf.RawBody, {"metadata": {"uid": uid, "resourceVersion": version, "annotations": {}}}))


def _stored(body: kopf.Body, stale: StaleBodies) -> dict[str, Any]:
    patch = kopf.Patch()
    DiffBaseStorage(stale, prefix=PREFIX, key="last-handled-configuration").store(
        body=body, patch=patch, essence=cast(Any, {"spec": {"a": 1}})
    )
    # kopf's cycle for a handler that succeeded at once: its progress is stored, then purged
    progress = ProgressStorage(stale, prefix=PREFIX)
    progress.store(key=cast(Any, "reconcile"), record=cast(Any, {"success": True}), body=body, patch=patch)
    progress.purge(key=cast(Any, "reconcile"), body=body, patch=patch)
    return {k: v for k, v in patch.items() if v}


def test_a_stale_body_gets_no_annotation_written() -> None:
    stale = StaleBodies()
    stale.mark(_body("u1", "7"))
    assert _stored(_body("u1", "7"), stale) == {}


def test_other_versions_and_objects_are_written_as_kopf_does() -> None:
    stale = StaleBodies()
    stale.mark(_body("u1", "7"))
    for other in (_body("u1", "9"), _body("u2", "7")):
        annotations = _stored(other, stale)["metadata"]["annotations"]
        assert annotations[f"{PREFIX}/last-handled-configuration"] == '{"spec":{"a":1}}\n'
        assert annotations[f"{PREFIX}/kopf-managed"] == "yes"


def test_a_forgotten_object_is_written_again() -> None:
    stale = StaleBodies()
    stale.mark(_body("u1", "7"))
    stale.forget("u1")
    assert f"{PREFIX}/kopf-managed" in _stored(_body("u1", "7"), stale)["metadata"]["annotations"]


def test_a_body_without_a_resource_version_is_never_stale() -> None:
    stale = StaleBodies()
    stale.mark(_body("u1", ""))
    assert _stored(_body("u1", ""), stale) != {}
