"""Reliable messaging: outbox relay, inbox, dead letters and the batch consumer."""
