"""Helpers for tests that run against the real broker and database."""
