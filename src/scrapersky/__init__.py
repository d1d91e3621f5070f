"""ScraperSky: curated, enriched business-domain records without holding a database
connection across the network."""

__version__ = "0.1.0"
