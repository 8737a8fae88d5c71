"""What a person sees on /start and /trogiup: their role's home and what they may do."""

from bot.commands import commands_for
from bot.helpdesk.knowledge import Knowledge
from bot.helpdesk.render import category_menu
from bot.i18n import current_locale
from bot.i18n import gettext as _
from bot.people import Actor
from bot.permissions import Audience
from bot.roster.models import Member, Role
from bot.ui import Button, Message, esc, rows


def role_label(role: Role | Audience) -> str:
    labels = {
        "director": _("Giám đốc Sở"),
        "leader": _("Tổ trưởng"),
        "deputy": _("Tổ phó"),
        "member": _("Thành viên"),
        "unit_manager": _("Thủ trưởng đơn vị"),
        "citizen": _("Người dân"),
    }
    return labels[str(role)]


def greeting(member: Member) -> Message:
    text = _("Xin chào <b>{name}</b>! Tài khoản Telegram của bạn đã được liên kết với {team}, vai trò: <b>{role}</b>.").format(
        name=esc(member.full_name), team=esc(member.team.name), role=role_label(member.role)
    )
    return Message(text + "\n\n" + _commands_text(audience_of_member(member)))


def audience_of_member(member: Member) -> Audience:
    return Audience(str(member.role))


def home(actor: Actor) -> Message:
    if actor.membership is None:
        return citizen_home()
    member = actor.membership
    text = _("<b>{name}</b> · {role}\n{team}").format(
        name=esc(member.full_name), role=role_label(member.role), team=esc(member.team.name)
    )
    buttons = team_buttons(actor) if actor.needs_team_choice else ()
    return Message(text + "\n\n" + _commands_text(actor.audience), buttons)


def citizen_home(knowledge: Knowledge | None = None, locale: str = "vi") -> Message:
    """A citizen's welcome; with the help desk's knowledge base, its category menu under it."""
    text = _(
        "Xin chào! Đây là trợ lý của Tổ CNTT phục vụ phòng chống dịch COVID-19.\n"
        "Bạn có thể hỏi về quét mã QR, khai báo y tế, đăng ký điểm QR cho cơ sở, "
        "chứng nhận tiêm chủng, kết quả xét nghiệm. Hãy gõ câu hỏi của bạn, hoặc dùng /hoidap."
    )
    return category_menu(knowledge, locale, text) if knowledge is not None else Message(text)


def help_message(actor: Actor) -> Message:
    return Message(_("<b>Bạn có thể dùng các lệnh sau:</b>") + "\n" + _commands_text(actor.audience))


def _commands_text(audience: Audience) -> str:
    locale = current_locale()
    return "\n".join(f"/{spec.shown(locale)} — {esc(spec.describe())}" for spec in commands_for(audience))


def team_buttons(actor: Actor) -> tuple[tuple[Button, ...], ...]:
    return rows(*[
        [Button(("✅ " if m.team_id == actor.team_id else "") + m.team.name[:60], data=f"tm1:{m.team_id}")]
        for m in actor.memberships
    ])


def team_choice(actor: Actor) -> Message:
    return Message(_("Bạn là thành viên của nhiều tổ. Hãy chọn tổ bạn đang làm việc cho:"), team_buttons(actor))
