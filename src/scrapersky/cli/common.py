"""What every command shares: settings, logging, and opening/closing the database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, NoReturn

import typer
from rich.console import Console
from sqlalchemy.exc import SQLAlchemyError

from scrapersky.exceptions import DatabaseUnavailable, ScraperSkyError
from scrapersky.settings import Settings, get_settings

if TYPE_CHECKING:
    from scrapersky.db.engine import Database

err_console = Console(stderr=True)


def exit_with_error(message: str, code: int = 1) -> NoReturn:
    err_console.print(f"[red]error:[/red] {message}")
    raise typer.Exit(code)


def settings_or_exit() -> Settings:
    try:
        return get_settings()
    except ScraperSkyError as exc:
        exit_with_error(exc.message, 2)


@asynccontextmanager
async def database_session(*, migrate: bool | None = None) -> AsyncIterator[Database]:
    """Open the process's database for one command, and close it afterwards.

    Failures surface as ScraperSkyError; ``cli.main`` prints them as one clear line.
    """
    from scrapersky.db.engine import close_database, open_database

    settings = settings_or_exit()
    db = await open_database(settings, migrate=migrate)
    try:
        yield db
    except (OSError, SQLAlchemyError) as exc:
        raise DatabaseUnavailable(f"database error: {type(exc).__name__}: {exc}") from exc
    finally:
        await close_database()
