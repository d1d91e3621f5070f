"""`scrapersky demo`: the whole pipeline, offline, on generated sites, in one command."""
