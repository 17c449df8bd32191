"""What a simulated cohort looks like: its size, its mix and how messy its inputs are."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts import Indication, Severity

BEHAVIOURS = ("good", "late", "occasional_miss", "consecutive_misses", "drop_out", "not_done")
RESPONSES = (
    "responder",
    "non_responder",
    "folate_codeficiency",
    "iron_codeficiency",
    "relapse",
    "not_repleted",
    "functional",
    "hypokalaemia",
)


class CohortConfig(BaseModel):
    """Everything that shapes a run; the same config and seed give the same cohort."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    patients: int = Field(default=50, ge=1)
    days: int = Field(default=182, ge=14, description="simulated days the run covers")
    seed: int = 7
    timezone: str = "Europe/London"
    taken_over_share: float = Field(
        default=0.1,
        ge=0,
        le=1,
        description="plans that started before the clinic took the program over",
    )
    enrolment_days: int = Field(default=42, ge=1, description="new plans start within these")
    indications: dict[Indication, float] = {
        Indication.PERNICIOUS_ANAEMIA: 0.45,
        Indication.GASTRECTOMY: 0.08,
        Indication.BARIATRIC_SURGERY: 0.1,
        Indication.ILEAL_RESECTION: 0.04,
        Indication.MALABSORPTION_OTHER: 0.08,
        Indication.DIETARY: 0.1,
        Indication.DRUG_RELATED: 0.1,
        Indication.OTHER: 0.05,
    }
    severities: dict[Severity, float] = {
        Severity.MILD: 0.3,
        Severity.MODERATE: 0.45,
        Severity.SEVERE: 0.25,
    }
    neurological_share: float = Field(default=0.2, ge=0, le=1)
    behaviours: dict[str, float] = {
        "good": 0.55,
        "late": 0.12,
        "occasional_miss": 0.1,
        "consecutive_misses": 0.08,
        "drop_out": 0.08,
        "not_done": 0.07,
    }
    responses: dict[str, float] = {
        "responder": 0.45,
        "non_responder": 0.08,
        "folate_codeficiency": 0.08,
        "iron_codeficiency": 0.08,
        "relapse": 0.1,
        "not_repleted": 0.07,
        "functional": 0.07,
        "hypokalaemia": 0.07,
    }
    first_dose_before_plan_share: float = Field(
        default=0.15,
        ge=0,
        le=1,
        description="the first injection is recorded before the plan reaches the platform",
    )
    without_plan_id_share: float = Field(
        default=0.25, ge=0, le=1, description="administrations the clinic sends without plan_id"
    )
    duplicate_share: float = Field(default=0.1, ge=0, le=1, description="records sent twice")
    resend_share: float = Field(
        default=0.03, ge=0, le=1, description="records re-sent with a new event_id"
    )
    malformed_share: float = Field(default=0.01, ge=0, le=1, description="poison records")
    labs_per_unit_style: dict[str, float] = {"north-lab": 0.5, "south-lab": 0.5}
