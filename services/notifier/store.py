"""The notifier's alert SQL: functions take a connection so the caller owns the transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from services.notifier.domain import Alert, Escalation, OccurrenceRecord
from shared.db.types import Connection, Executor

ALERT_FIELDS: tuple[str, ...] = tuple(Alert.model_fields)
# Columns written from an alert, in parameter order ($1 is alert_id).
_WRITTEN = (*ALERT_FIELDS, "next_escalation_at", "updated_at")

# The statements below interpolate only these fixed column names; values are $n parameters.
_SELECT_ALERT = f"select {', '.join(ALERT_FIELDS)} from alerts"  # noqa: S608
_INSERT_ALERT = (
    f"insert into alerts ({', '.join(_WRITTEN)})"  # noqa: S608
    f" values ({', '.join(f'${n}' for n in range(1, len(_WRITTEN) + 1))})"
    " on conflict (alert_id) do nothing returning true"
)
_UPDATE_ALERT = (
    "update alerts set "  # noqa: S608
    + ", ".join(f"{column} = ${n}" for n, column in enumerate(_WRITTEN, 1) if n > 1)
    + f" where alert_id = $1 and revision = ${len(_WRITTEN) + 1} returning true"
)


def alert_from_row(row: Any) -> Alert:
    """The domain alert stored in a row (extra columns are ignored)."""
    return Alert.model_validate({field: row[field] for field in ALERT_FIELDS})


def _alert_values(alert: Alert, *, next_escalation_at: datetime | None, now: datetime) -> list[Any]:
    values = alert.model_dump()
    values["next_escalation_at"] = next_escalation_at
    values["updated_at"] = now
    return [values[column] for column in _WRITTEN]


async def lock_patient_reason(conn: Connection, *, patient_id: str, reason: str) -> None:
    """Serialise flag handling for one patient and reason until the transaction ends."""
    # Kafka keys by patient, so this only ever waits during a consumer-group rebalance; it
    # keeps two instances from both opening "the" open alert and tripping the unique index.
    await conn.execute(
        "select pg_advisory_xact_lock(hashtext($1))", f"notifier-alert:{patient_id}:{reason}"
    )


async def flag_seen(conn: Connection, flag_id: UUID) -> bool:
    """Whether a flag with this id was already recorded (under any event id)."""
    return bool(await conn.fetchval("select true from occurrences where flag_id = $1", flag_id))


async def open_alert_for_update(conn: Connection, *, patient_id: str, reason: str) -> Alert | None:
    """The unresolved alert for a patient and reason, locked, if there is one."""
    row = await conn.fetchrow(
        _SELECT_ALERT
        + " where patient_id = $1 and reason = $2 and status <> 'resolved' for update",
        patient_id,
        reason,
    )
    return alert_from_row(row) if row else None


async def alert_for_update(conn: Connection, alert_id: UUID) -> Alert | None:
    """One alert, locked for a staff action."""
    row = await conn.fetchrow(_SELECT_ALERT + " where alert_id = $1 for update", alert_id)
    return alert_from_row(row) if row else None


async def insert_alert(
    conn: Connection, alert: Alert, *, next_escalation_at: datetime | None, now: datetime
) -> bool:
    """Store a new alert; False if it already exists."""
    inserted = await conn.fetchval(
        _INSERT_ALERT,
        *_alert_values(alert, next_escalation_at=next_escalation_at, now=now),
    )
    return bool(inserted)


async def update_alert(
    conn: Connection,
    alert: Alert,
    *,
    expected_revision: int,
    next_escalation_at: datetime | None,
    now: datetime,
) -> bool:
    """Store a changed alert if nobody changed it since ``expected_revision`` was read."""
    updated = await conn.fetchval(
        _UPDATE_ALERT,
        *_alert_values(alert, next_escalation_at=next_escalation_at, now=now),
        expected_revision,
    )
    return bool(updated)


async def set_next_escalation(conn: Connection, alert_id: UUID, at: datetime | None) -> None:
    """Move an alert's next look by the sweeper (after a configuration change)."""
    await conn.execute(
        "update alerts set next_escalation_at = $2 where alert_id = $1", alert_id, at
    )


async def insert_occurrence(conn: Connection, occurrence: OccurrenceRecord) -> bool:
    """Record a flag absorbed by an alert; False when this flag was already recorded."""
    flag = occurrence.flag
    inserted = await conn.fetchval(
        "insert into occurrences (occurrence_id, alert_id, flag_id, event_id, sequence, severity,"
        " raised_by, rule_id, rule_version, occurred_at, received_at, flag)"
        " values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
        " on conflict do nothing returning true",
        occurrence.occurrence_id,
        occurrence.alert_id,
        flag.flag_id,
        flag.event_id,
        occurrence.sequence,
        flag.severity,
        flag.raised_by,
        flag.rule_id,
        flag.rule_version,
        flag.occurred_at,
        occurrence.received_at,
        flag.model_dump(mode="json"),
    )
    return bool(inserted)


async def record_action(
    conn: Connection,
    *,
    alert_id: UUID,
    kind: str,
    actor: str,
    at: datetime,
    note: str | None = None,
    principal: str | None = None,
) -> None:
    """Append to the alert's audit trail (``principal``: the token subject of a staff action)."""
    await conn.execute(
        "insert into alert_actions (alert_id, kind, actor, note, at, principal)"
        " values ($1, $2, $3, $4, $5, $6)",
        alert_id,
        kind,
        actor,
        note,
        at,
        principal,
    )


async def alerts_due_for_escalation(conn: Connection, *, now: datetime, limit: int) -> list[Alert]:
    """Open alerts whose next escalation is due, locked; another sweeper skips them."""
    rows = await conn.fetch(
        _SELECT_ALERT + " where status = 'open' and next_escalation_at <= $1"
        " order by next_escalation_at limit $2 for update skip locked",
        now,
        limit,
    )
    return [alert_from_row(row) for row in rows]


async def insert_escalation(conn: Connection, escalation: Escalation) -> bool:
    """Record an escalation; False if this alert already reached this team's level."""
    inserted = await conn.fetchval(
        "insert into escalations (escalation_id, alert_id, team, level, recipient, due_at,"
        " escalated_at) values ($1, $2, $3, $4, $5, $6, $7) on conflict do nothing returning true",
        escalation.escalation_id,
        escalation.alert_id,
        escalation.team,
        escalation.level,
        escalation.recipient,
        escalation.due_at,
        escalation.escalated_at,
    )
    return bool(inserted)


# Reads for the API -------------------------------------------------------------------------

_SELECT_ROW = f"select {', '.join(_WRITTEN)} from alerts"  # noqa: S608
_FILTERS = ("status", "severity", "team", "patient_id", "reason")


async def list_alerts(
    conn: Executor,
    *,
    filters: dict[str, str],
    before: tuple[datetime, UUID] | None,
    limit: int,
) -> list[dict[str, Any]]:
    """Alerts matching equality ``filters`` (column -> value), newest first, after a cursor."""
    unknown = filters.keys() - set(_FILTERS)
    if unknown:
        raise ValueError(f"unknown filters: {sorted(unknown)}")
    clauses: list[str] = []
    params: list[Any] = []
    for column in _FILTERS:  # fixed names only: the values are parameters
        if column in filters:
            params.append(filters[column])
            clauses.append(f"{column} = ${len(params)}")
    if before is not None:
        params.extend(before)
        clauses.append(f"(opened_at, alert_id) < (${len(params) - 1}, ${len(params)})")
    where = f" where {' and '.join(clauses)}" if clauses else ""
    params.append(limit)
    rows = await conn.fetch(
        f"{_SELECT_ROW}{where} order by opened_at desc, alert_id desc limit ${len(params)}",
        *params,
    )
    return [dict(row) for row in rows]


async def alert_row(conn: Executor, alert_id: UUID) -> dict[str, Any] | None:
    """One alert as stored, or None."""
    row = await conn.fetchrow(_SELECT_ROW + " where alert_id = $1", alert_id)
    return dict(row) if row else None


async def occurrences_of(conn: Executor, alert_id: UUID) -> list[dict[str, Any]]:
    """The flags an alert absorbed, in order, each with its evidence."""
    rows = await conn.fetch(
        "select occurrence_id, sequence, received_at, flag from occurrences"
        " where alert_id = $1 order by sequence",
        alert_id,
    )
    return [dict(row) for row in rows]


async def actions_of(conn: Executor, alert_id: UUID) -> list[dict[str, Any]]:
    """The alert's audit trail, oldest first."""
    rows = await conn.fetch(
        "select kind, actor, principal, note, at from alert_actions where alert_id = $1"
        " order by id",
        alert_id,
    )
    return [dict(row) for row in rows]


async def escalations_of(conn: Executor, alert_id: UUID) -> list[dict[str, Any]]:
    """The levels the alert escalated to, in order."""
    rows = await conn.fetch(
        "select escalation_id, team, level, recipient, due_at, escalated_at from escalations"
        " where alert_id = $1 order by escalated_at, level",
        alert_id,
    )
    return [dict(row) for row in rows]
