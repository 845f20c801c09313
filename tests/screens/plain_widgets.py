"""Where the program imports one of Textual's own widgets that it replaces with its own."""

from __future__ import annotations

import ast
from pathlib import Path

import khtui


def plain_imports(names: set[str], *, replaced_in: str) -> list[str]:
    """``module: name`` for each of ``names`` a khtui module imports from ``textual.widgets``
    (the module ``replaced_in``, which wraps them, aside)."""
    root = Path(khtui.__file__).parent
    found = []
    for path in sorted(root.rglob("*.py")):
        if path.name == replaced_in:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "textual.widgets":
                hits = sorted({a.name for a in node.names} & names)
                found += [f"{path.relative_to(root)}: {n}" for n in hits]
    return found
