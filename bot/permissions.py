"""Who may do what: the one permission table, checked for commands and buttons alike.

README's permission table is rendered from PERMISSIONS (a test keeps them equal).
"""

from enum import StrEnum

from bot.roster.models import Role


class Audience(StrEnum):
    """A role, or citizen for anyone not on the roster."""

    DIRECTOR = Role.DIRECTOR.value
    LEADER = Role.LEADER.value
    DEPUTY = Role.DEPUTY.value
    MEMBER = Role.MEMBER.value
    UNIT_MANAGER = Role.UNIT_MANAGER.value
    CITIZEN = "citizen"


class Action(StrEnum):
    USE_HELPDESK = "use_helpdesk"
    CHANGE_LANGUAGE = "change_language"
    SWITCH_TEAM = "switch_team"
    VIEW_OWN_TASKS = "view_own_tasks"
    UPDATE_OWN_TASK = "update_own_task"
    ASSIGN_TASK = "assign_task"
    MANAGE_TASK = "manage_task"
    VIEW_TEAM_TASKS = "view_team_tasks"
    SUBMIT_REPORT = "submit_report"
    REQUEST_REPORT = "request_report"
    VIEW_DIGEST = "view_digest"
    CONVENE = "convene"
    ANSWER_CONVOCATION = "answer_convocation"
    PROPOSE_SECONDMENT = "propose_secondment"
    DECIDE_SECONDMENT = "decide_secondment"
    ANSWER_CITIZEN = "answer_citizen"


_A = Audience
_STAFF = {_A.LEADER, _A.DEPUTY, _A.MEMBER}
_TEAM = {_A.DIRECTOR, _A.LEADER, _A.DEPUTY, _A.MEMBER, _A.UNIT_MANAGER}
_EVERYONE = _TEAM | {_A.CITIZEN}

PERMISSIONS: dict[Action, frozenset[Audience]] = {
    Action.USE_HELPDESK: frozenset(_EVERYONE),
    Action.CHANGE_LANGUAGE: frozenset(_EVERYONE),
    Action.SWITCH_TEAM: frozenset(_TEAM),
    # /viec: members see their own tasks; the Director, like the leader and deputies, the team's.
    Action.VIEW_OWN_TASKS: frozenset(_STAFF | {_A.DIRECTOR}),
    Action.UPDATE_OWN_TASK: frozenset(_STAFF),
    Action.ASSIGN_TASK: frozenset({_A.LEADER, _A.DEPUTY}),
    Action.MANAGE_TASK: frozenset({_A.LEADER, _A.DEPUTY}),
    Action.VIEW_TEAM_TASKS: frozenset({_A.DIRECTOR, _A.LEADER, _A.DEPUTY}),
    Action.SUBMIT_REPORT: frozenset(_STAFF),
    Action.REQUEST_REPORT: frozenset({_A.DIRECTOR, _A.LEADER}),
    Action.VIEW_DIGEST: frozenset({_A.DIRECTOR, _A.LEADER, _A.DEPUTY}),
    Action.CONVENE: frozenset({_A.LEADER, _A.DEPUTY}),
    Action.ANSWER_CONVOCATION: frozenset(_STAFF),
    Action.PROPOSE_SECONDMENT: frozenset({_A.LEADER, _A.DEPUTY}),
    Action.DECIDE_SECONDMENT: frozenset({_A.DIRECTOR}),
    # Object-level rule on top: only members of area "hotro" get tickets to answer.
    Action.ANSWER_CITIZEN: frozenset(_STAFF),
}


def allows(audience: Audience, action: Action) -> bool:
    return audience in PERMISSIONS[action]


def audience_of(role: Role | None) -> Audience:
    return Audience(str(role)) if role else Audience.CITIZEN


def permission_table_markdown() -> str:
    """The table README shows: one row per action, one column per audience."""
    audiences = list(Audience)
    lines = [
        "| action | " + " | ".join(a.value for a in audiences) + " |",
        "|---|" + "---|" * len(audiences),
    ]
    for action, allowed in PERMISSIONS.items():
        marks = " | ".join("✓" if a in allowed else "" for a in audiences)
        lines.append(f"| `{action.value}` | {marks} |")
    return "\n".join(lines)
