"""The marker vocabulary: labels, who may carry them, and their subtypes.

One place for the codebook's machine-readable rules (see ``training/codebook.md``).
The tagger, the corpus validator, the review app and the episode builder all read
these constants; nothing else spells a label name.
"""

from __future__ import annotations

from typing import Literal

Role = Literal["therapist", "client", "other"]
ROLES: tuple[Role, ...] = ("therapist", "client", "other")

LABELS: tuple[str, ...] = (
    "goal_agreement",
    "collaboration",
    "withdrawal",
    "confrontation",
    "repair",
)

RUPTURE_LABELS: tuple[str, ...] = ("withdrawal", "confrontation")
POSITIVE_LABELS: tuple[str, ...] = ("goal_agreement", "collaboration")

#: Which speaker roles may carry each label (codebook role rules).
ALLOWED_ROLES: dict[str, frozenset[str]] = {
    "goal_agreement": frozenset({"therapist", "client"}),
    "collaboration": frozenset({"therapist", "client"}),
    "withdrawal": frozenset({"client"}),
    "confrontation": frozenset({"client"}),
    "repair": frozenset({"therapist"}),
}

#: Optional second field: subtype names (3RS names for ruptures and resolution strategies).
SUBTYPES: dict[str, tuple[str, ...]] = {
    "goal_agreement": ("proposes_goal", "checks_goal", "endorses_goal", "revises_goal"),
    "collaboration": (
        "asks_permission",
        "offers_options",
        "elicits_plan",
        "process_feedback",
        "agrees_to_task",
        "proposes_step",
        "builds_on",
        "joint_planning",
    ),
    "withdrawal": (
        "denial",
        "minimal_response",
        "abstract_communication",
        "avoidant_storytelling",
        "deferential_appeasing",
        "content_affect_split",
        "self_critical_hopeless",
    ),
    "confrontation": (
        "complaint_about_therapist",
        "rejecting_intervention",
        "complaint_about_activities",
        "complaint_about_parameters",
        "complaint_about_progress",
        "defending_self",
        "controlling_pressuring",
    ),
    "repair": (
        "acknowledging_own_part",
        "validating",
        "inviting_exploration",
        "clarifying",
        "changing_task_or_goal",
        "giving_rationale",
        "linking_to_pattern",
        "self_disclosure",
    ),
}

CONSENT_SCOPES: tuple[str, ...] = ("supervision", "research", "self-review")


def allowed(label: str, role: str) -> bool:
    """True when the codebook lets a speaker with ``role`` carry ``label``."""
    return role in ALLOWED_ROLES.get(label, frozenset())
