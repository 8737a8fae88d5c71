"""The digest's chart: the main platform figures over recent periods, one small panel each (PNG).

Figures differ by orders of magnitude (QR points vs scans), so each gets its
own panel and scale. matplotlib's object API with its Agg canvas (a Figure
made directly, never pyplot): no display, no global state, no network.
"""

import io
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.digest.build import Series
from bot.i18n import current_locale, format_number
from bot.i18n import gettext as _

if TYPE_CHECKING:
    from matplotlib.axes import Axes

COLUMNS = 2
MAX_PANELS = 8


def digest_chart(series: Sequence[Series], zone: ZoneInfo) -> bytes | None:
    """A PNG, or None when there is nothing to draw."""
    shown = [line for line in series if line.points][:MAX_PANELS]
    if not shown:
        return None
    # Imported here: matplotlib takes seconds to load, and the bot should start without waiting for it.
    from matplotlib.figure import Figure as PlotFigure  # a Figure made directly uses the Agg canvas: no display

    rows = math.ceil(len(shown) / COLUMNS)
    figure = PlotFigure(figsize=(8, 2.6 * rows + 0.6), dpi=110)
    figure.suptitle(_("Số liệu chính các nền tảng qua các kỳ báo cáo"), fontsize=12)
    axes = figure.subplots(rows, COLUMNS, squeeze=False)
    for index, line in enumerate(shown):
        _panel(axes[index // COLUMNS][index % COLUMNS], line, zone)
    for index in range(len(shown), rows * COLUMNS):
        axes[index // COLUMNS][index % COLUMNS].set_visible(False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _panel(axis: "Axes", line: Series, zone: ZoneInfo) -> None:
    from matplotlib.ticker import FuncFormatter

    labels = [moment.astimezone(zone).strftime("%d/%m") for moment, _value in line.points]
    values = [value for _moment, value in line.points]
    axis.plot(range(len(values)), values, marker="o", color="#1f6fb2")
    axis.set_xticks(range(len(values)), labels, fontsize=8)
    axis.set_title(_wrap(line.field.shown_label(current_locale())), fontsize=9)
    axis.yaxis.set_major_formatter(FuncFormatter(lambda value, _pos: format_number(round(value, 2))))
    axis.tick_params(axis="y", labelsize=8)
    axis.grid(True, alpha=0.3)
    axis.margins(y=0.2)  # room for the last value's label
    axis.annotate(format_number(round(values[-1], 2)), (len(values) - 1, values[-1]),
                  textcoords="offset points", xytext=(0, 6), ha="center", fontsize=8)


def _wrap(text: str, width: int = 42) -> str:
    words, lines, current = text.split(), [], ""
    for word in words:
        if current and len(current) + len(word) + 1 > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    return "\n".join(lines + [current])
