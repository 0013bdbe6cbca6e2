"""Where kopf keeps its own state in each object (its `persistence` settings), with one change: nothing is written
again for a stale body.

Under load the watch can deliver kopf's own patch later than kopf's consistency timeout, after the versions that
predate it. kopf then takes one of those older bodies, which lacks its diff-base annotation (its record of the spec
it handled) and its marker annotation, for a new object. The operator skips the creation (the object is settled
here, for this uid and generation), and kopf would write both annotations again: the reconciler marks such a body
as stale, and nothing is written for it. The newer version that carries them is on its way through the watch.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import kopf


def _identity(body: Mapping[str, Any]) -> tuple[str, str]:
    metadata = body.get("metadata") or {}
    return str(metadata.get("uid") or ""), str(metadata.get("resourceVersion") or "")


class StaleBodies:
    """The latest stale version kopf was handed, per object uid."""

    def __init__(self) -> None:
        self._versions: dict[str, str] = {}

    def mark(self, body: Mapping[str, Any]) -> None:
        uid, version = _identity(body)
        self._versions[uid] = version

    def forget(self, uid: str) -> None:
        self._versions.pop(uid, None)

    def __contains__(self, body: Mapping[str, Any]) -> bool:
        uid, version = _identity(body)
        return bool(version) and self._versions.get(uid) == version


class DiffBaseStorage(kopf.AnnotationsDiffBaseStorage):
    def __init__(self, stale: StaleBodies, *, prefix: str, key: str) -> None:
        super().__init__(prefix=prefix, key=key)
        self.stale = stale

    def store(self, *, body: kopf.Body, patch: kopf.Patch, essence: Any) -> None:
        if body not in self.stale:
            super().store(body=body, patch=patch, essence=essence)


class ProgressStorage(kopf.AnnotationsProgressStorage):
    def __init__(self, stale: StaleBodies, *, prefix: str) -> None:
        super().__init__(prefix=prefix)
        self.stale = stale

    def _store_marker(self, prefix: str, patch: kopf.Patch, body: kopf.Body) -> None:
        # kopf writes its handler's progress and purges it again in the same cycle; the marker would stay
        if body not in self.stale:
            super()._store_marker(prefix=prefix, patch=patch, body=body)
