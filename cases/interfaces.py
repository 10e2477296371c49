"""What `cases` asks of the handleplan app, without importing it (apps import only to the left).

The handleplan app registers its implementation in its AppConfig.ready(). Until one is
registered, every question is answered "no": a case never escalates on missing evidence.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from haandguide.exceptions import Refusal


@dataclass(frozen=True)
class Missing:
    """One thing the plan lacks, and where it is filled in (a page of the handleplan app)."""

    text: str  # Danish, e.g. "tegn på, at målene nås"
    url: str = ""


@dataclass(frozen=True)
class LevelReadiness:
    ready: bool
    reason: str = ""  # Danish; why not, shown to the user
    missing: tuple[Missing, ...] = ()  # exactly what is missing, each with its link

    def refusal(self) -> str | None:
        return None if self.ready else Reason(self.reason, self.missing)


class Reason(Refusal):
    """A refusal reason that also carries what is missing (`.missing`), so the child page can list
    the items as links under the greyed-out button; everywhere else it is the plain Danish text."""

    missing: tuple[Missing, ...] = ()

    def __new__(cls, text: str, missing=()):
        reason = super().__new__(cls, "plan_not_ready", text)
        reason.missing = tuple(missing)
        return reason


class HandleplanPort(Protocol):
    def level_readiness(self, case, level: str) -> LevelReadiness:
        """Are the efforts of `level` described in the child's handleplan, and evaluated, with what
        the municipality requires of the plan at that level? If not, `missing` lists each item."""

    def summary(self, case) -> dict | None:
        """A short summary for the child page (goals, efforts, next evaluation), or None."""


_port: HandleplanPort | None = None


def register_handleplan(port: HandleplanPort) -> None:
    global _port
    _port = port


def level_readiness(case, level: str) -> LevelReadiness:
    if _port is None:
        return LevelReadiness(False, "Handleplanen kan ikke læses, så niveauets indsatser kan ikke vurderes.")
    return _port.level_readiness(case, level)


def handleplan_summary(case) -> dict | None:
    return None if _port is None or case is None else _port.summary(case)


# --- what `cases` asks of the district council app ----------------------------------------------


@dataclass(frozen=True)
class GrantStatus:
    """A resource granted to the child (council decision, § 32 visitation, chronic illness) that has
    not been re-assessed yet: its period, and whether the period has ended (afventer revurdering)."""

    label: str  # Danish, e.g. "Praksisvejleder 10.12.2026–10.06.2027"
    period_end: object  # datetime.date
    awaiting_reassessment: bool
    url: str  # the decision's page, where the re-assessment is recorded


class CouncilPort(Protocol):
    def grant_status(self, case) -> GrantStatus | None:
        """The child's granted resource that is not re-assessed yet, or None."""


_council_port: CouncilPort | None = None


def register_council(port: CouncilPort) -> None:
    global _council_port
    _council_port = port


def grant_status(case) -> GrantStatus | None:
    """No registered answer means no grant is known: nothing is held back."""
    return None if _council_port is None or case is None else _council_port.grant_status(case)
# Sections that later apps add to the child page (the district council: the child's submissions,
# decisions and letters). Each is a function (request, child) -> dict with a "template" to include,
# or None; registered in the app's AppConfig.ready(), asked in app order, a fixed few queries each.
_child_sections: list = []


def register_child_section(section) -> None:
    if section not in _child_sections:
        _child_sections.append(section)


def child_sections(request, child) -> list[dict]:
    return [s for s in (section(request, child) for section in _child_sections) if s]
