"""Topic names: one stream per kind of fact, each with a dead-letter twin."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Stream(StrEnum):
    """The platform's topics, without their configurable prefix."""

    PLANS = "plans"
    DOSES = "doses"
    LABS = "labs"
    ADHERENCE = "adherence"
    FLAGS = "flags"


DLQ_SUFFIX = ".dlq"


@dataclass(frozen=True)
class Topics:
    """Full topic names under a prefix (``treatment.`` unless a test run chooses its own)."""

    prefix: str = "treatment."

    def name(self, stream: Stream) -> str:
        """The topic that carries ``stream``."""
        return f"{self.prefix}{stream.value}"

    def dlq(self, topic: str) -> str:
        """The dead-letter topic of ``topic``."""
        return f"{topic}{DLQ_SUFFIX}"

    @property
    def plans(self) -> str:
        return self.name(Stream.PLANS)

    @property
    def doses(self) -> str:
        return self.name(Stream.DOSES)

    @property
    def labs(self) -> str:
        return self.name(Stream.LABS)

    @property
    def adherence(self) -> str:
        return self.name(Stream.ADHERENCE)

    @property
    def flags(self) -> str:
        return self.name(Stream.FLAGS)

    def all(self) -> list[str]:
        """Every topic of the platform, dead-letter topics included."""
        main = [self.name(stream) for stream in Stream]
        return main + [self.dlq(topic) for topic in main]
