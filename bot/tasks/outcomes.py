"""Why a task service refused: returned, never raised, and shown to the person politely."""

from dataclasses import dataclass
from enum import StrEnum


class Refusal(StrEnum):
    NOT_FOUND = "not_found"  # no such task in the actor's team
    NOT_YOURS = "not_yours"  # the actor is not on this task
    NOT_ALLOWED = "not_allowed"  # the actor's role may not manage tasks
    CLOSED = "closed"  # done or cancelled: reopen it first
    OPEN = "open"  # reopening a task that is not closed
    NO_TITLE = "no_title"
    TITLE_TOO_LONG = "title_too_long"
    NO_RECIPIENT = "no_recipient"
    NOT_ASSIGNABLE = "not_assignable"  # not an active leader, deputy or member of the team
    NOBODY_IN_AREA = "nobody_in_area"
    PAST_DEADLINE = "past_deadline"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class Refused:
    reason: Refusal
