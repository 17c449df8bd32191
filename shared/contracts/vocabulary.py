"""Coded values shared by several events."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal


class Indication(StrEnum):
    """The cause of the deficiency."""

    PERNICIOUS_ANAEMIA = "pernicious_anaemia"
    GASTRECTOMY = "gastrectomy"
    BARIATRIC_SURGERY = "bariatric_surgery"
    ILEAL_RESECTION = "ileal_resection"
    MALABSORPTION_OTHER = "malabsorption_other"
    DIETARY = "dietary"
    DRUG_RELATED = "drug_related"
    OTHER = "other"


class Severity(StrEnum):
    """Clinical severity of the deficiency at diagnosis."""

    MILD = "mild"
    MODERATE = "moderate"
    SEVERE = "severe"


class Phase(StrEnum):
    """Treatment phases, in the order a plan passes through them."""

    LOADING = "loading"
    CONSOLIDATION = "consolidation"
    MAINTENANCE = "maintenance"


class FlagReason(StrEnum):
    """The flag catalogue (clinical-reference.md, section 4)."""

    NO_RETICULOCYTE_RESPONSE = "NO_RETICULOCYTE_RESPONSE"
    HAEMOGLOBIN_NOT_RECOVERING = "HAEMOGLOBIN_NOT_RECOVERING"
    MACROCYTOSIS_PERSISTING = "MACROCYTOSIS_PERSISTING"
    B12_NOT_REPLETED = "B12_NOT_REPLETED"
    FUNCTIONAL_DEFICIENCY_PERSISTING = "FUNCTIONAL_DEFICIENCY_PERSISTING"
    CHECK_COEXISTING_CAUSES = "CHECK_COEXISTING_CAUSES"
    FOLATE_DEFICIENT = "FOLATE_DEFICIENT"
    IRON_DEFICIENCY_UNMASKED = "IRON_DEFICIENCY_UNMASKED"
    HYPOKALAEMIA = "HYPOKALAEMIA"
    RELAPSE_ON_MAINTENANCE = "RELAPSE_ON_MAINTENANCE"
    MISSED_LOADING_DOSE = "MISSED_LOADING_DOSE"
    CONSECUTIVE_MISSED_DOSES = "CONSECUTIVE_MISSED_DOSES"
    MAINTENANCE_GAP_EXCEEDED = "MAINTENANCE_GAP_EXCEEDED"
    LOW_ADHERENCE = "LOW_ADHERENCE"


Product = Literal["hydroxocobalamin", "cyanocobalamin"]
Route = Literal["IM", "SC", "oral"]
FlagSeverity = Literal["info", "warning", "urgent"]
RaisedBy = Literal["labs", "adherence"]
