"""Shared pytest fixtures: PostgreSQL, localstripe, SMTP, Chromium, live server."""
