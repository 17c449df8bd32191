"""Fixtures for labs: one service instance for the package, a publisher, the test's patient."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from services.labs.app import build_app
from services.labs.domain import Analyte, LabsConfig
from services.labs.settings import LabsSettings
from shared.db.provision import ServiceDatabase
from shared.settings import KafkaSettings
from tests.integration.labs.support import FOLATE_RANGE_LAB, Clinic
from tests.support.factories import patient_id
from tests.support.kafka import Publisher
from tests.support.services import running
from tests.support.stack import Stack, settings_for

# A laboratory whose folate range is configured (as nmol/L), for the mixed-units scenario.
CONFIG = LabsConfig(
    laboratory_ranges={
        FOLATE_RANGE_LAB: {
            Analyte.SERUM_FOLATE: {"low": 3.0 * 2.266, "unit": "nmol/L", "source": "lab B"}
        }
    }
)


@pytest.fixture(scope="package")
def labs_settings(
    stack: Stack, databases: dict[str, ServiceDatabase], kafka_settings: KafkaSettings
) -> LabsSettings:
    """Labs settings on this run's topics and schema."""
    return settings_for(
        LabsSettings,
        name="labs",
        stack=stack,
        databases=databases,
        kafka=kafka_settings,
        config=CONFIG,
    )


@pytest.fixture(scope="package")
def labs_app(labs_settings: LabsSettings) -> FastAPI:
    """The labs service shared by every test here (each test uses its own patients)."""
    return build_app(labs_settings)


@pytest.fixture(scope="package")
async def labs(labs_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the running labs service (every scope)."""
    async with running(labs_app) as client:
        yield client


@pytest.fixture(scope="package")
async def publisher(kafka_settings: KafkaSettings) -> AsyncIterator[Publisher]:
    """A producer standing in for the planner, clinics and laboratories."""
    async with Publisher(kafka_settings.bootstrap_servers) as pub:
        yield pub


@pytest.fixture
def clinic(labs: httpx.AsyncClient, publisher: Publisher, kafka_settings: KafkaSettings) -> Clinic:
    """A fresh patient, and the means to publish their plan, doses and results."""
    return Clinic(patient=patient_id(), client=labs, publisher=publisher, kafka=kafka_settings)


@pytest.fixture
def other_clinic(
    labs: httpx.AsyncClient, publisher: Publisher, kafka_settings: KafkaSettings
) -> Clinic:
    """A second patient, for comparisons."""
    return Clinic(patient=patient_id(), client=labs, publisher=publisher, kafka=kafka_settings)
