"""The notifier's pure rules: routing, alerts, escalation, deliveries, signing, backoff.

No I/O, no clock reads, no random ids: time is always an argument and ids are uuid5-derived.
The handlers, store, delivery workers and API build on the entry points re-exported here;
README.md in this package records the decisions the issue left open.
"""

from services.notifier.domain.alerts import (
    AlertAction,
    AlertResolvedError,
    AlertTransitionError,
    NewAlert,
    Occurrence,
    Transition,
    acknowledge,
    decide_on_flag,
    resolve,
)
from services.notifier.domain.backoff import (
    Dead,
    RetryAt,
    after_failure,
    retry_delay,
    retry_schedule,
)
from services.notifier.domain.config import (
    Channel,
    EscalationLevel,
    NotifierConfig,
    RetryPolicy,
    RoutingRule,
    Team,
    WebhookEndpoint,
    load_config,
    unreachable_channels,
)
from services.notifier.domain.escalation import (
    Escalation,
    due_escalations,
    escalation_due_at,
    next_escalation_at,
)
from services.notifier.domain.messages import (
    AlertPayload,
    Delivery,
    EmailMessage,
    alert_link,
    deliveries_for,
    render_email,
)
from services.notifier.domain.models import Alert, AlertStatus, OccurrenceRecord
from services.notifier.domain.routing import Route, matching_rule, route_flag
from services.notifier.domain.signing import (
    DELIVERY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    SignatureError,
    signature_headers,
    verify_signature,
)

__all__ = [
    "DELIVERY_HEADER",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "Alert",
    "AlertAction",
    "AlertPayload",
    "AlertResolvedError",
    "AlertStatus",
    "AlertTransitionError",
    "Channel",
    "Dead",
    "Delivery",
    "EmailMessage",
    "Escalation",
    "EscalationLevel",
    "NewAlert",
    "NotifierConfig",
    "Occurrence",
    "OccurrenceRecord",
    "RetryAt",
    "RetryPolicy",
    "Route",
    "RoutingRule",
    "SignatureError",
    "Team",
    "Transition",
    "WebhookEndpoint",
    "acknowledge",
    "after_failure",
    "alert_link",
    "decide_on_flag",
    "deliveries_for",
    "due_escalations",
    "escalation_due_at",
    "load_config",
    "matching_rule",
    "next_escalation_at",
    "render_email",
    "resolve",
    "retry_delay",
    "retry_schedule",
    "route_flag",
    "signature_headers",
    "unreachable_channels",
    "verify_signature",
]
