"""Settings: environment names, defaults, and errors that name the variable."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from scrapersky.exceptions import ConfigurationError
from scrapersky.settings import load_settings


def test_defaults_are_safe() -> None:
    settings = load_settings()
    assert settings.db_mode == "direct"
    assert settings.pool_size == 5
    assert settings.hold_warn_s == 5.0
    assert settings.diagnostics_path == settings.data_dir / "diagnostics"


def test_reads_prefixed_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCRAPERSKY_POOL_SIZE", "12")
    monkeypatch.setenv("SCRAPERSKY_DB_MODE", "pooler")
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:p@db.internal:6432/app")
    settings = load_settings()
    assert settings.pool_size == 12
    assert settings.db_mode == "pooler"
    assert settings.database_url == "postgresql://u:p@db.internal:6432/app"


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("SCRAPERSKY_POOL_SIZE", "zero", "SCRAPERSKY_POOL_SIZE"),
        ("SCRAPERSKY_DB_MODE", "bouncy", "SCRAPERSKY_DB_MODE"),
        ("DATABASE_URL", "sqlite:///x.db", "DATABASE_URL: Value error, must be a postgresql://"),
        ("SCRAPERSKY_HOLD_WARN_S", "-1", "SCRAPERSKY_HOLD_WARN_S"),
    ],
)
def test_bad_values_name_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigurationError) as caught:
        load_settings()
    assert expected in caught.value.message


def test_configuration_doc_is_current() -> None:
    """docs/configuration.md is generated from Settings; regenerate it after adding one."""
    root = Path(__file__).resolve().parents[2]
    generated = subprocess.run(
        [sys.executable, str(root / "scripts" / "config_doc.py")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert (root / "docs" / "configuration.md").read_text() == generated, (
        "run: .venv/bin/python scripts/config_doc.py > docs/configuration.md"
    )
