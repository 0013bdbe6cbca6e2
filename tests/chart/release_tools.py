"""tools/chart_package.py, imported by path: it is a release script, not part of the dynamotable package."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

from chart_helpers import ROOT


def load_chart_package() -> ModuleType:
    name = "chart_package"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / "chart_package.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


chart_package = load_chart_package()
