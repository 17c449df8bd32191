"""The run's summary, and how far the platform agrees with the ground truth."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from shared.contracts import FlagReason
from simulator.driver import RunLedger
from simulator.observe import Observed

# Consumers of each stream that dead-letter what they cannot process.
CONSUMERS_OF = {"doses": ("adherence", "labs"), "labs": ("labs",)}


@dataclass
class Agreement:
    """Expected against found, per reason and for misses; every disagreement listed."""

    by_reason: dict[FlagReason, tuple[int, int]] = field(default_factory=dict)
    misses: tuple[int, int] = (0, 0)
    dead_letters: tuple[int, int] = (0, 0)
    disagreements: list[str] = field(default_factory=list)

    @property
    def full(self) -> bool:
        return not self.disagreements


def compare(ledger: RunLedger, seen: Observed) -> Agreement:
    """Patient by patient: missed doses, flag reasons and dead letters."""
    agreement = Agreement()
    expected_reasons: Counter[FlagReason] = Counter()
    found_reasons: Counter[FlagReason] = Counter()
    expected_misses = found_misses = 0
    for patient_id, run in sorted(ledger.patients.items()):
        want, got = run.expected.reasons, seen.reasons.get(patient_id, set())
        expected_reasons.update(want)
        found_reasons.update(got)
        for reason in sorted(want - got):
            agreement.disagreements.append(
                f"{patient_id}: expected {reason} was not raised "
                f"({run.profile.behaviour}, {run.profile.response})"
            )
        for reason in sorted(got - want):
            agreement.disagreements.append(
                f"{patient_id}: {reason} raised but not expected "
                f"({run.profile.behaviour}, {run.profile.response})"
            )
        missed_want = run.expected.missed_dose_ids
        missed_got = seen.missed.get(patient_id, set())
        expected_misses += len(missed_want)
        found_misses += len(missed_got)
        if missed_want != missed_got:
            agreement.disagreements.append(
                f"{patient_id}: {len(missed_want)} misses expected, {len(missed_got)} found "
                f"({len(missed_want - missed_got)} not found, {len(missed_got - missed_want)} "
                f"unexpected; {run.profile.behaviour})"
            )
    for reason in FlagReason:
        if expected_reasons[reason] or found_reasons[reason]:
            agreement.by_reason[reason] = (expected_reasons[reason], found_reasons[reason])
    agreement.misses = (expected_misses, found_misses)
    want_dlq = sum(n * len(CONSUMERS_OF[s]) for s, n in ledger.poison_sent.items())
    got_dlq = sum(seen.dead_letters.values())
    agreement.dead_letters = (want_dlq, got_dlq)
    if want_dlq != got_dlq:
        agreement.disagreements.append(f"dead letters: {want_dlq} expected, {got_dlq} found")
    for failure in ledger.failures:
        agreement.disagreements.append(f"run: {failure}")
    return agreement


def summary(ledger: RunLedger, seen: Observed, agreement: Agreement) -> dict[str, Any]:
    """The run's figures as plain data (printed, and written as JSON by benchmarks)."""
    runs = ledger.patients.values()
    given = [g for run in runs for g in run.given]
    return {
        "patients": len(ledger.patients),
        "simulated_days": ledger.config.days,
        "plans_created": sum(1 for run in runs if run.plan is not None),
        "plans_taken_over": sum(1 for run in runs if run.profile.taken_over),
        "doses_given": sum(1 for g in given if g.completed),
        "doses_not_done": sum(1 for g in given if not g.completed),
        "lab_results": sum(len(run.taken) for run in runs),
        "records_published": ledger.records_sent,
        "duplicates_and_resends": ledger.duplicates_sent,
        "poison_published": dict(ledger.poison_sent),
        "misses_expected_found": list(agreement.misses),
        "misses_resolved_late": sum(len(v) for v in seen.resolved.values()),
        "flags_published": seen.flags,
        "flags_by_reason": {r.value: list(v) for r, v in agreement.by_reason.items()},
        "alerts": seen.alerts,
        "alerts_by_team": dict(seen.alerts_by_team),
        "dead_letters": {"/".join(k): v for k, v in sorted(seen.dead_letters.items())},
        "dead_letters_expected_found": list(agreement.dead_letters),
        "full_agreement": agreement.full,
        "disagreements": agreement.disagreements,
        "wall_seconds": round(ledger.wall_s, 1),
    }


def render(figures: dict[str, Any]) -> str:
    """The summary as text for a terminal."""
    lines = [
        f"Simulated {figures['patients']} patients over {figures['simulated_days']} days "
        f"in {figures['wall_seconds']} s",
        f"  plans created      {figures['plans_created']} "
        f"({figures['plans_taken_over']} taken over, started before the clinic had them)",
        f"  doses given        {figures['doses_given']} (+{figures['doses_not_done']} not done)",
        f"  lab results        {figures['lab_results']}",
        f"  records published  {figures['records_published']} "
        f"({figures['duplicates_and_resends']} duplicates or re-sends, "
        f"poison {figures['poison_published']})",
        "",
        f"  doses missed       expected {figures['misses_expected_found'][0]}, "
        f"found {figures['misses_expected_found'][1]} "
        f"({figures['misses_resolved_late']} later resolved)",
        "",
        f"  {'flag reason':<34} {'expected':>8} {'found':>8}",
    ]
    for reason, (want, got) in figures["flags_by_reason"].items():
        mark = "" if want == got else "  <- differs"
        lines.append(f"  {reason:<34} {want:>8} {got:>8}{mark}")
    lines += [
        "  (patients with the reason; a reason raised several times for one patient counts once)",
        "",
        f"  alerts             {figures['alerts']} by team {figures['alerts_by_team']}",
        f"  dead-lettered      expected {figures['dead_letters_expected_found'][0]}, "
        f"found {figures['dead_letters_expected_found'][1]} {figures['dead_letters']}",
        "",
    ]
    if figures["full_agreement"]:
        lines.append("Agreement with the ground truth: full.")
    else:
        lines.append(f"Disagreements ({len(figures['disagreements'])}):")
        lines += [f"  - {d}" for d in figures["disagreements"]]
    return "\n".join(lines)
