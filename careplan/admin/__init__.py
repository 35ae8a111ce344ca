"""Administration: agencies and their information-sharing agreements, staff accounts.
For administrators; never any plan content."""
