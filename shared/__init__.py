"""Common code of the B12 treatment platform: contracts, messaging, database, settings."""
