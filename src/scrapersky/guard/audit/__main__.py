"""``python -m scrapersky.guard.audit PATH...``: the audit without the rest of the CLI."""

from scrapersky.guard.audit.command import main

main()
