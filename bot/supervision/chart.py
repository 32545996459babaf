"""The weekly chart of decisions by outcome (PNG)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from bot.filing import states
from bot.filing.workdays import WorkCalendar, parse_iso
from bot.supervision.exports import ExportRows, as_rows
from bot.supervision.stats import Stats, fill_weeks, iso_week

__all__ = ["CJK_FAMILY", "cjk_font", "decisions_chart", "weekly_counts"]

CJK_FAMILY = "Noto Sans CJK SC"
_OUTCOME_COLOURS = {"tolerated": "#2e7d32", "partially_tolerated": "#f9a825", "not_tolerated": "#c62828"}


# ---- the chart -------------------------------------------------------------------------------------


def weekly_counts(
    source: Stats | ExportRows | Iterable[Mapping[str, Any]], calendar: WorkCalendar | None = None
) -> dict[str, dict[str, int]]:
    """Decisions per ISO week by outcome, from statistics (as computed) or from export rows."""
    if isinstance(source, Stats):
        return source.weekly
    calendar = calendar or WorkCalendar.from_yaml()
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for row in as_rows(source).requests:
        outcome = row.get("outcome") or row.get("original_outcome")
        if row.get("decided_at") and outcome:
            counts[iso_week(calendar, parse_iso(str(row["decided_at"])))][str(outcome)] += 1
    return fill_weeks(counts)


def cjk_font() -> Path:
    """The packaged Noto Sans CJK collection, registered with matplotlib (once per process)."""
    from matplotlib import font_manager
    from noto_cjk_sans_otc import FONT_PATH

    path = Path(str(FONT_PATH))
    if not any(f.fname == str(path) for f in font_manager.fontManager.ttflist):
        font_manager.fontManager.addfont(str(path))
    return path


def decisions_chart(
    source: Stats | ExportRows | Iterable[Mapping[str, Any]], path: Path | str, *, locale: str = "zh"
) -> Path:
    """A PNG of decisions per ISO week, stacked by outcome, in ``locale``'s words (drawn with the packaged
    CJK font); an empty chart says there is no data."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from bot.i18n import Catalogue

    catalogue = Catalogue(locale)

    def say(key: str) -> str:
        return catalogue.raw(locale, key)

    cjk_font()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    weeks = weekly_counts(source)
    # DejaVu Sans after the CJK face: Latin and digits keep their usual look, hanzi always have a glyph.
    with plt.rc_context({"font.family": "sans-serif", "font.sans-serif": [CJK_FAMILY, "DejaVu Sans"]}):
        fig, ax = plt.subplots(figsize=(max(6.0, 0.5 * len(weeks) + 3), 4), dpi=100)
        try:
            _draw(ax, weeks, say)
            fig.tight_layout()
            fig.savefig(path, format="png")
        finally:
            plt.close(fig)
    return path


def _draw(ax: Any, weeks: dict[str, dict[str, int]], say: Any) -> None:
    ax.set_title(say("exports.chart.title"))
    ax.set_xlabel(say("exports.chart.x"))
    ax.set_ylabel(say("exports.chart.y"))
    if not weeks:
        ax.text(0.5, 0.5, say("exports.chart.empty"), ha="center", va="center", transform=ax.transAxes)
        ax.set_xticks([])
        ax.set_yticks([])
        return
    labels = list(weeks)
    positions = list(range(len(labels)))
    bottom = [0] * len(labels)
    for outcome in states.OUTCOMES:
        values = [weeks[w].get(outcome, 0) for w in labels]
        label = say(f"filing.outcome.{outcome}")
        ax.bar(positions, values, bottom=bottom, label=label, color=_OUTCOME_COLOURS[outcome])
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    ax.set_xticks(positions)
    ax.set_xticklabels(labels, rotation=45, ha="right")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_ylim(0, max(bottom) * 1.35 + 0.5)  # room for the legend above the bars
    ax.legend(loc="upper left", ncol=3, fontsize="small", frameon=False)
