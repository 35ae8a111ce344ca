"""Who is asking: web sessions, local sign-in with a second factor, OpenID Connect
providers, bearer JWTs, CSRF and the security headers every response carries."""
