"""Every SQL statement ScraperSky runs, grouped by area, one module each. Stages, routes and
commands call these named functions; nothing else builds SQL."""
