"""The JSON API: its blueprint, bearer sign-in, request and response helpers, OpenAPI."""
