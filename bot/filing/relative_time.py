"""Relative times in what a cadre types ("昨天下午4点", "3天前"), resolved in the deployment's zone.

A form keeps the cadre's own words and adds the date or time they meant right after them —
"昨天下午4点（2026-12-01 16:00）" — so whoever reads the filing a week later does not have to
work out which day "昨天" was. Absolute dates ("3月5日晚", "2026-03-05 16:00") are recognised
too, so that they are left alone, and so is an expression already followed by its resolution:
annotating twice changes nothing. Nothing here raises on any text; what cannot be read as a
date is simply not a mention.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

__all__ = ["Mention", "annotate", "mentions"]

_CN_DIGITS = {
    ch: n for n, chars in enumerate(("零〇", "一", "二两", "三", "四", "五", "六", "七", "八", "九")) for ch in chars
}
_NUM = r"(?:\d{1,3}|[零〇一二两三四五六七八九十]{1,3})"
_DAYS = {"大前天": -3, "前天": -2, "昨天": -1, "昨日": -1, "今天": 0, "今日": 0, "明天": 1, "明日": 1, "后天": 2}
# A day and a part of it in one word.
_COMPOUNDS = {
    "今早": (0, "早上"),
    "今晨": (0, "早上"),
    "今晚": (0, "晚上"),
    "今夜": (0, "晚上"),
    "昨早": (-1, "早上"),
    "昨晚": (-1, "晚上"),
    "昨夜": (-1, "晚上"),
    "明早": (1, "早上"),
    "明晚": (1, "晚上"),
}
# Not a bare "早"/"晚": "今天晚些时候" is no time of day.
_MORNING = ("凌晨", "清晨", "早上", "早晨", "上午")
_NOON = ("中午",)
_AFTERNOON = ("下午", "傍晚")
_NIGHT = ("晚上", "夜里", "夜间", "深夜", "半夜", "午夜")
_PARTS = sorted((*_MORNING, *_NOON, *_AFTERNOON, *_NIGHT), key=len, reverse=True)
_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "7": 6}
_WEEKDAYS.update({str(n): n - 1 for n in range(1, 7)})


def _alternatives(words) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_PART = rf"(?P<part>{_alternatives(_PARTS)})?"
# "4点", "8点半", "8点一刻", "9点05分", "16:30" — not "一点儿", "一点都".
_CLOCK = (
    rf"(?:(?P<hour>{_NUM})(?:点|时)(?!儿|都|也|点)"
    rf"(?:(?P<half>半)|(?P<quarter>一刻)|(?P<three>三刻)|(?P<minute>零?{_NUM})分?|钟)?"
    r"|(?P<hh>\d{1,2})[:：](?P<mm>\d{2}))?"
)
_PATTERN = re.compile(
    r"(?:"
    # absolute: 2026-03-05, 2026年3月5日, 3月5日, 3/5 … then maybe a part and a time
    r"(?P<abs>(?:(?P<year>\d{4})\s*[-/.年]\s*)?(?P<month>\d{1,2})\s*[-/.月]\s*(?P<mday>\d{1,2})\s*[日号]?)"
    rf"|(?P<ago>{_NUM}|半)个?(?P<unit>天|日|周|星期|礼拜|小时|钟头|分钟)(?P<dir>之前|以前|前|之后|以后|后)"
    rf"|(?P<compound>{_alternatives(_COMPOUNDS)})"
    rf"|(?P<day>{_alternatives(_DAYS)})"
    r"|(?P<week>上上|上|这|本|下)?个?(?:周|星期|礼拜)(?P<wday>[一二三四五六日天1-7])"
    r")"
    rf"\s*{_PART}\s*{_CLOCK}"
)
# An expression that is already followed by its resolution is not resolved again.
_RESOLVED = re.compile(r"（\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class Mention:
    """One time expression: where it is, the day meant, and the time or the part of day if said."""

    start: int
    end: int
    day: date
    at: time | None = None
    part: str | None = None  # "上午", the cadre's own word, when said without a time
    relative: bool = True

    @property
    def shown(self) -> str:
        """As :func:`bot.clock.show` writes a time (a day alone as its date: the words beside it say the rest)."""
        return f"{self.day.isoformat()} {self.at.strftime('%H:%M')}" if self.at else self.day.isoformat()


def mentions(text: str, now: datetime, tz: tzinfo) -> list[Mention]:
    """Every date or time expression in ``text``, ``now`` being the moment it was typed."""
    local = now.astimezone(tz)
    found = []
    for match in _PATTERN.finditer(text):
        try:
            mention = _read(match, local)
        except (ValueError, OverflowError):  # 2月30日, 25点, a year out of range: not a date
            mention = None
        if mention is not None:
            found.append(mention)
    return found


def annotate(text: str, now: datetime, tz: tzinfo) -> str:
    """``text`` with each relative expression followed by what it resolves to, e.g. "昨天（2026-12-01）"."""
    pieces, last = [], 0
    for mention in mentions(text, now, tz):
        if not mention.relative or _RESOLVED.match(text, mention.end):
            continue
        pieces += [text[last : mention.end], f"（{mention.shown}）"]
        last = mention.end
    return "".join([*pieces, text[last:]])


def _read(match: re.Match[str], local: datetime) -> Mention | None:
    g = match.groupdict()
    today = local.date()
    start, end = match.start(), match.start() + len(match.group(0).rstrip())
    part = g["part"]
    if g["ago"]:
        amount = 0.5 if g["ago"] == "半" else _number(g["ago"])
        sign = -1 if "前" in (g["dir"] or "") else 1
        unit = g["unit"] or ""
        if unit in ("小时", "钟头", "分钟"):
            # an exact moment; whatever follows ("3小时前下午…") is not part of it
            minutes = amount * (60 if unit != "分钟" else 1)
            moment = (local + timedelta(minutes=sign * minutes)).replace(second=0, microsecond=0)
            return Mention(start, match.end("dir"), moment.date(), moment.time())
        if amount != int(amount):
            return None
        day = today + timedelta(days=sign * int(amount) * (1 if unit in ("天", "日") else 7))
    elif g["abs"]:
        day = _absolute(g, today)
    elif g["compound"]:
        offset, implied = _COMPOUNDS[g["compound"]]
        day, part = today + timedelta(days=offset), part or implied
    elif g["day"]:
        day = today + timedelta(days=_DAYS[g["day"]])
    else:
        day = _weekday(g["week"], _WEEKDAYS[g["wday"] or ""], today)
    at, next_day = _clock(g, part)
    relative = not g["abs"]
    if at is None:
        return Mention(start, end, day, None, part, relative)
    return Mention(start, end, day + timedelta(days=1) if next_day else day, at, None, relative)


def _absolute(g: dict[str, str | None], today: date) -> date:
    month, mday = int(g["month"] or 0), int(g["mday"] or 0)
    if g["year"]:
        return date(int(g["year"]), month, mday)
    # No year: the latest such day not after today — a form tells what already happened.
    for year in range(today.year, max(today.year - 8, 0), -1):
        try:
            candidate = date(year, month, mday)
        except ValueError:  # 2月29日 of a common year, or no such day at all
            continue
        if candidate <= today:
            return candidate
    raise ValueError(f"no day {month}-{mday}")


def _weekday(which: str | None, weekday: int, today: date) -> date:
    monday = today - timedelta(days=today.weekday())
    weeks = {"上上": -2, "上": -1, "这": 0, "本": 0, "下": 1}
    if which:
        return monday + timedelta(weeks=weeks[which], days=weekday)
    # A bare "周三": the last one, today included.
    return today - timedelta(days=(today.weekday() - weekday) % 7)


def _clock(g: dict[str, str | None], part: str | None) -> tuple[time | None, bool]:
    """The time of day said, and whether it falls on the next calendar day ("晚上12点")."""
    if g["hh"] is not None:
        hour, minute = int(g["hh"]), int(g["mm"] or 0)
    elif g["hour"] is not None:
        hour = _number(g["hour"])
        if g["half"]:
            minute = 30
        elif g["quarter"]:
            minute = 15
        elif g["three"]:
            minute = 45
        else:
            minute = _number(g["minute"].lstrip("零")) if g["minute"] and g["minute"].lstrip("零") else 0
    else:
        return None, False
    if (part in _NOON and hour < 11) or (part in _AFTERNOON and hour < 12):
        hour += 12
    elif part in _NIGHT:
        if 5 <= hour < 12:
            hour += 12
        elif hour == 12 or hour < 5:
            return time(0 if hour == 12 else hour, minute), True
    if hour == 24 and minute == 0:
        return time(0, 0), True
    return time(hour, minute), False


def _number(text: str) -> int:
    """Arabic or Chinese digits up to 999: "16", "十六", "二十三", "两"."""
    if text.isdigit():
        return int(text)
    if "十" not in text:
        value = 0
        for ch in text:
            value = value * 10 + _CN_DIGITS[ch]
        return value
    tens, _, ones = text.partition("十")
    if "十" in ones:
        raise ValueError(text)
    return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)
