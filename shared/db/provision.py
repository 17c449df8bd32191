"""Create each service's login role and schema (run with an administrative connection)."""

from __future__ import annotations

import argparse
import asyncio
import os
from dataclasses import dataclass
from urllib.parse import quote, urlsplit, urlunsplit

import asyncpg

SERVICES = ("planner", "adherence", "labs", "notifier")


@dataclass(frozen=True)
class ServiceDatabase:
    """One service's slice of the database: a login role that owns one schema."""

    role: str
    password: str
    schema: str

    def dsn(self, admin_dsn: str) -> str:
        """The service's own connection string: the admin DSN's host and database, its role."""
        parts = urlsplit(admin_dsn)
        host = parts.hostname or "127.0.0.1"
        port = f":{parts.port}" if parts.port else ""
        netloc = f"{quote(self.role)}:{quote(self.password)}@{host}{port}"
        return urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))


def _ident(name: str) -> str:
    """Quote an SQL identifier (role and schema names come from settings)."""
    return '"' + name.replace('"', '""') + '"'


async def provision(admin: asyncpg.Connection, db: ServiceDatabase) -> None:
    """Create (or update) the role and its schema; the role may touch nothing else."""
    role, schema = _ident(db.role), _ident(db.schema)
    # Roles are cluster-wide: serialise concurrent provisioning of the same name.
    async with admin.transaction():
        await admin.execute("select pg_advisory_xact_lock(hashtext('b12.provision'))")
        exists = await admin.fetchval("select 1 from pg_roles where rolname = $1", db.role)
        verb = "alter" if exists else "create"
        password = db.password.replace("'", "''")
        await admin.execute(
            f"{verb} role {role} login nosuperuser nocreatedb nocreaterole password '{password}'"
        )
        await admin.execute(f"create schema if not exists {schema} authorization {role}")
        await admin.execute(f"revoke all on schema {schema} from public")
        await admin.execute(f"alter role {role} set search_path = {schema}")
        database = await admin.fetchval("select current_database()")
        await admin.execute(f"grant connect on database {_ident(database)} to {role}")


async def drop(admin: asyncpg.Connection, db: ServiceDatabase) -> None:
    """Remove the schema and role (test runs clean up after themselves)."""
    # Granting and revoking rewrite the database's ACL: serialise with provisioning, or two
    # sessions at once fail with "tuple concurrently updated".
    async with admin.transaction():
        await admin.execute("select pg_advisory_xact_lock(hashtext('b12.provision'))")
        await admin.execute(f"drop schema if exists {_ident(db.schema)} cascade")
        if await admin.fetchval("select 1 from pg_roles where rolname = $1", db.role):
            await admin.execute(f"drop owned by {_ident(db.role)} cascade")
            await admin.execute(f"drop role {_ident(db.role)}")


def default_databases(password_prefix: str = "") -> list[ServiceDatabase]:
    """The development layout: role and schema named after the service."""
    return [
        ServiceDatabase(
            role=name,
            password=os.environ.get(f"{name.upper()}_DB_PASSWORD", f"{password_prefix}{name}"),
            schema=name,
        )
        for name in SERVICES
    ]


async def _main(admin_dsn: str) -> None:
    conn = await asyncpg.connect(admin_dsn)
    try:
        for db in default_databases():
            await provision(conn, db)
            print(f"{db.role}: {db.dsn(admin_dsn)}")
    finally:
        await conn.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--admin-dsn", default=os.environ.get("DATABASE_URL"), required=False)
    args = parser.parse_args()
    if not args.admin_dsn:
        parser.error("set DATABASE_URL or pass --admin-dsn")
    asyncio.run(_main(args.admin_dsn))
