"""Services: what the API, UI and CLI do, in one place (intake, curation, exports)."""
