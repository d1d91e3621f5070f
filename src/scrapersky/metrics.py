"""Prometheus metrics, declared in one place so names and labels stay consistent."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

HOLD_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)

DB_CONNECTION_HOLD_SECONDS = Histogram(
    "scrapersky_db_connection_hold_seconds",
    "How long a pooled database connection was checked out.",
    buckets=HOLD_BUCKETS,
)
DB_CONNECTIONS_IN_USE = Gauge(
    "scrapersky_db_connections_in_use", "Pooled connections checked out right now."
)
DB_HOLD_WARNINGS = Counter(
    "scrapersky_db_hold_warnings_total", "Connections held longer than the warning threshold."
)
STAGE_ITEMS = Counter(
    "scrapersky_stage_items_total", "Items processed by a stage, by outcome.", ["stage", "outcome"]
)
STAGE_PHASE_SECONDS = Histogram(
    "scrapersky_stage_phase_seconds",
    "Duration of a runner phase (claim, work, record).",
    ["stage", "phase"],
    buckets=HOLD_BUCKETS,
)
STAGE_IN_FLIGHT = Gauge(
    "scrapersky_stage_in_flight", "work() calls running right now, by stage.", ["stage"]
)
STAGE_DB_ERRORS = Counter(
    "scrapersky_stage_db_errors_total",
    "Database errors the runner retried (claim, record, release), by stage and phase.",
    ["stage", "phase"],
)
STAGE_DEFERRED = Counter(
    "scrapersky_stage_deferred_total",
    "Items put back in the queue without using an attempt (credits exhausted, per-domain cap).",
    ["stage", "reason"],
)
STAGE_CREDITS_PAUSED = Gauge(
    "scrapersky_stage_credits_paused",
    "1 while a stage sends no request because the scraping API reported exhausted credits.",
    ["stage"],
)
FETCH_REQUESTS = Counter(
    "scrapersky_fetch_requests_total", "Fetches by backend and outcome.", ["backend", "outcome"]
)
FETCH_SECONDS = Histogram(
    "scrapersky_fetch_seconds", "Fetch wall time by backend.", ["backend"], buckets=HOLD_BUCKETS
)

# --- database health (set each time guard.db_health.check_health runs) -------------------
DB_HEALTH_OK = Gauge(
    "scrapersky_db_health_ok", "1 when the last database health check found no problem."
)
DB_IDLE_IN_TRANSACTION_MAX_SECONDS = Gauge(
    "scrapersky_db_idle_in_transaction_max_seconds",
    "Longest time any backend of this database has been idle inside a transaction.",
)
DB_LONGEST_STATEMENT_SECONDS = Gauge(
    "scrapersky_db_longest_statement_seconds",
    "Longest running statement in this database at the last health check.",
)
DB_BLOCKED_BACKENDS = Gauge(
    "scrapersky_db_blocked_backends", "Backends of this database waiting on a lock."
)
DB_STUCK_TERMINATED = Counter(
    "scrapersky_db_stuck_backends_terminated_total",
    "ScraperSky's own idle-in-transaction backends ended by `db health --terminate-stuck`.",
)

# --- sitemap discovery and import ----------------------------------------------------------
SITEMAPS_DISCOVERED = Counter(
    "scrapersky_sitemaps_discovered_total",
    "Sitemap files found by discovery, by source (robots, well_known, html_link, off_site).",
    ["via"],
)
SITEMAP_PAGES_ADDED = Counter(
    "scrapersky_sitemap_pages_added_total", "Page rows added by sitemap imports (new URLs only)."
)
