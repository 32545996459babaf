"""Relative times resolved in the deployment's zone: examples, and properties over any text and any moment."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from bot.clock import show, zone
from bot.filing.relative_time import annotate, mentions

TZ = zone("Asia/Shanghai")
NOW = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)  # Wednesday 2 December, 10:00 in Beijing


@pytest.mark.parametrize(
    ("typed", "resolved"),
    [
        ("昨天下午4点，某小区北门", "昨天下午4点（2026-12-01 16:00），某小区北门"),
        ("今天上午在社区门口", "今天上午（2026-12-02）在社区门口"),
        ("前天晚上8点半", "前天晚上8点半（2026-11-30 20:30）"),
        ("3天前", "3天前（2026-11-29）"),
        ("三天前开始停水", "三天前（2026-11-29）开始停水"),
        ("昨晚八点一刻", "昨晚八点一刻（2026-12-01 20:15）"),
        ("大前天凌晨2点", "大前天凌晨2点（2026-11-29 02:00）"),
        ("上周三下午3点", "上周三下午3点（2026-11-25 15:00）"),
        ("昨天16:30", "昨天16:30（2026-12-01 16:30）"),
        ("两小时前", "两小时前（2026-12-02 08:00）"),
        ("明天中午1点", "明天中午1点（2026-12-03 13:00）"),
        # left alone: absolute dates, a day already resolved, no time at all
        ("3月5日晚，某小区", "3月5日晚，某小区"),
        ("2026-03-05 16:00 在北门", "2026-03-05 16:00 在北门"),
        ("昨天下午4点（2026-12-01 16:00）", "昨天下午4点（2026-12-01 16:00）"),
        ("多花了一点钱", "多花了一点钱"),
    ],
)
def test_examples(typed: str, resolved: str) -> None:
    assert annotate(typed, NOW, TZ) == resolved


def test_the_day_is_the_deployments_not_utc() -> None:
    # 23:30 UTC on 1 December is already 2 December in Beijing: "昨天" is 1 December there.
    late = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)
    assert annotate("昨天", late, TZ) == "昨天（2026-12-01）"
    assert annotate("昨天", late, zone("UTC")) == "昨天（2026-11-30）"


def test_a_year_less_date_is_the_last_one_that_already_came() -> None:
    (march,) = mentions("3月5日", NOW, TZ)
    assert march.day == date(2026, 3, 5) and not march.relative
    (leap,) = mentions("2月29日", NOW, TZ)
    assert leap.day == date(2024, 2, 29)


ANNOTATION = re.compile(r"（\d{4}-\d{2}-\d{2}(?: \d{2}:\d{2})?）")
MOMENTS = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(UTC))
# Text rich in the characters the grammar reads, so that the properties meet real expressions.
WORDISH = st.text(
    alphabet="昨今前大明后天日晚早上下午中凌晨点时半刻分钟小个周星期"
    "一二三四五六七八九十两零0123456789:：-月年号 ，,的到",
    max_size=40,
)


@hsettings(max_examples=300, deadline=None)
@given(text=st.one_of(st.text(max_size=60), WORDISH), now=MOMENTS)
def test_never_raises_keeps_every_word_and_is_idempotent(text: str, now: datetime) -> None:
    once = annotate(text, now, TZ)
    if "（" not in text:
        assert ANNOTATION.sub("", once) == text  # the original words, every one, in order
    assert annotate(once, now, TZ) == once


@hsettings(max_examples=300, deadline=None)
@given(moment=MOMENTS, now=MOMENTS)
def test_a_formatted_absolute_time_reads_back_as_itself(moment: datetime, now: datetime) -> None:
    written = show(moment, TZ)
    (found,) = mentions(written, now, TZ)
    local = moment.astimezone(TZ)
    assert (found.day, found.at, found.relative) == (local.date(), time(local.hour, local.minute), False)
    assert annotate(written, now, TZ) == written


@hsettings(max_examples=200, deadline=None)
@given(now=MOMENTS, days=st.integers(min_value=0, max_value=400), hour=st.integers(min_value=1, max_value=11))
def test_days_ago_and_an_afternoon_hour_count_from_the_local_today(now: datetime, days: int, hour: int) -> None:
    today = now.astimezone(TZ).date()
    (ago,) = mentions(f"{days}天前", now, TZ)
    assert ago.day == today - timedelta(days=days)
    (afternoon,) = mentions(f"昨天下午{hour}点", now, TZ)
    assert (afternoon.day, afternoon.at) == (today - timedelta(days=1), time(hour + 12, 0))
