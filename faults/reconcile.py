"""After the faults: every accepted input has exactly one effect, every poison its dead letter."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

import asyncpg

from devstack.platform import IsolatedPlatform
from faults.poison import FAULT_HEADER, Poison
from faults.receiver import WebhookReceiver
from simulator.driver import RunLedger
from simulator.topics import read_topic


@dataclass(frozen=True)
class Check:
    """One reconciliation: how many effects were expected, found, lost and doubled."""

    name: str
    expected: int
    found: int
    lost: int
    doubled: int

    @property
    def ok(self) -> bool:
        return self.lost == 0 and self.doubled == 0 and self.expected == self.found


@dataclass
class Reconciliation:
    """Every check, and notes that explain what is not an error."""

    checks: list[Check] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)


def _count(name: str, expected: Counter[str], found: Counter[str]) -> Check:
    lost = sum(max(0, n - found[k]) for k, n in expected.items())
    doubled = sum(max(0, n - expected[k]) for k, n in found.items())
    return Check(name, sum(expected.values()), sum(found.values()), lost, doubled)


async def _rows(conn: asyncpg.Connection, sql: str, patients: list[str]) -> Counter[str]:
    return Counter(str(row[0]) for row in await conn.fetch(sql, patients))


async def effects(platform: IsolatedPlatform, ledger: RunLedger) -> list[Check]:
    """Rows in each service's schema against what the simulator sent or expects."""
    runs = list(ledger.patients.values())
    patients = [run.profile.patient_id for run in runs]
    schema = {name: db.schema for name, db in platform.databases.items()}
    conn = await asyncpg.connect(platform.admin_dsn)
    try:
        plans = await _rows(
            conn,
            f'select patient_id from "{schema["planner"]}".plans where patient_id = any($1)',
            patients,
        )
        administrations = await _rows(
            conn,
            f'select administration_id from "{schema["adherence"]}".administrations'
            " where patient_id = any($1)",
            patients,
        )
        results = await _rows(
            conn,
            f'select result_id from "{schema["labs"]}".results where patient_id = any($1)',
            patients,
        )
        misses = await _rows(
            conn,
            f'select dose_id from "{schema["adherence"]}".misses where patient_id = any($1)',
            patients,
        )
    finally:
        await conn.close()
    return [
        _count("plans (planner)", Counter(r.profile.patient_id for r in runs if r.plan), plans),
        _count(
            "administrations (adherence)",
            Counter(g.administration_id for r in runs for g in r.given),
            administrations,
        ),
        _count("lab results (labs)", Counter(s.result_id for r in runs for s in r.taken), results),
        _count(
            "declared misses (adherence)",
            Counter(str(d) for r in runs for d in r.expected.missed_dose_ids),
            misses,
        ),
    ]


async def deliveries(platform: IsolatedPlatform, receiver: WebhookReceiver) -> tuple[Check, str]:
    """Every webhook delivery the notifier recorded as sent reached the receiver once."""
    schema = platform.databases["notifier"].schema
    conn = await asyncpg.connect(platform.admin_dsn)
    try:
        rows = await conn.fetch(
            f'select delivery_id, status from "{schema}".deliveries where channel = $1', "webhook"
        )
    finally:
        await conn.close()
    statuses = Counter(row["status"] for row in rows)
    expected = Counter(str(row["delivery_id"]) for row in rows)
    received = Counter({k: 1 for k in receiver.receipts if k in expected})
    extra = sum(n - 1 for n in receiver.receipts.values())
    note = (
        f"webhook deliveries by status {dict(statuses)}; {extra} resends of an already "
        "received delivery id (a crash between send and mark; receivers deduplicate by "
        "X-B12-Delivery)"
        if extra
        else f"webhook deliveries by status {dict(statuses)}"
    )
    check = _count("webhook deliveries (notifier)", expected, received)
    unsent = statuses["pending"] + statuses["dead"]
    return Check(check.name, check.expected, check.found, check.lost + unsent, check.doubled), note


async def poison(platform: IsolatedPlatform, sent: list[Poison]) -> tuple[Check, list[str]]:
    """Each poison record dead-lettered once by each consumer that must refuse it, with why."""
    topics = platform.kafka.topics
    found: dict[str, list[tuple[str, str]]] = defaultdict(list)
    seen: set[tuple[str, ...]] = set()
    for topic in (topics.dlq(topics.doses), topics.dlq(topics.labs)):
        for record in await read_topic(platform.bootstrap, topic):
            h = record.headers
            fault = h.get(FAULT_HEADER)
            # The relay may publish a dead letter twice (at least once); one per source record.
            origin = tuple(
                h.get(k, "")
                for k in (
                    "dlq_service",
                    "dlq_original_topic",
                    "dlq_original_partition",
                    "dlq_original_offset",
                )
            )
            if fault and origin not in seen:
                seen.add(origin)
                found[fault].append((h.get("dlq_service", "?"), h.get("dlq_error_kind", "?")))
    expected = found_ok = lost = doubled = 0
    notes = []
    for item in sent:
        letters = Counter(service for service, _ in found[item.fault_id])
        for service, kinds in item.expected.items():
            expected += 1
            matching = [k for s, k in found[item.fault_id] if s == service and k in kinds]
            if matching:
                found_ok += 1
            else:
                lost += 1
                notes.append(
                    f"{item.fault_id}: no dead letter from {service} (found {found[item.fault_id]})"
                )
            doubled += max(0, letters[service] - 1)
        for service in set(letters) - set(item.expected):
            notes.append(f"{item.fault_id}: also dead-lettered by {service}")
    return Check("poison dead-lettered with its reason", expected, found_ok, lost, doubled), notes
