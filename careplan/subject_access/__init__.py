"""Subject access (UK GDPR Art 15): everything held about a person, for the person and
their key worker, as JSON or a readable page; always recorded."""
