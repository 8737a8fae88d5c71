"""The bot's commands: Vietnamese name, English alias, who may use them.

One list serves the handlers' filters, /trogiup and the per-role command
menus, so they cannot drift apart. A feature adds its commands to COMMANDS.
"""

from dataclasses import dataclass

from bot.i18n import N_
from bot.i18n import gettext as _
from bot.permissions import Action, Audience, allows


@dataclass(frozen=True)
class CommandSpec:
    name: str  # Vietnamese, shown in menus
    alias: str  # English
    action: Action
    description: str  # msgid, translated at display time

    @property
    def names(self) -> tuple[str, str]:
        return (self.name, self.alias)

    def describe(self) -> str:
        return _(self.description)

    def shown(self, locale: str) -> str:
        """The name a person sees in their menu: English speakers get the English alias."""
        return self.alias if locale == "en" else self.name


START = CommandSpec("start", "start", Action.USE_HELPDESK, N_("Bắt đầu, về màn hình chính"))
HELP = CommandSpec("trogiup", "help", Action.USE_HELPDESK, N_("Những việc bạn có thể làm"))
LANGUAGE = CommandSpec("ngonngu", "language", Action.CHANGE_LANGUAGE, N_("Đổi ngôn ngữ"))
TEAM = CommandSpec("nhom", "team", Action.SWITCH_TEAM, N_("Chọn tổ đang làm việc"))
ASSIGN = CommandSpec("giao", "assign", Action.ASSIGN_TASK, N_("Giao việc: /giao hung Nội dung hạn 17h thứ 6"))
TASKS = CommandSpec("viec", "tasks", Action.VIEW_OWN_TASKS, N_("Xem việc đang mở; /viec 12 xem một việc"))
SECONDMENT = CommandSpec(
    "trungdung", "secondment", Action.PROPOSE_SECONDMENT, N_("Đề nghị Giám đốc trưng dụng cán bộ")
)
CONVENE = CommandSpec("trieutap", "convene", Action.CONVENE, N_("Triệu tập thành viên, xem điểm danh"))
HELPDESK = CommandSpec("hoidap", "faq", Action.USE_HELPDESK, N_("Hỏi đáp cho người dân: mã QR, khai báo y tế, tiêm chủng"))

REPORT = CommandSpec("baocao", "report", Action.SUBMIT_REPORT, N_("Nộp báo cáo, theo dõi các kỳ báo cáo"))
REQUEST = CommandSpec("yeucau", "request", Action.REQUEST_REPORT, N_("Yêu cầu báo cáo đột xuất"))
DIGEST = CommandSpec("tonghop", "digest", Action.VIEW_DIGEST, N_("Bản tổng hợp: nhiệm vụ, báo cáo, số liệu"))
COMMANDS: list[CommandSpec] = [START, HELP, LANGUAGE, TEAM, ASSIGN, TASKS, SECONDMENT, CONVENE, REPORT, REQUEST, DIGEST, HELPDESK]


def commands_for(audience: Audience) -> list[CommandSpec]:
    return [spec for spec in COMMANDS if allows(audience, spec.action)]
