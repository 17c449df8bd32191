"""Postgres access: pools, migrations, provisioning of service roles and schemas."""
