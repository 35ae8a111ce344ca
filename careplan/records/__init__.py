"""Records management jobs: backup and restore, erasure when retention ends, and
re-encryption of stored values under a new key. Each is recorded in the audit log."""
