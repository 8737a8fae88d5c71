"""The help desk as the running bot holds it: the knowledge base, its matchers and the desk's settings.

Built once per process from the settings (DIEUPHOI_FAQ replaces the shipped
knowledge file) and handed to the handlers as `helpdesk`. A knowledge file
with problems stops the bot at start with the first problem and a hint to run
`dieuphoi faq check FILE`, rather than serving a half-read knowledge base.
"""

from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.config import ConfigError, Settings
from bot.helpdesk.knowledge import LOCALES, SHIPPED_FILE, Knowledge, KnowledgeError, load_knowledge
from bot.helpdesk.matcher import Matcher


@dataclass(frozen=True)
class HelpDesk:
    knowledge: Knowledge
    matchers: dict[str, Matcher]  # one per locale
    team_code: str | None  # DIEUPHOI_HELPDESK_TEAM; None: the only team
    zone: ZoneInfo
    default_locale: str
    retention: timedelta
    rate_limit: int
    rate_window: timedelta
    remind_after: timedelta
    escalate_after: timedelta

    @classmethod
    def from_settings(cls, settings: Settings) -> "HelpDesk":
        knowledge, matchers = _knowledge_and_matchers(str(settings.faq or SHIPPED_FILE))
        return cls(
            knowledge=knowledge,
            matchers=matchers,
            team_code=settings.helpdesk_team,
            zone=settings.zone,
            default_locale=settings.default_locale,
            retention=timedelta(days=settings.citizen_retention_days),
            rate_limit=settings.citizen_rate_limit,
            rate_window=settings.citizen_rate_window,
            remind_after=settings.ticket_remind_after,
            escalate_after=settings.ticket_escalate_after,
        )

    def matcher(self, locale: str) -> Matcher:
        return self.matchers.get(locale) or self.matchers["vi"]


@lru_cache(maxsize=4)
def _knowledge_and_matchers(path: str) -> tuple[Knowledge, dict[str, Matcher]]:
    """Read-only once built, so one copy per file serves every bot a process builds (tests build many)."""
    try:
        knowledge = load_knowledge(Path(path))
    except KnowledgeError as error:
        more = f" (and {len(error.problems) - 1} more)" if len(error.problems) > 1 else ""
        raise ConfigError(
            f"DIEUPHOI_FAQ: {error.problems[0]}{more}; run `dieuphoi faq check {path}` for the full list"
        ) from None
    return knowledge, {locale: Matcher(knowledge, locale) for locale in LOCALES}
