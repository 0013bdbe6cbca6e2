"""Fixtures that render charts/dynamotable-operator offline with helm-python-sdk (no helm binary, no cluster).

helm-python-sdk ships an 82 MB x86_64-only wheel, so it is an optional test dependency: the tests that need
it skip where it is not installed. Pure file checks (CRDs in sync, versions) live in test_chart_files.py
and always run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from chart_helpers import CHART, RELEASE, RELEASE_NAMESPACE, Render, parse


@pytest.fixture(scope="session")
def helm() -> Any:
    return pytest.importorskip("helm_python", reason="helm-python-sdk is not installed (x86_64 Linux wheel only)")


@pytest.fixture(scope="session")
def chart(helm: Any) -> Iterator[Any]:
    with helm.Chart.load(str(CHART)) as loaded:
        yield loaded


@pytest.fixture(scope="session")
def render(chart: Any) -> Render:
    def _render(**values: Any) -> list[dict[str, Any]]:
        return parse(chart.render(values=values, name=RELEASE, namespace=RELEASE_NAMESPACE, is_install=True))

    return _render


@pytest.fixture(scope="session")
def notes(chart: Any) -> Callable[..., str]:
    def _notes(**values: Any) -> str:
        rendered = chart.render(values=values, name=RELEASE, namespace=RELEASE_NAMESPACE, is_install=True)
        return next(text for path, text in rendered.items() if path.endswith("NOTES.txt"))

    return _notes
