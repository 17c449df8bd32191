"""AsyncAPI documents and the event catalogue are generated from the contracts."""

from __future__ import annotations

from shared.contracts import EVENT_TYPES
from shared.contracts.catalogue import catalogue
from shared.docs_api import asyncapi_document
from shared.settings import ServiceSettings
from shared.topics import Stream


def test_asyncapi_lists_what_a_service_receives_and_sends() -> None:
    settings = ServiceSettings(service_name="labs")
    doc = asyncapi_document(
        settings,
        consumes=[Stream.PLANS, Stream.LABS],
        produces=[Stream.FLAGS],
        description="labs",
    )
    assert doc["asyncapi"] == "3.0.0"
    actions = {name: op["action"] for name, op in doc["operations"].items()}
    assert actions["labs:receive:plans"] == "receive"
    assert actions["labs:receive:labs"] == "receive"
    assert actions["labs:send:flags"] == "send"
    assert actions["labs:send:labs.dlq"] == "send"
    addresses = {channel["address"] for channel in doc["channels"].values()}
    assert {
        "treatment.plans",
        "treatment.labs",
        "treatment.flags",
        "treatment.labs.dlq",
    } <= addresses
    schemas = doc["components"]["schemas"]
    assert {
        "PlanCreated",
        "PlanAdjusted",
        "PlanCancelled",
        "LabResulted",
        "ResponseFlagged",
    } <= set(schemas)


def test_catalogue_covers_every_event_with_its_fields() -> None:
    docs = {doc.name: doc for doc in catalogue()}
    assert set(docs) == set(EVENT_TYPES)
    dose = {f.name: f for f in docs["DoseAdministered"].fields}
    assert dose["administration_id"].required
    assert not dose["plan_id"].required
    assert docs["DoseAdministered"].stream is Stream.DOSES
