"""The weekly chart of decisions by outcome (PNG)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from bot.filing import states
from bot.filing.workdays import WorkCalendar
from bot.supervision.exports import ExportRows, as_rows
from bot.supervision.stats import Stats, fill_weeks, iso_week

__all__ = ["decisions_chart", "weekly_counts"]

OUTCOME_LABELS_EN = {
    "tolerated": "tolerated",
    "partially_tolerated": "partially tolerated",
    "not_tolerated": "not tolerated",
}
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
            counts[iso_week(calendar, str(row["decided_at"]))][str(outcome)] += 1
    return fill_weeks(counts)


def decisions_chart(source: Stats | ExportRows | Iterable[Mapping[str, Any]], path: Path | str) -> Path:
    """A PNG of decisions per ISO week, stacked by outcome; an empty chart says there is no data.

    Chart text is ASCII on purpose: the default font may have no Chinese glyphs.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    weeks = weekly_counts(source)
    fig, ax = plt.subplots(figsize=(max(6.0, 0.5 * len(weeks) + 3), 4), dpi=100)
    try:
        ax.set_title("Tolerance decisions per week by outcome")
        ax.set_xlabel("ISO week of decision")
        ax.set_ylabel("Decisions")
        if not weeks:
            ax.text(0.5, 0.5, "No decisions in this period", ha="center", va="center", transform=ax.transAxes)
            ax.set_xticks([])
            ax.set_yticks([])
        else:
            labels = list(weeks)
            positions = list(range(len(labels)))
            bottom = [0] * len(labels)
            for outcome in states.OUTCOMES:
                values = [weeks[w].get(outcome, 0) for w in labels]
                ax.bar(
                    positions,
                    values,
                    bottom=bottom,
                    label=OUTCOME_LABELS_EN[outcome],
                    color=_OUTCOME_COLOURS[outcome],
                )
                bottom = [b + v for b, v in zip(bottom, values, strict=True)]
            ax.set_xticks(positions)
            ax.set_xticklabels(labels, rotation=45, ha="right")
            ax.yaxis.get_major_locator().set_params(integer=True)
            ax.set_ylim(0, max(bottom) * 1.35 + 0.5)  # room for the legend above the bars
            ax.legend(loc="upper left", ncol=3, fontsize="small", frameon=False)
        fig.tight_layout()
        fig.savefig(path, format="png")
    finally:
        plt.close(fig)
    return path
