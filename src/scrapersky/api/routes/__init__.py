"""One router per resource: domains, sitemaps, pages, contacts, exports, ops."""
