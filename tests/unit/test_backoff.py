"""Pure parts of the runner: backoff, the phase-3 decision, error text, spec validation, and
which database errors count as transient."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import exc as sa_exc

from scrapersky.exceptions import ConfigurationError
from scrapersky.pipeline.registry import QUEUES
from scrapersky.pipeline.stage import (
    DIAGNOSTIC_BYTES,
    MAX_DEFER_S,
    ClaimedItem,
    Defer,
    Failure,
    StageSpec,
    Success,
    backoff_delay,
    decide,
    describe_failure,
)
from scrapersky.pipeline.transient import describe_db_error, is_transient_db_error


def spec(**tunables: object) -> StageSpec:
    return StageSpec.on(QUEUES["metadata"], name="metadata", **tunables)


def item(attempt: int) -> ClaimedItem:
    return ClaimedItem(id=7, attempt=attempt, lease_token=uuid.uuid4(), values={"domain": "a.b"})


@pytest.mark.parametrize(("attempt", "expected"), [(1, 10.0), (2, 20.0), (3, 40.0), (6, 320.0)])
def test_backoff_doubles_per_attempt(attempt: int, expected: float) -> None:
    assert backoff_delay(attempt, base_s=10, max_s=1000, jitter=0.0) == expected


def test_backoff_is_capped_even_for_huge_attempt_numbers() -> None:
    assert backoff_delay(7, base_s=10, max_s=300, jitter=0.0) == 300
    assert backoff_delay(10_000, base_s=10, max_s=300, jitter=0.25, rand=lambda: 1.0) == 300


@pytest.mark.parametrize(("rand", "expected"), [(0.0, 75.0), (0.5, 100.0), (1.0, 125.0)])
def test_jitter_spreads_plus_minus_the_fraction(rand: float, expected: float) -> None:
    delay = backoff_delay(3, base_s=25, max_s=1000, jitter=0.25, rand=lambda: rand)
    assert delay == pytest.approx(expected)


def test_jitter_really_spreads_a_crowd_of_retries() -> None:
    import random

    rng = random.Random(42)
    delays = {round(backoff_delay(2, base_s=30, max_s=600, rand=rng.random), 3) for _ in range(50)}
    assert len(delays) > 40
    assert min(delays) >= 45
    assert max(delays) <= 75


def test_success_is_recorded_as_success() -> None:
    assert decide(spec(), item(1), Success("x")) == ("success", 0.0)


def test_retryable_failure_below_the_limit_is_retried_with_backoff() -> None:
    kind, delay = decide(
        spec(max_attempts=3, backoff_base_s=10, backoff_jitter=0), item(2), Failure("t", "m")
    )
    assert (kind, delay) == ("retry", 20.0)


def test_failure_at_the_limit_or_not_retryable_is_terminal() -> None:
    assert decide(spec(max_attempts=3), item(3), Failure("t", "m"))[0] == "failure"
    assert decide(spec(max_attempts=3), item(1), Failure("t", "m", retryable=False))[0] == (
        "failure"
    )


def test_defer_is_its_own_decision_at_any_attempt_with_its_delay() -> None:
    s = spec(max_attempts=3, backoff_base_s=10, backoff_jitter=0)
    assert decide(s, item(1), Defer(120.0, "credits")) == ("defer", 120.0)
    assert decide(s, item(3), Defer(5.0, "domain_cap")) == ("defer", 5.0)  # not terminal
    assert decide(s, item(1), Defer(10 * MAX_DEFER_S, "credits")) == ("defer", MAX_DEFER_S)


@pytest.mark.parametrize(
    ("delay", "reason"),
    [(-1.0, "credits"), (float("inf"), "credits"), (float("nan"), "x"), (1, "")],
)
def test_defer_refuses_a_delay_or_reason_phase_3_could_not_store(delay: float, reason: str) -> None:
    with pytest.raises(ValueError, match="Defer"):
        Defer(delay, reason)


def test_error_text_says_what_happens_next() -> None:
    s = spec(max_attempts=3)
    failure = Failure("http_503", "HTTP 503 from api")
    assert describe_failure(item(1), s, failure, final=False) == (
        "HTTP 503 from api (attempt 1 of 3; will retry)"
    )
    assert describe_failure(item(3), s, failure, final=True) == (
        "HTTP 503 from api (gave up after 3 attempts)"
    )
    fatal = Failure("parse", "not a sitemap", retryable=False)
    assert describe_failure(item(1), s, fatal, final=True) == (
        "not a sitemap (attempt 1; not retryable)"
    )


def test_failure_keeps_only_the_first_kilobyte_of_a_response() -> None:
    failure = Failure("http_500", "boom", diagnostic=b"x" * 100_000)
    assert failure.diagnostic is not None
    assert len(failure.diagnostic) == DIAGNOSTIC_BYTES


def test_item_timeout_must_be_shorter_than_the_lease() -> None:
    with pytest.raises(ConfigurationError, match=r"item_timeout_s \(60\).*lease_s \(60\)"):
        spec(lease_s=60, item_timeout_s=60)
    assert spec(lease_s=60, item_timeout_s=59.5).item_timeout_s == 59.5


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": "Bad Name"}, "lower_snake_case"),
        ({"batch_size": 0}, "batch_size"),
        ({"status_column": "nope"}, "has no column"),
        ({"columns": ("domain", "drop table")}, "has no column"),
        ({"queued": "queued"}, "not in metadata_status"),
        ({"success": "pending"}, "four different labels"),
        ({"status_column": "domain"}, "not an enum column"),
        ({"backoff_base_s": 10, "backoff_max_s": 1}, "backoff_base_s <= backoff_max_s"),
        ({"backoff_jitter": 2}, "fraction"),
        ({"fair_by": "source"}, "must be NOT NULL"),  # NULL rows would never be claimed
    ],
)
def test_spec_refuses_bad_declarations(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        spec().replace(**changes)


class _DriverError(Exception):
    def __init__(self, message: str, sqlstate: str) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


def _wrapped(inner: BaseException, invalidated: bool = False) -> sa_exc.DBAPIError:
    error = sa_exc.DBAPIError("SELECT 1", {}, inner, connection_invalidated=invalidated)
    error.__cause__ = inner
    return error


@pytest.mark.parametrize(
    "error",
    [
        ConnectionRefusedError(111, "Connection refused"),
        _wrapped(_DriverError("terminating connection due to administrator command", "57P01")),
        _wrapped(_DriverError("the database system is starting up", "57P03")),
        _wrapped(_DriverError("deadlock detected", "40P01")),
        _wrapped(_DriverError("connection failure", "08006")),
        _wrapped(RuntimeError("whatever"), invalidated=True),
        sa_exc.TimeoutError("QueuePool limit reached"),
    ],
)
def test_transient_errors_are_retried(error: BaseException) -> None:
    assert is_transient_db_error(error)


@pytest.mark.parametrize(
    "error",
    [
        ValueError("bad"),
        _wrapped(_DriverError('column "x" does not exist', "42703")),
        _wrapped(_DriverError("invalid byte sequence for encoding", "22021")),
    ],
)
def test_bugs_and_bad_data_are_not_transient(error: BaseException) -> None:
    assert not is_transient_db_error(error)


def test_db_error_description_names_the_driver_error() -> None:
    error = _wrapped(_DriverError("terminating connection due to administrator command", "57P01"))
    assert describe_db_error(error) == (
        "_DriverError: terminating connection due to administrator command"
    )


def test_huge_error_messages_are_capped_but_keep_the_outcome() -> None:
    text = describe_failure(item(1), spec(), Failure("crash", "x" * 1_000_000), final=False)
    assert len(text) < 2100
    assert text.endswith("… (attempt 1 of 3; will retry)")
    assert describe_failure(item(1), spec(), Failure("parse", "  "), final=True) == (
        "parse (gave up after 1 attempts)"
    )
