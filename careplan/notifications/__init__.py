"""Notifications (issue 19): an outbox written in the same unit of work as the change that
causes it, a sender job that delivers by GOV.UK Notify (email, text) with retries, and an
in-app list for everyone.

Messages carry no personal content: a fixed sentence per kind and a link to the service,
never a name, a CHI number, plan content or a person's id. Recipients are known by account
id or agency id only, so any domain package may queue a notification (`outbox.queue`):
this package sits low in the import layers (just above careplan.accounts) and imports no
domain package above it. Its pages (`views`) sit with the other page entry points.
"""
