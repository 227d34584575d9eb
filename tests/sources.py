"""Reading the project's own source in tests that check it (kinds emitted, rules wired)."""
from __future__ import annotations

import ast
import time
from pathlib import Path


def parse(path: Path) -> ast.Module:
    """``ast.parse`` of a source file. CPython 3.11 keeps the AST constructor's recursion
    depth per interpreter, not per thread, so a ``compile()`` running in another thread at the
    same moment (a template compiled by a server thread an earlier test left running, a
    background rebuild importing a module) makes a parse fail with "SystemError: AST
    constructor recursion depth mismatch" though the file is fine (seen once in a full run).
    Such a parse is tried again; a real syntax error still fails at once."""
    text = path.read_text(encoding="utf-8")
    for attempt in range(5):
        try:
            return ast.parse(text, filename=str(path))
        except SystemError:
            if attempt == 4:
                raise
            time.sleep(0.05)
    raise AssertionError("unreachable")
