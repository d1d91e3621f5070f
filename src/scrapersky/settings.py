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
    pool_size: int = Field(
        default=5,
        ge=1,
        le=1000,
        description="Connections per process (the pool ScraperSky never holds across the network).",
    )
    pool_max_overflow: int = Field(
        default=0, ge=0, le=1000, description="Extra connections above pool_size under load."
    )
    pool_timeout_s: float = Field(
        default=30.0,
        gt=0,
        description="Seconds to wait for a free pooled connection before failing.",
    )
    pool_recycle_s: float = Field(
        default=1800.0, gt=0, description="Replace pooled connections older than this."
    )
    pool_pre_ping: bool = Field(
        default=True,
        description="Test each connection on checkout (3 round trips with asyncpg). Workers "
        "may turn it off: the runner retries claims and records on a dropped connection.",
    )
    statement_timeout_ms: int = Field(
        default=30_000,
        ge=0,
        description="Server-side statement timeout (per transaction in pooler mode).",
    )
    idle_in_transaction_timeout_ms: int = Field(
        default=60_000, ge=0, description="The server ends a transaction left idle this long."
    )
    lock_timeout_ms: int = Field(
        default=10_000, ge=0, description="Give up waiting for a lock after this long."
    )
    application_name: str = Field(
        default="scrapersky",
        min_length=1,
        max_length=63,
        description="Shown in pg_stat_activity; `db health --terminate-stuck` only ends these.",
    )
    auto_migrate: bool = Field(default=True, description="Run migrations at start-up.")
    check_enums_on_start: bool = Field(
        default=True, description="Compare Python enums with pg_enum at start-up; fail fast."
    )

    # --- runtime guard --------------------------------------------------------------------
    hold_warn_s: float = Field(
        default=5.0, gt=0, description="Warn when a connection is held longer."
    )
    strict_guard: bool = Field(
        default=False, description="Raise instead of warn on guard violations (on in tests)."
    )

    # --- web access -----------------------------------------------------------------------
    fetch_backend: Literal["direct", "proxy", "scraperapi"] = Field(
        default="direct", description="direct, proxy (SCRAPERSKY_PROXY_URL) or scraperapi."
    )
    proxy_url: str | None = Field(
        default=None,
        description="HTTP proxy URL for the proxy backend (credentials are redacted in logs).",
    )
    scraperapi_endpoint: str = Field(
        default="https://api.scraperapi.com/",
        description="Scraping-API endpoint (GET <endpoint>?api_key=...&url=...).",
    )
    scraperapi_key: SecretStr | None = Field(
        default=None, description="Scraping-API key (never logged)."
    )
    scraperapi_render: bool = Field(
        default=False, description="Ask the scraping API to render JavaScript."
    )
    scraperapi_country_code: str | None = Field(
        default=None, description="Scraping-API geotargeting country code."
    )
    scraperapi_premium: bool = Field(
        default=False, description="Use the scraping API's premium proxies."
    )
    scraperapi_timeout_s: float = Field(
        default=70.0,
        gt=0,
        description="Per-request timeout for the scraping API (its docs recommend 70 s).",
    )
    fetch_concurrency: int = Field(
        default=100, ge=1, le=10_000, description="Requests in flight at once per process."
    )
    fetch_connect_timeout_s: float = Field(
        default=10.0, gt=0, description="TCP/TLS connect timeout."
    )
    fetch_read_timeout_s: float = Field(
        default=20.0, gt=0, description="Timeout between received bytes."
    )
    fetch_total_timeout_s: float = Field(
        default=30.0, gt=0, description="Whole-request timeout (direct and proxy backends)."
    )
    fetch_max_bytes: int = Field(
        default=10 * 1024 * 1024,
        ge=1024,
        description="Body cap, after decompression (a gzip bomb stops here).",
    )
    fetch_max_redirects: int = Field(
        default=10,
        ge=0,
        le=50,
        description="Redirect hops followed, each rechecked by the SSRF guard.",
    )
    per_host_concurrency: int = Field(
        default=4, ge=1, le=1000, description="Requests in flight at once to one host."
    )
    per_host_delay_s: float = Field(
        default=0.0,
        ge=0,
        description="Minimum delay between request starts to one host "
        "(robots crawl-delay wins if larger).",
    )
    respect_robots: bool = Field(
        default=True, description="Check robots.txt (RFC 9309) before fetching a page."
    )
    robots_cache_ttl_s: float = Field(default=3600.0, gt=0, description="RFC 9309: at most 24 h.")
    robots_max_bytes: int = Field(default=512 * 1024, ge=1024, description="RFC 9309: >= 500 KiB.")
    max_crawl_delay_s: float = Field(default=30.0, ge=0, description="Cap on robots crawl-delay.")
    user_agent: str = Field(
        default="ScraperSkyBot/0.1 (+https://github.com/scrapersky/scrapersky)",
        description="User-Agent sent to sites and used for robots.txt rules.",
    )
    ssrf_allow: list[str] = Field(
        default_factory=list,
        description="Hosts, IPs or CIDRs exempt from the SSRF guard (tests, the sample web).",
    )

    # --- pipeline -------------------------------------------------------------------------
    auto_advance: bool = Field(
        default=False, description="Move completed work to the next stage without curation."
    )
    worker_poll_interval_s: float = Field(
        default=2.0, gt=0, description="How often an idle worker looks for due rows."
    )
    worker_grace_s: float = Field(
        default=20.0,
        ge=0,
        description="On SIGTERM/SIGINT, how long in-flight work may finish before being released.",
    )
    worker_record_retry_s: float = Field(
        default=60.0, ge=0, description="How long to retry saving a batch while the db is down."
    )
    worker_synchronous_commit: bool = Field(
        default=False,
        description="Claims/records wait for the WAL flush. Off: a server crash may lose the "
        "last instant of them; leases and at-least-once delivery redo that work.",
    )
    diagnostic_dir: Path | None = Field(default=None, description="Default: <data_dir>/diagnostics")
    diagnostic_max_files: int = Field(
        default=500, ge=0, description="Diagnostic files kept (oldest deleted first)."
    )
    diagnostic_max_bytes: int = Field(
        default=20 * 1024 * 1024, ge=0, description="Total size of diagnostic files kept."
    )
    default_phone_region: str = Field(
        default="US",
        min_length=2,
        max_length=2,
        description="Region for phone numbers when neither TLD nor page language says.",
    )
    stage_credits_pause_s: float = Field(
        default=300.0,
        gt=0,
        description="After a ScraperAPI credits/plan error (401/403), rows wait this long and "
        "go back to the queue without using an attempt; no request is sent meanwhile.",
    )
    metadata_concurrency: int = Field(
        default=50, ge=1, le=10_000, description="Homepage fetches in flight per worker."
    )
    metadata_batch_size: int = Field(
        default=10, ge=1, le=1000, description="Domains claimed and recorded per transaction."
    )
    contacts_concurrency: int = Field(
        default=50, ge=1, le=10_000, description="Page scans in flight per worker."
    )
    contacts_batch_size: int = Field(
        default=10, ge=1, le=1000, description="Pages claimed and recorded per transaction."
    )
    contacts_domain_page_cap: int = Field(
        default=200,
        ge=0,
        description="Pages of one domain a worker scans per cap window; the rest wait for the "
        "next window without using an attempt (0: no cap).",
    )
    contacts_domain_cap_window_s: float = Field(
        default=600.0, gt=0, description="The window for contacts_domain_page_cap."
    )
    contacts_auto_select_per_domain: int = Field(
        default=10,
        ge=1,
        le=1000,
        description="Likely contact pages (contact, about, team, imprint...) selected per "
        "domain by auto-advance.",
    )
    sitemap_discovery_concurrency: int = Field(
        default=20, ge=1, le=10_000, description="Domains being discovered at once per worker."
    )
    sitemap_import_concurrency: int = Field(
        default=8, ge=1, le=1000, description="Files imported at once (each holds its URLs)."
    )
    sitemap_max_depth: int = Field(
        default=5, ge=0, le=50, description="Index levels followed below a discovered sitemap."
    )
    sitemap_max_urls: int = Field(default=50_000, ge=1, description="Page URLs kept per file.")
    sitemap_max_children: int = Field(default=50_000, ge=0, description="Children per index.")
    sitemap_max_bytes: int = Field(
        default=50 * 1024 * 1024, ge=1024, description="Uncompressed bytes read per file."
    )
    sitemap_max_files_per_domain: int = Field(
        default=10_000, ge=1, description="Sitemap files recorded per domain, all levels."
    )

    # --- API / UI -------------------------------------------------------------------------
    api_token: SecretStr | None = Field(
        default=None,
        description="Required by every API and UI route when set; "
        "needed to listen beyond loopback.",
    )
    api_host: str = Field(
        default="127.0.0.1", description="`scrapersky api` / `run` listen address."
    )
    api_port: int = Field(
        default=8000, ge=0, le=65535, description="`scrapersky api` / `run` listen port."
    )
    api_cookie_secure: bool = Field(
        default=False, description="Mark the UI session cookie Secure (set when served on https)."
    )
    api_session_ttl_s: int = Field(default=12 * 3600, ge=60, description="UI login lifetime.")
    api_max_upload_bytes: int = Field(
        default=20 * 1024 * 1024, ge=1024, description="Largest CSV/TXT upload the API accepts."
    )

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
