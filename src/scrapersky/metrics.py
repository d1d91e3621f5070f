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
FETCH_REQUESTS = Counter(
    "scrapersky_fetch_requests_total", "Fetches by backend and outcome.", ["backend", "outcome"]
)
FETCH_SECONDS = Histogram(
    "scrapersky_fetch_seconds", "Fetch wall time by backend.", ["backend"], buckets=HOLD_BUCKETS
)
