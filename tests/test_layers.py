"""Layering rules read from the source: core, db and services never touch Qt; money never uses float."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "aiddesk"
QT_MODULES = {"PySide6", "shiboken6", "PyQt5", "PyQt6", "PySide2"}
NON_UI_LAYERS = ("core", "db", "services", "exchange")


def source_files(*layers: str) -> list[Path]:
    files = [p for layer in layers for p in sorted((PACKAGE / layer).rglob("*.py"))]
    return files


def qt_imports(source: str, filename: str = "<test>") -> list[tuple[int, str]]:
    """(line, module) of every import of a Qt binding, including dynamic ones with a literal name."""
    found = []
    for node in ast.walk(ast.parse(source, filename=filename)):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) \
                and isinstance(node.args[0].value, str):
            func = node.func
            called = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if called in ("__import__", "import_module"):
                names = [node.args[0].value]
        found += [(node.lineno, n) for n in names if n.split(".")[0] in QT_MODULES]
    return found


def float_calls(source: str, filename: str = "<test>") -> list[int]:
    return [node.lineno for node in ast.walk(ast.parse(source, filename=filename))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "float"]


def test_the_layers_have_source_files():
    for layer in NON_UI_LAYERS:
        assert source_files(layer), f"no Python files under aiddesk/{layer}"
    assert (PACKAGE / "core" / "money.py") in source_files("core")


@pytest.mark.parametrize("path", source_files(*NON_UI_LAYERS), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_qt_import_below_the_ui(path):
    found = qt_imports(path.read_text(encoding="utf-8"), str(path))
    assert not found, f"{path.relative_to(PACKAGE.parent)} imports Qt: {found}"


@pytest.mark.parametrize("snippet", [
    "import PySide6",
    "from PySide6.QtCore import QObject",
    "import shiboken6 as sb",
    "def f():\n    from PySide6 import QtWidgets\n",
    "try:\n    import PySide6.QtGui\nexcept ImportError:\n    pass\n",
    "importlib.import_module('PySide6.QtCore')",
    "__import__('shiboken6')",
])
def test_qt_detector_catches_imports(snippet):
    assert qt_imports(snippet)


def test_qt_detector_ignores_lookalikes():
    assert qt_imports("import PySide6_tools_not_qt\nfrom .PySide6 import x\nname = 'PySide6'\n") == []


def test_money_module_never_calls_float():
    path = PACKAGE / "core" / "money.py"
    lines = float_calls(path.read_text(encoding="utf-8"), str(path))
    assert lines == [], f"float( called in aiddesk/core/money.py at lines {lines}"


def test_float_detector_catches_calls():
    assert float_calls("x = float('1.5')\ny = round(float(x), 2)\n") == [1, 2]
    assert float_calls("from decimal import Decimal\nx = Decimal('1.5')  # not float(\n") == []
