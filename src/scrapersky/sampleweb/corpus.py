"""Where the shared corpus of real website files lives (never copied into the project).

    root = find_corpus_dir()          # None when it is not there
    DirectorySource(require_corpus_dir())

Looked up in order: ``$SCRAPERSKY_CORPUS_DIR``, ``<project root>/../shared/corpus`` (for an
editable install) and ``./../shared/corpus`` from the working directory.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path

ENV_VAR = "SCRAPERSKY_CORPUS_DIR"
_PROJECT_ROOT = Path(__file__).resolve().parents[3]


def candidate_dirs() -> list[Path]:
    override = os.environ.get(ENV_VAR)
    if override:
        return [Path(override)]
    return [_PROJECT_ROOT.parent / "shared" / "corpus", Path.cwd().parent / "shared" / "corpus"]


def find_corpus_dir() -> Path | None:
    for candidate in candidate_dirs():
        if (candidate / "sites").is_dir():
            return candidate
    return None


def require_corpus_dir() -> Path:
    found = find_corpus_dir()
    if found is None:
        looked = ", ".join(str(c) for c in candidate_dirs())
        raise FileNotFoundError(f"corpus not found (looked in {looked}; set {ENV_VAR})")
    return found


@dataclass(frozen=True)
class ManifestRow:
    host: str
    served_path: str
    source_repo: str
    source_path: str
    commit: str
    bytes: int
    notes: str


def read_manifest(root: Path) -> list[ManifestRow]:
    """MANIFEST.tsv: one row per corpus file."""
    with (root / "MANIFEST.tsv").open(encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [
            ManifestRow(
                host=row["host"],
                served_path=row["served_path"],
                source_repo=row["source_repo"],
                source_path=row["source_path"],
                commit=row["commit_or_blank"],
                bytes=int(row["bytes"]),
                notes=row["notes"],
            )
            for row in rows
        ]
