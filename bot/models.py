"""Every table, imported in one place so Alembic and tests see the whole schema."""

from bot.audit import AuditEntry
from bot.convening.models import Convocation, ConvocationDraft, Invitee
from bot.digest.models import DigestRun
from bot.db import Base
from bot.helpdesk.models import JobRun, Lookup, RateWindow, Ticket
from bot.inbox import InboxUpdate
from bot.outbox.models import OutboxMessage
from bot.reachability import UnreachableChat
from bot.reminders.models import Reminder
from bot.reports.models import Obligation, ReportDraft, ReportPeriod, Submission
from bot.roster.models import Area, Invite, Member, Person, Team, Unit
from bot.secondment.models import SecondmentDecision, SecondmentPerson, SecondmentRequest, SecondmentVersion
from bot.tasks.models import Task, TaskAssignee, TaskUpdate

__all__ = ["JobRun", "Lookup", "RateWindow", "Ticket", "Task", "TaskAssignee", "TaskUpdate", "Convocation", "ConvocationDraft", "Invitee", "SecondmentDecision", "SecondmentPerson", "SecondmentRequest", "SecondmentVersion", "DigestRun", "Obligation", "ReportDraft", "ReportPeriod", "Submission", "AuditEntry", "Area", "Base", "InboxUpdate", "Invite", "Member", "OutboxMessage", "Person", "Reminder", "Team", "UnreachableChat", "Unit"]
