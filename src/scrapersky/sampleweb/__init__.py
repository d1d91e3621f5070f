"""sampleweb."""
