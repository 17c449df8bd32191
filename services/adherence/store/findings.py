"""Raised flags: each dedupe key is stored, and so raised, once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from services.adherence.domain import FlagFinding
from shared.db.types import Connection


async def record_new_findings(
    conn: Connection, findings: Sequence[FlagFinding], *, patient_id: str, now: datetime
) -> list[FlagFinding]:
    """Store the findings whose dedupe key is new; returns those (the ones to raise)."""
    if not findings:
        return []
    rows = await conn.fetch(
        "insert into findings (dedupe_key, flag_id, plan_id, patient_id, reason, severity,"
        " rule_id, rule_version, raised_at)"
        " select u.dedupe_key, u.flag_id, u.plan_id, $8, u.reason, u.severity, u.rule_id,"
        " u.rule_version, $9"
        " from unnest($1::text[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[],"
        " $7::int[]) as u(dedupe_key, flag_id, plan_id, reason, severity, rule_id, rule_version)"
        " on conflict (dedupe_key) do nothing returning dedupe_key",
        [f.dedupe_key for f in findings],
        [f.flag_id for f in findings],
        [f.plan_id for f in findings],
        [f.reason.value for f in findings],
        [f.severity for f in findings],
        [f.rule_id for f in findings],
        [f.rule_version for f in findings],
        patient_id,
        now,
    )
    fresh = {row["dedupe_key"] for row in rows}
    return [f for f in findings if f.dedupe_key in fresh]
