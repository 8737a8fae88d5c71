"""Callback data of the task buttons: ids only, versioned prefixes, well under 64 bytes.

The handlers read them back with aiogram CallbackData classes of the same
layout (handlers/tasks.py); a unit test keeps the two in step. Everything a
button names is re-checked by the service when pressed.
"""

STATUS = "tk1s"  # a member's status button on their card: tk1s:<task>:<kind>
VIEW = "tk1v"  # open one task: tk1v:<task>
MANAGE = "tk1m"  # leader's action: tk1m:<op>:<task>:<arg>
PICK = "tk1p"  # which task a free-text reply is about: tk1p:<task>
GUIDE = "tk1g"  # a step of the guided /giao: tk1g:<op>:<value>
LIST = "tk1l"  # team view filters and pages: tk1l:<filter>:<value>:<page>

# Status button kinds
ACK, WORK, BLOCK, DONE = "ack", "work", "block", "done"

# Manage ops
REASSIGN_MENU, REASSIGN_TO = "re", "to"
DEADLINE_MENU, DEADLINE_QUICK, DEADLINE_CANDIDATE = "dl", "dq", "dc"
PRIORITY = "pr"
CANCEL_ASK, CANCEL_YES = "cx", "cy"
REOPEN = "ro"

# Guided flow ops
G_MEMBER, G_AREA, G_NEXT, G_DEADLINE, G_CANDIDATE, G_PRIORITY, G_CONFIRM, G_ABORT, G_NAME = (
    "m", "a", "go", "dl", "dc", "pr", "ok", "no", "nm",
)

# List filters: open, overdue, blocked, by status/member/area, and the menus to choose them
L_OPEN, L_OVERDUE, L_STATUS, L_MEMBER, L_AREA = "o", "x", "s", "m", "a"
L_STATUS_MENU, L_MEMBER_MENU, L_AREA_MENU = "S", "M", "A"

NO_DEADLINE = -1  # a deadline choice meaning "no deadline"


def status(task_id: int, kind: str) -> str:
    return f"{STATUS}:{task_id}:{kind}"


def view(task_id: int) -> str:
    return f"{VIEW}:{task_id}"


def manage(op: str, task_id: int, arg: int = 0) -> str:
    return f"{MANAGE}:{op}:{task_id}:{arg}"


def pick(task_id: int) -> str:
    return f"{PICK}:{task_id}"


def guide(op: str, value: int = 0) -> str:
    return f"{GUIDE}:{op}:{value}"


def listing(kind: str, value: int = 0, page: int = 0) -> str:
    return f"{LIST}:{kind}:{value}:{page}"
