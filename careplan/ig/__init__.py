"""Information governance: the IG officer's tools over the audit log (search, export,
verification, reviews of emergency access and claimed relationships, unusual access), and
the person's and key worker's view of who has looked at a plan. Never plan content."""
