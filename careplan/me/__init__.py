"""What the signed-in account sees as its own: the home page (a key worker's caseload,
or where their work is) and the individual's own plan pages."""
