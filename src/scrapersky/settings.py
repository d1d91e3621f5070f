"""All ScraperSky settings in one object.

Every value comes from the environment: ``SCRAPERSKY_<NAME>`` (case-insensitive), plus
``DATABASE_URL``. A bad value stops start-up with a message that names the variable::

    settings = get_settings()
    settings.pool_size  # 5
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from scrapersky.exceptions import ConfigurationError

ENV_PREFIX = "SCRAPERSKY_"


def _default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("scrapersky", appauthor=False))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, case_sensitive=False, extra="ignore", validate_default=True
    )

    # --- database -------------------------------------------------------------------------
    database_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("DATABASE_URL", "SCRAPERSKY_DATABASE_URL"),
        description="PostgreSQL URL. Unset: an embedded PostgreSQL (pgserver) in data_dir.",
    )
    data_dir: Path = Field(
        default_factory=_default_data_dir, description="Embedded db, diagnostics."
    )
    db_mode: Literal["direct", "pooler"] = Field(
        default="direct", description="'pooler' for PgBouncer/Supavisor in transaction mode."
    )
    pool_size: int = Field(default=5, ge=1, le=1000)
    pool_max_overflow: int = Field(default=0, ge=0, le=1000)
    pool_timeout_s: float = Field(default=30.0, gt=0)
    pool_recycle_s: float = Field(default=1800.0, gt=0)
    statement_timeout_ms: int = Field(default=30_000, ge=0)
    idle_in_transaction_timeout_ms: int = Field(default=60_000, ge=0)
    lock_timeout_ms: int = Field(default=10_000, ge=0)
    application_name: str = Field(default="scrapersky", min_length=1, max_length=63)
    auto_migrate: bool = Field(default=True, description="Run migrations at start-up.")

    # --- runtime guard --------------------------------------------------------------------
    hold_warn_s: float = Field(
        default=5.0, gt=0, description="Warn when a connection is held longer."
    )
    strict_guard: bool = Field(
        default=False, description="Raise instead of warn on guard violations (on in tests)."
    )

    # --- web access -----------------------------------------------------------------------
    fetch_backend: Literal["direct", "proxy", "scraperapi"] = "direct"
    proxy_url: str | None = None
    scraperapi_endpoint: str = "https://api.scraperapi.com/"
    scraperapi_key: SecretStr | None = None
    scraperapi_render: bool = False
    scraperapi_country_code: str | None = None
    scraperapi_premium: bool = False
    scraperapi_timeout_s: float = Field(default=70.0, gt=0)
    fetch_concurrency: int = Field(default=100, ge=1, le=10_000, description="Per backend.")
    fetch_connect_timeout_s: float = Field(default=10.0, gt=0)
    fetch_read_timeout_s: float = Field(default=20.0, gt=0)
    fetch_total_timeout_s: float = Field(default=30.0, gt=0)
    fetch_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    fetch_max_redirects: int = Field(default=10, ge=0, le=50)
    per_host_concurrency: int = Field(default=4, ge=1, le=1000)
    per_host_delay_s: float = Field(default=0.0, ge=0)
    respect_robots: bool = True
    robots_cache_ttl_s: float = Field(default=3600.0, gt=0, description="RFC 9309: at most 24 h.")
    robots_max_bytes: int = Field(default=512 * 1024, ge=1024, description="RFC 9309: >= 500 KiB.")
    max_crawl_delay_s: float = Field(default=30.0, ge=0, description="Cap on robots crawl-delay.")
    user_agent: str = "ScraperSkyBot/0.1 (+https://github.com/scrapersky/scrapersky)"
    ssrf_allow: list[str] = Field(
        default_factory=list,
        description="Hosts, IPs or CIDRs exempt from the SSRF guard (tests, the sample web).",
    )

    # --- pipeline -------------------------------------------------------------------------
    auto_advance: bool = Field(
        default=False, description="Move completed work to the next stage without curation."
    )
    worker_poll_interval_s: float = Field(default=2.0, gt=0)
    worker_grace_s: float = Field(default=20.0, ge=0)
    diagnostic_dir: Path | None = Field(default=None, description="Default: <data_dir>/diagnostics")
    diagnostic_max_files: int = Field(default=500, ge=0)
    diagnostic_max_bytes: int = Field(default=20 * 1024 * 1024, ge=0)
    default_phone_region: str = Field(default="US", min_length=2, max_length=2)

    # --- API / UI -------------------------------------------------------------------------
    api_token: SecretStr | None = None
    api_host: str = "127.0.0.1"
    api_port: int = Field(default=8000, ge=0, le=65535)

    @field_validator("scraperapi_country_code", "proxy_url", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("database_url")
    @classmethod
    def _postgres_only(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        scheme = value.split("://", 1)[0].split("+", 1)[0]
        if scheme not in ("postgres", "postgresql"):
            raise ValueError("must be a postgresql:// URL (ScraperSky runs on PostgreSQL only)")
        return value

    @property
    def diagnostics_path(self) -> Path:
        return self.diagnostic_dir or self.data_dir / "diagnostics"

    @property
    def embedded_db_path(self) -> Path:
        return self.data_dir / "pgdata"


def _env_name(field: str) -> str:
    if field == "database_url":
        return "DATABASE_URL"
    return ENV_PREFIX + field.upper()


def load_settings(**overrides: object) -> Settings:
    """Build settings from the environment, turning validation errors into one clear message."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else "?"
            problems.append(f"{_env_name(field)}: {error['msg']}")
        raise ConfigurationError("invalid configuration - " + "; ".join(problems)) from None


@functools.cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return load_settings()


def reset_settings_cache() -> None:
    get_settings.cache_clear()
