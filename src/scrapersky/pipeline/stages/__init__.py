"""The pipeline stages that fetch from the web, one module each (see docs/stages.md).

    stage = build_stage("metadata", settings)        # pipeline.registry -> stages.metadata:build
    stage = build_stage("contacts_scan", settings)   # -> stages.contacts_scan:build
    stage = build_stage("sitemap_discovery", settings)  # -> stages.sitemap_discovery:build
    stage = build_stage("sitemap_import", settings)     # -> stages.sitemap_import:build

``fetch_outcomes`` holds what the fetching stages share: how a fetch failure becomes a runner
``Failure`` (category, message, retryable or not), the ScraperAPI credits breaker and the NUL
scrubbing of text headed for Postgres.
"""
