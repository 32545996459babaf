"""The /stats chart draws Chinese with the packaged CJK font: no missing glyph, no system font needed."""

from __future__ import annotations

import warnings
from pathlib import Path

from bot.supervision import chart
from bot.supervision.stats import Stats, UnitStats

PNG = b"\x89PNG\r\n\x1a\n"


def _stats() -> Stats:
    weekly = {"2026-W10": {"tolerated": 2, "partially_tolerated": 1, "not_tolerated": 0}}
    return Stats(generated_at="2026-03-09T00:00:00+00:00", total=UnitStats(), weekly=weekly)


def test_the_cjk_font_comes_from_the_installed_package() -> None:
    from matplotlib import font_manager

    path = chart.cjk_font()
    assert path.is_file() and "site-packages" in path.parts
    found = font_manager.findfont(font_manager.FontProperties(family=chart.CJK_FAMILY), fallback_to_default=False)
    assert Path(found) == path


def test_a_chinese_chart_has_every_glyph(tmp_path: Path, monkeypatch) -> None:
    import matplotlib.pyplot as plt
    from matplotlib.backends import backend_agg

    drawn: list = []
    used: set[str] = set()
    real_close, real_get_font = plt.close, backend_agg.get_font

    def record(paths, *args, **kwargs):  # every font file the renderer opens to draw text
        used.update(str(p) for p in ([paths] if isinstance(paths, (str, Path)) else paths))
        return real_get_font(paths, *args, **kwargs)

    monkeypatch.setattr(backend_agg, "get_font", record)

    def keep(fig=None):  # look at the figure's texts before it is closed
        if fig is not None and hasattr(fig, "axes"):
            drawn.extend(fig.axes)
        return real_close(fig)

    monkeypatch.setattr(plt, "close", keep)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph … missing from font(s)" for a hanzi it cannot draw
        for name, stats in (("week.png", _stats()), ("empty.png", Stats(generated_at="x", total=UnitStats()))):
            out = chart.decisions_chart(stats, tmp_path / name)
            assert out.read_bytes().startswith(PNG)
    ax = drawn[0]
    assert ax.get_title() == "每周容错认定（按结论）"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["予以容错", "部分容错", "不予容错"]
    assert str(chart.cjk_font()) in used  # drawn with the packaged Noto Sans CJK
    assert drawn[1].texts[0].get_text() == "本期没有容错认定"


def test_the_english_ui_draws_english(tmp_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        chart.decisions_chart(_stats(), tmp_path / "en.png", locale="en")
