"""Assembling the running bot: settings, storage, Bot API session, routers, workers."""

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from aiogram import Bot, Dispatcher, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.fsm.storage.base import BaseStorage
from aiogram.fsm.storage.memory import MemoryStorage
from apscheduler.triggers.date import DateTrigger

from bot import inbox
from bot.clock import Clock, SystemClock
from bot.config import ConfigError, Settings
from bot.helpdesk.desk import HelpDesk
from bot.helpdesk.reminders import reminder_handlers as helpdesk_reminders
from bot.helpdesk.retention import EVERY as RETENTION_EVERY
from bot.helpdesk.retention import run_retention
from bot.metrics import Metrics
from bot.reachability import ChatEvents
from bot.convening.reminders import handlers as convening_reminders
from bot.reminders.service import ReminderHandler, Sweeper
from bot.reports.reminders import report_reminders
from bot.reports.schedule import ReportSchedule
from bot.reports.types import ReportTypesError, load_report_types
from bot.digest.schedule import DigestSchedule
from bot.scheduler import Timer, build_scheduler, every
from bot.secondment.reminders import handlers as secondment_reminders
from bot.tasks.reminders import reminder_handlers as task_reminders
from bot.tasks.rules import TaskRules
from bot.people import contacted_telegram_ids, load_actor
from bot.roster.service import linked_telegram_ids
from bot.sender import Sender
from bot.storage import Storage
from bot.telegram.deferred import DeferUntilCommit
from bot.telegram.responses import KeepResponseModels
from bot.telegram.delivery import Delivery
from bot.telegram.menus import Menus
from bot.telegram.middleware import ActorMiddleware, InboxMiddleware, PermissionMiddleware
from bot.telegram.pacing import Limits, Pacer
from bot.telegram.polling import BatchDispatcher
from handlers import build_router
from handlers.helpdesk import CitizenFloodGuard

log = logging.getLogger("dieuphoi")

POLLING_TIMEOUT = 10
DELIVERY_STOP_SECONDS = 30  # longer than one send's timeout
INBOX_KEPT = timedelta(days=7)
INBOX_PRUNE_EVERY = timedelta(hours=6)
CHATS_AT_ONCE = 16  # chats whose updates are handled concurrently (PostgreSQL)
DIGEST_CATCH_UP_AFTER = timedelta(seconds=5)  # after the start, before an owed digest is gathered
# Shorter than the outbox lease, so a send still in flight is never claimed again.
REQUEST_TIMEOUT = 20


@dataclass
class App:
    settings: Settings
    storage: Storage
    clock: Clock
    bot: Bot
    dispatcher: Dispatcher
    delivery: Delivery
    menus: Menus
    sender: Sender
    sweeper: Sweeper
    scheduler: Timer
    metrics: Metrics = field(default_factory=Metrics)
    reports: ReportSchedule | None = None  # opens scheduled report periods
    digests: DigestSchedule | None = None  # sends the scheduled digests
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    catch_up_after: timedelta = DIGEST_CATCH_UP_AFTER  # real time after the start, not the bot's clock

    async def start_workers(self) -> None:
        self.tasks.append(asyncio.create_task(self.delivery.run(), name="delivery"))
        every(self.scheduler, self.settings.sweep_seconds, self.sweeper.sweep, "reminder-sweep")
        every(self.scheduler, INBOX_PRUNE_EVERY.total_seconds(), self.prune_inbox, "inbox-prune")
        every(self.scheduler, RETENTION_EVERY.total_seconds(), self.forget_citizens, "helpdesk-retention")
        if self.reports is not None:
            await self.reports.run_due()  # catch up on a period whose opening passed while stopped
            self.reports.add_jobs(self.scheduler)
        if self.digests is not None:
            self.digests.add_jobs(self.scheduler)
            # A digest missed while stopped (within its catch-up window), once, beside polling and a
            # little after it starts: people who wrote during an outage are answered first.
            self.scheduler.add_job(self.digests.run_due, DateTrigger(datetime.now(UTC) + self.catch_up_after),
                                   id="digest-catch-up", name="digest catch-up")
        self.scheduler.start()

    async def run_due(self) -> None:
        """The bot's periodic work, once, now (the sandbox's clock buttons call this after moving
        the clock). A feature with periodic work adds its `run_due` here as well as to the timer."""
        await self.sweeper.sweep()
        await self.forget_citizens()
        if self.reports is not None:
            await self.reports.run_due()
        if self.digests is not None:
            await self.digests.run_due()

    async def prune_inbox(self) -> None:
        """Forget handled updates after a week (Telegram resends nothing older than a day);
        idempotent, so every process may run it."""
        await inbox.prune(self.storage, before=self.clock.now() - INBOX_KEPT)

    async def forget_citizens(self) -> None:
        """The help desk's retention job (bot.helpdesk.retention), claimed once per hour across processes."""
        helpdesk: HelpDesk = self.dispatcher.workflow_data["helpdesk"]
        await run_retention(self.storage, self.clock, helpdesk.retention)

    async def stop(self) -> None:
        await self.scheduler.stop(timeout=DELIVERY_STOP_SECONDS)  # a sweep under way finishes first
        await self._finish_delivery()
        for task in self.tasks:
            task.cancel()
        for task in self.tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self.tasks.clear()
        await self.bot.session.close()
        await self.storage.close()


    async def _finish_delivery(self) -> None:
        """Let the message being sent be recorded before stopping (a cancel mid-send could repeat it)."""
        self.delivery.finish()
        worker = next((task for task in self.tasks if task.get_name() == "delivery"), None)
        if worker is not None and not worker.done():
            with contextlib.suppress(TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(asyncio.shield(worker), timeout=DELIVERY_STOP_SECONDS)


def make_bot(settings: Settings) -> Bot:
    if not settings.token:
        raise ValueError("no bot token")
    session = AiohttpSession(api=TelegramAPIServer.from_base(settings.api_url), timeout=REQUEST_TIMEOUT)
    session.middleware(KeepResponseModels())
    session.middleware(DeferUntilCommit())
    return Bot(settings.token, session=session)


def fsm_storage(settings: Settings) -> BaseStorage:
    if settings.redis_url:
        from aiogram.fsm.storage.redis import RedisStorage

        return RedisStorage.from_url(settings.redis_url)
    return MemoryStorage()


def build_app(
    settings: Settings, *, clock: Clock | None = None, limits: Limits | None = None, webhook: bool = False,
    router: Router | None = None,
) -> App:
    """The whole bot; `webhook=True` lets a database outage answer the webhook with an error
    (Telegram retries) instead of waiting, as polling does. `router` replaces the handlers
    (the throughput benchmark measures the update path with an echo alone)."""
    clock = clock or SystemClock()
    metrics = Metrics()
    storage = Storage.from_url(settings.database_url)
    bot = make_bot(settings)
    sender = Sender(storage, clock)
    events = ChatEvents(storage, clock)
    delivery = Delivery(
        bot, storage, clock, pacer=Pacer(limits or Limits()),
        on_migrated=events.chat_migrated, on_unreachable=events.chat_unreachable, metrics=metrics,
    )
    menus = Menus(bot)
    sweeper = Sweeper(storage, clock, reminder_handlers(settings), quiet_hours=settings.quiet_hours, zone=settings.zone)
    # SQLite has one writer at a time: chats handled together would only queue for it.
    chats_at_once = 1 if storage.dialect == "sqlite" else CHATS_AT_ONCE
    dispatcher = BatchDispatcher(storage=fsm_storage(settings), chats_at_once=chats_at_once)
    dispatcher.update.outer_middleware(
        InboxMiddleware(storage, clock, sender, metrics=metrics, wait_for_storage=not webhook)
    )
    actors = ActorMiddleware(storage, settings, menus)
    permissions = PermissionMiddleware(storage, clock, sender)
    for observer in (dispatcher.message, dispatcher.edited_message, dispatcher.callback_query):
        observer.outer_middleware(actors)
        observer.middleware(permissions)
    helpdesk = HelpDesk.from_settings(settings)
    flood = CitizenFloodGuard(storage, clock, sender, helpdesk)
    for observer in (dispatcher.message, dispatcher.callback_query):
        observer.outer_middleware(flood)  # after the actor middleware: it needs to know who writes
    try:
        report_types = load_report_types(settings.reports)
    except ReportTypesError as error:
        raise ConfigError(f"DIEUPHOI_REPORTS: {error}") from None
    dispatcher.include_router(router or build_router())
    dispatcher.workflow_data.update(
        settings=settings, storage=storage, clock=clock, sender=sender, menus=menus, delivery=delivery
    )
    dispatcher.workflow_data.update(report_types=report_types)
    dispatcher.workflow_data.update(helpdesk=helpdesk)
    app = App(settings, storage, clock, bot, dispatcher, delivery, menus, sender, sweeper, build_scheduler(),
              metrics)
    app.reports = ReportSchedule(storage, clock, settings, report_types)
    app.digests = DigestSchedule(storage, clock, settings)
    return app


def reminder_handlers(settings: Settings) -> dict[str, ReminderHandler]:
    """Each feature's reminder kinds and what to do when one falls due."""
    return {**helpdesk_reminders(HelpDesk.from_settings(settings)), **report_reminders(settings), **secondment_reminders(settings), **convening_reminders(settings),
            **task_reminders(TaskRules.from_settings(settings))}


async def sync_member_menus(app: App) -> None:
    """Each member's menu, for those who have written to the bot (Telegram refuses a chat-scoped
    menu for a chat that does not exist yet). Telegram keeps menus, so this is a refresh that
    runs beside polling: one call per member must not delay the first answer."""
    async with app.storage.read() as session:
        contacted = await contacted_telegram_ids(session)
        people = [
            await load_actor(session, telegram_id, telegram_language=None, default_locale=app.settings.default_locale)
            for telegram_id in await linked_telegram_ids(session)
            if telegram_id in contacted
        ]
    for actor in people:
        try:
            await app.menus.set_for(actor.telegram_id, actor.audience, actor.locale)
        except Exception:  # a menu is a convenience: the next start or the person's next command sets it
            log.exception("could not refresh the menu of %s", actor.telegram_id)


async def start(app: App) -> None:
    """Everything but the updates: workers, timer, the citizens' default menus (members' menus
    are refreshed in the background)."""
    me = await app.bot.get_me()
    log.info("starting as @%s", me.username)
    await app.start_workers()
    await app.menus.set_defaults(app.settings.default_locale)
    app.tasks.append(asyncio.create_task(sync_member_menus(app), name="member-menus"))


async def poll(app: App) -> None:
    """Long polling; each batch is handled (chats side by side) before the next getUpdates
    confirms it, so Telegram never learns of an update as handled before it was."""
    await app.dispatcher.start_polling(
        app.bot, polling_timeout=POLLING_TIMEOUT,
        allowed_updates=app.dispatcher.resolve_used_update_types(), handle_signals=False,
        close_bot_session=False,
    )


async def run_polling(app: App) -> None:
    await start(app)
    try:
        await poll(app)
    finally:
        await app.stop()
