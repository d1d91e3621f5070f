"""Guardrails: static audit, runtime guards, enum sync and database health."""
