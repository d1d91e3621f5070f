"""Finding, classifying and parsing the files to audit.

files = discover([Path("src")], config)       # sorted .py files, excludes applied
module_or_error = load(files[0], config)      # ModuleInfo, or FileError (never raises)
"""

from __future__ import annotations

import ast
import fnmatch
import io
import tokenize
import warnings
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from scrapersky.guard.audit.config import AuditConfig
from scrapersky.guard.audit.model import FileError, FileKind
from scrapersky.guard.audit.resolve import ModuleInfo, collect_imports, module_name

_SKIP_DIRS = frozenset({"__pycache__", "node_modules", "site-packages", "build", "dist"})
_EXPERIMENT_DIRS = frozenset({"archive", "archived", "experimental", "experiments", "scratch"})
_EXPERIMENT_SUFFIXES = ("_fixed", "_old", "_backup", "_bak", "_copy", "_orig")
_TEST_DIRS = frozenset({"tests", "test", "testing"})
MAX_FILE_BYTES = 5_000_000  # bigger .py files are generated data, not code


def display_path(path: Path, root: Path) -> str:
    resolved = path.resolve()
    try:
        return resolved.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def classify(display: str) -> FileKind:
    """Production code, a test, or an experiment (``*_old.py``, ``archive/`` …)."""
    pure = PurePosixPath(display)
    directories = {part.lower() for part in pure.parts[:-1]}
    stem = pure.stem.lower()
    if directories & _EXPERIMENT_DIRS or stem.endswith(_EXPERIMENT_SUFFIXES):
        return FileKind.EXPERIMENT
    if (
        directories & _TEST_DIRS
        or stem.startswith("test_")
        or stem.endswith("_test")
        or stem == "conftest"
    ):
        return FileKind.TEST
    return FileKind.PRODUCTION


def is_excluded(display: str, patterns: Iterable[str]) -> bool:
    for pattern in patterns:
        pattern = pattern.rstrip("/")
        if fnmatch.fnmatch(display, pattern) or display.startswith(pattern + "/"):
            return True
        if fnmatch.fnmatch(display, f"{pattern}/*") or fnmatch.fnmatch(
            PurePosixPath(display).name, pattern
        ):
            return True
    return False


def discover(paths: Iterable[Path], config: AuditConfig) -> list[Path]:
    """Every .py file under ``paths`` that ``exclude`` does not match (named files too, so
    pre-commit's file lists respect it)."""
    found: dict[Path, None] = {}
    for path in paths:
        if path.is_file():
            if not is_excluded(display_path(path, config.root), config.exclude):
                found[path] = None
            continue
        for candidate in sorted(_walk(path, config)):
            found[candidate] = None
    return list(found)


def _walk(directory: Path, config: AuditConfig) -> Iterable[Path]:
    stack = [directory]
    while stack:
        current = stack.pop()
        try:
            entries = list(current.iterdir())
        except OSError:
            continue
        for entry in entries:
            display = display_path(entry, config.root)
            if config.exclude and is_excluded(display, config.exclude):
                continue
            if entry.is_dir():
                if not (entry.name.startswith(".") or entry.name in _SKIP_DIRS):
                    stack.append(entry)
            elif entry.suffix == ".py" and entry.is_file():
                yield entry


def load(path: Path, config: AuditConfig) -> ModuleInfo | FileError:
    """Read and parse one file. Bad encodings and syntax errors become a FileError."""
    display = display_path(path, config.root)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return FileError(display, f"skipped: {size} bytes is over {MAX_FILE_BYTES}")
        raw = path.read_bytes()
    except OSError as error:
        return FileError(display, f"cannot read: {error.strerror or error}")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(raw).readline)
        text = raw.decode(encoding)
    except (SyntaxError, UnicodeDecodeError, LookupError) as error:
        return FileError(display, f"cannot decode: {error}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(text, filename=display)
    except SyntaxError as error:
        return FileError(display, f"syntax error at line {error.lineno}: {error.msg}")
    except (ValueError, RecursionError, MemoryError) as error:
        return FileError(display, f"cannot parse: {type(error).__name__}: {error}")
    name, is_package = module_name(path.resolve())
    return ModuleInfo(
        name=name,
        path=path,
        display=display,
        tree=tree,
        lines=text.splitlines(),
        kind=classify(display),
        is_package=is_package,
        imports=collect_imports(tree, name, is_package),
    )
