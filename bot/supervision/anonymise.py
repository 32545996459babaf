"""Personal data out of text written for others: the public digest and draft guiding cases.

One function, :func:`anonymise`. It first normalises the text (:func:`normalise`), so that an
obfuscated number cannot slip through: full-width and other compatibility letters and digits
become plain ones, digits of any script become 0-9, invisible format characters (zero-width
spaces and joiners, word joiners, byte-order marks) are removed; Chinese punctuation is kept.
Then it replaces, in this order:

* e-mail addresses with 〔邮箱〕; Telegram links (``t.me/…``, ``tg://…``), ``@usernames`` and
  accounts after a keyword (微信号：…, QQ …, TG …) with 〔账号〕; any other link with 〔链接〕;
* licence plates (京A·12345, 粤BD12345, 粤B12345D) with 〔车牌〕;
* numbers of seven or more digits however they are written (spaced, dotted, dashed, in Chinese
  numerals, with +86): mobile and landline numbers with 〔电话〕, ID numbers with 〔证件号〕,
  numbers after an account keyword (and shorter ones right after it) with 〔账号〕, any other with
  〔号码〕. Dates, amounts and counts (2026-03-05, 1,250,000元) and hotlines (12345) stay;
* street addresses down to the flat (中山路88号3单元501室, 幸福小区5栋2单元301室) with 〔地址〕;
* names: every known name passed in (display names, registered real names), wherever it occurs;
  a name after a role word (居民/村民/老人/患者/网格员/志愿者/店主/业主/…, 本人/我叫/联系人：);
  a name before a title (同志/书记/主任/师傅/…). Each becomes its surname and 某 (王某, 欧阳某),
  a name without a Chinese surname 某某. A name found only by its context must start with one of
  :data:`COMMON_SURNAMES`; ordinary words after role words (居民家中, 村民委员会, 老人行动不便,
  患者高烧) are told apart by the characters that follow.

The result is idempotent: placeholders and 某 are never replaced again.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

__all__ = ["COMMON_SURNAMES", "PLACEHOLDER", "anonymise", "normalise", "pseudonym"]

PHONE, ID_NUMBER, ACCOUNT, NUMBER = "〔电话〕", "〔证件号〕", "〔账号〕", "〔号码〕"
EMAIL, LINK, ADDRESS, PLATE = "〔邮箱〕", "〔链接〕", "〔地址〕", "〔车牌〕"
PLACEHOLDER = re.compile("〔(?:电话|证件号|账号|号码|邮箱|链接|地址|车牌)〕")

# ---- normalising ---------------------------------------------------------------------------------

# Chinese punctuation whose compatibility form is ASCII punctuation: kept as typed.
_KEEP = frozenset("，：；！？（）［］｛｝＂＇＜＞｜～…＊＝＾｀")
_INVISIBLE = frozenset("\u034f\u115f\u1160\u17b4\u17b5\u180e\u2800\u3164\uffa0")
_PLAIN_PUNCT = frozenset("+-.@_/#%")


def _plain(ch: str) -> str:
    category = unicodedata.category(ch)
    if category == "Cf" or ch in _INVISIBLE or "\ufe00" <= ch <= "\ufe0f":
        return ""
    if category == "Nd":
        return str(unicodedata.decimal(ch))
    if category == "Zs":
        return " "
    if category == "No":
        return ch  # ①②③ number a list; they are not a phone number
    if ch in _KEEP:
        return ch
    plain = unicodedata.normalize("NFKC", ch)
    if len(plain) == 1 and (
        (plain.isascii() and (plain.isalnum() or plain in _PLAIN_PUNCT)) or "\u4e00" <= plain <= "\u9fff"
    ):
        return plain
    return ch


def normalise(text: str) -> str:
    """Plain letters and digits, no invisible characters; Chinese text and punctuation unchanged."""
    out: list[str] = []
    for ch in str(text):
        if ch.isascii():
            out.append(ch)
        elif unicodedata.category(ch) in ("Mn", "Me") and out and out[-1][-1].isascii() and out[-1][-1].isalnum():
            continue  # a combining mark hung on a digit or letter (1̶3̶8̶)
        elif plain := _plain(ch):
            out.append(plain)
    return "".join(out)


# ---- links, accounts, plates ---------------------------------------------------------------------

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_TG_LINK = re.compile(
    r"(?<![A-Za-z0-9.])(?:https?://)?(?:www\.)?(?:t|telegram)\.(?:me|dog)/[A-Za-z0-9_+/?=&%.-]*|tg://[A-Za-z0-9_?=&%./-]+",
    re.IGNORECASE,
)
_URL = re.compile(r"(?:https?://|www\.)[A-Za-z0-9._~:/?#\[\]@!$&'()*+,;=%-]+", re.IGNORECASE)
_USERNAME = re.compile(r"(?<![A-Za-z0-9_.@])@[A-Za-z][A-Za-z0-9_]{2,31}")
_KEYWORD_ACCOUNT = re.compile(
    r"(?P<key>微信号?|微信ID|WeChat|QQ号?|Telegram(?:\s*ID)?|TG号?|电报号?|账号|帐号|用户名"
    r"|(?<![A-Za-z])(?:wx|vx)|(?<![A-Za-z])(?:UID|ID)(?=\s*[:：=]))"
    r"(?P<sep>\s*[:：=]?\s*)"
    r"(?P<value>(?=[A-Za-z0-9_.-]*[A-Za-z_])[A-Za-z0-9_][A-Za-z0-9_.-]{3,})(?![A-Za-z0-9_])",
    re.IGNORECASE,
)
_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_PLATE = re.compile(
    rf"[{_PROVINCES}][A-Za-z] ?[·•・.\- ]? ?(?=[A-Za-z]*[0-9])[A-Za-z0-9]{{5,6}}(?![A-Za-z0-9])[挂学警港澳]?"
)

# ---- numbers -------------------------------------------------------------------------------------

_CN_DIGITS = str.maketrans("零〇一二三四五六七八九幺壹贰叁肆伍陆柒捌玖", "001234567891123456789")
_TOKEN = re.compile(r"[0-9零〇一二三四五六七八九幺壹贰叁肆伍陆柒捌玖]+")
_GAP = re.compile(r"[ \t.\-–—_/·•,()（）]{1,3}")
_ACCOUNT_WORDS = r"(?:TG|Telegram|电报|账号|帐号|QQ|UID|(?<![A-Za-z])ID(?![A-Za-z])|用户号|微信)"
_ACCOUNT_NEAR = re.compile(_ACCOUNT_WORDS, re.IGNORECASE)
_ACCOUNT_RIGHT_BEFORE = re.compile(_ACCOUNT_WORDS + r"号?\s*[:：=是为]?\s*$", re.IGNORECASE)
_PHONE_NEAR = re.compile(r"电话|手机|座机|热线|拨打|致电|联系方式|tel|phone", re.IGNORECASE)
_ID_NEAR = re.compile(r"身份证|证件|证号")
_QUANTITY_AFTER = re.compile(
    r"\s?(?:元|块|万|亿|千|百|人|户|次|个|件|台|箱|袋|吨|斤|公斤|千克|克|米|公里|平方|亩|天|小时|分钟|秒|岁|名"
    r"|份|套|张|辆|只|头|株|瓶|桶|包|条|间|年|月|日|%|‰|余|多|左右|kg|km|m\b)",
    re.IGNORECASE,
)
_MONEY_BEFORE = re.compile(r"[¥￥$]\s?$")
_GLUED_BEFORE = re.compile(r"[A-Za-z][-_]?$")
_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_ID18 = re.compile(r"[0-9]{17}[0-9X]")


def _number_groups(text: str) -> list[tuple[int, int]]:
    """Spans of digit runs joined by short separators (138 1234 5678, 110101-1990-…)."""
    groups: list[tuple[int, int]] = []
    for match in _TOKEN.finditer(text):
        start, end = match.span()
        if groups:
            gap = text[groups[-1][1] : start]
            if gap and _GAP.fullmatch(gap):
                groups[-1] = (groups[-1][0], end)
                continue
        groups.append((start, end))
    return groups


def _date_like(tokens: list[str]) -> bool:
    """2026-03-05, 2026.3.5-3.8, 20260305: a year followed by small numbers."""
    first = tokens[0]
    if len(tokens) == 1:
        return re.fullmatch(r"(?:19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])", first) is not None
    return len(first) == 4 and first[:2] in ("19", "20") and all(len(t) <= 2 for t in tokens[1:])


def _number_placeholder(text: str, start: int, end: int) -> tuple[int, int, str] | None:
    raw = text[start:end]
    tokens = [t.translate(_CN_DIGITS) for t in _TOKEN.findall(raw)]
    digits = "".join(tokens)
    chinese = any(not c.isascii() for c in raw if _TOKEN.match(c))
    plus = re.search(r"[(（]?\+$", text[:start])
    if text[end : end + 1] in ("X", "x") and not text[end + 1 : end + 2].isalpha() and len(digits) == 17:
        end, digits = end + 1, digits + "X"
    local = digits
    if local.startswith("0086"):
        local = local[4:]
    elif local.startswith("86") and (plus or len(local) == 13):
        local = local[2:]
    if plus and local != digits:
        start = plus.start()
    before = text[max(0, start - 12) : start]
    if _MOBILE.fullmatch(local) or (local.startswith(("0", "400", "800")) and 10 <= len(local) <= 12):
        return start, end, PHONE
    if _ID18.fullmatch(digits) or (len(digits) == 15 and not chinese):
        return start, end, ID_NUMBER
    if len(digits) >= 5 and _ACCOUNT_RIGHT_BEFORE.search(before):
        return start, end, ACCOUNT
    if len(digits) < 7:
        return None
    if _date_like(tokens) or _QUANTITY_AFTER.match(text, end) or _MONEY_BEFORE.search(before):
        return None
    if _GLUED_BEFORE.search(before):  # part of an identifier such as C-RC2026000123
        return None
    if _ACCOUNT_NEAR.search(before):
        return start, end, ACCOUNT
    if _ID_NEAR.search(before):
        return start, end, ID_NUMBER
    if _PHONE_NEAR.search(before) or len(digits) in (7, 8, 11):
        return start, end, PHONE
    return start, end, NUMBER


def _hide_numbers(text: str) -> str:
    spans = [s for g in _number_groups(text) if (s := _number_placeholder(text, *g))]
    return _splice(text, spans)


def _splice(text: str, spans: Iterable[tuple[int, int, str]]) -> str:
    out, at = [], 0
    for start, end, value in sorted(spans):
        if start < at:
            continue
        out += [text[at:start], value]
        at = end
    return "".join(out) + text[at:]


# ---- addresses -----------------------------------------------------------------------------------

# A place name before 路/街/小区 …: it starts after the last of these words (家住|中山路, 送到|成都路).
_NAME_CH = r"[^\W\d_A-Za-z的在住到往从至是了去给把被对为就也还又再才跟与或及沿搬送赶〔〕某]"
_NUM = r"(?:[0-9]+|[零〇一二三四五六七八九十百]+|[A-Z](?![A-Za-z]))"
_STRONG = r"(?:号楼|号院|栋|幢|座|单元|室|户)"
_WEAK = r"(?:号|层|楼|弄|巷|排|组)"
_STEP = rf"{_NUM}[-]?(?:{_STRONG}|{_WEAK})"
_STRONG_STEP = rf"{_NUM}[-]?{_STRONG}"
_ROAD = r"(?:大街|大道|胡同|路|街|巷|弄)"
_ESTATE = r"(?:小区|花园|家园|公寓|大厦|新村|新城|苑|广场|大院|村)"
_ADDRESS = re.compile(
    "|".join(
        (
            # 中山路88号3单元501室, 建设大街12号院3号楼
            rf"{_NAME_CH}{{1,8}}{_ROAD}{_NUM}(?:号院|号|弄|巷|座|栋|幢)(?:{_STEP})*(?:[0-9]{{3,4}}(?![0-9]))?",
            # 幸福小区5栋2单元301室, 6号楼2单元1102
            rf"(?:{_NAME_CH}{{1,8}}{_ESTATE})?(?=[^，。；\s]*[0-9])(?:{_STRONG_STEP}(?:{_STEP})+|{_STEP}{_STRONG_STEP}(?:{_STEP})*"
            rf"|{_NUM}(?:号楼|栋|幢|单元)[0-9]{{3,4}}(?![0-9]))(?:[0-9]{{3,4}}(?![0-9]))?",
            # 幸福小区3-2-501, 中关村大厦1101
            rf"{_NAME_CH}{{1,8}}{_ESTATE}[0-9]+-[0-9]+(?:-[0-9]+)+",
            rf"{_NAME_CH}{{1,8}}(?:大厦|公寓|小区|花园|家园|新村)[0-9]{{3,4}}(?![0-9])",
            # 501室
            r"(?<![0-9])[0-9]{3,4}室",
        )
    )
)

# ---- names ---------------------------------------------------------------------------------------

# The most frequent Chinese surnames (about 95 % of people), without those that are far more often
# an ordinary word next to a role word or a title (于, 向, 常, 关, 全, 时, 路, 连, 车, 管, 解, 单, 宁 …).
_SINGLE = (
    "王李张刘陈杨黄吴赵周徐孙马朱胡林郭何高罗郑梁谢宋唐许邓冯韩曹曾彭萧蔡潘田董袁余叶蒋杜苏魏程吕丁沈任"
    "姚卢傅钟姜崔谭廖范汪陆金石戴贾韦夏邱方侯邹熊孟秦白江阎薛尹段雷黎史龙陶贺顾毛郝龚邵钱严赖覃洪武莫孔汤"
    "温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿兰焦俞柳祝舒阮柯纪梅童凌毕季裴霍涂成苗盛翁冉骆"
    "蓝辛靳柴蒙鲍华喻祁蒲滕饶牟穆卓缪芦麦褚娄窦戚岑晏瞿闫邝"
)
_COMPOUND = (
    "欧阳", "司马", "诸葛", "上官", "皇甫", "尉迟", "公孙", "慕容", "夏侯", "轩辕",
    "令狐", "宇文", "司徒", "端木", "西门", "南宫", "独孤", "呼延", "申屠", "澹台",
)  # fmt: skip
COMMON_SURNAMES = frozenset(_SINGLE) | frozenset(_COMPOUND)

# A name's first given character is none of these (they make 居民家中, 业主方面, 村民马上 …).
_NOT_GIVEN = frozenset(
    "的了在是和与及或等说讲称家中们都也就把被对向从到给让请将已不没很这那些个位名户人里上下前后内外边方面员楼院组"
    "村委会区路街号室局所站部处科队校厂司办社镇乡县市省自某之其该每各本此当凌早晚夜日月年周天时点分第几多少两所因为"
    "由而并且但只可能应需正同副总支党昨今次近事"
)
# …and a second given character none of these either: it starts what follows the name (李静家中, 王刚说).
_AFTER_NAME = _NOT_GIVEN | frozenset(
    "反表问答告叫喊找拿带帮陪送接买卖打拨电手一二三四五六七八九十老夫妻儿女母父姐妹哥弟爷奶婆公全曾刚才仍还又再"
)
# Surname + next character that are an ordinary word (患者高烧, 村民陆续, 老人孙子 …).
_WORD_LIST = """
    高烧 高热 高血 高龄 高度 高层 高温 高空 高压 高速 高兴 高额 高价 高楼 高处 高危 马路 马桶 马虎 方向 方便 方式
    方案 方法 方舱 方言 安全 安置 安排 安装 安心 安抚 安顿 安静 安慰 安保 安检 安好 周边 周围 周末 周转 周期 周全 何时
    何处 何地 何况 何必 陆续 陆地 陆路 陈述 陈列 陈旧 程序 程度 严格 严重 严禁 严寒 严防 严控 严厉 白天 白色 白班
    白菜 白酒 白白 夏天 夏季 夏日 黄色 黄昏 金额 金钱 金属 石头 石块 钱款 钱财 钱物 钱包 田地 田间 田埂 江边 江水
    江堤 孙子 孙女 许可 许多 苏醒 康复 康养 申请 申报 申领 申诉 施工 施救 施肥 范围 成功 成为 成员 成本 成立 成效 成绩
    成果 成片 成群 成年 曾经 毛病 毛巾 毛衣 董事 杜绝 林地 林区 林场 林木 汤圆 汤药 余下 余额 余粮 余震 余热 叶子 叶片
    罗列 胡同 胡乱 熊孩 龙头 龙卷 任何 任务 任职 任意 武警 武装 温度 温暖 温馨 温水 雷雨 雷电 雷暴 易燃 易发 易碎 易涝
    齐心 齐全 乔迁 颜色 章程 史上 郑重 洪水 洪涝 莫名 孔洞 文件 文明 文化 文字 文书 文物 文艺 牛羊 牛棚 牛奶 牛肉
    庞大 庄稼 庄园 焦急 焦虑 柳树 祝福 祝贺 舒服 舒适 舒缓 纪委 纪律 纪要 纪念 梅雨 毕竟 毕业 季度 季节 霍乱 涂料 涂抹
    苗木 苗头 盛情 盛夏 蓝色 辛苦 柴油 柴火 蒙受 卓越 麦子 麦田 芦苇 谢谢 谢绝 张贴 张望 张口 张罗 张开 李子 徐徐 杨树
    丁点 宋体 唐突 萧条 殷切 欧式 兰花 童年 童装 戴口 戴上 钟头 钟点 顾及 顾虑 顾客 赖账 段落 贺电 华侨 蒲公
"""
_WORDS = frozenset(_WORD_LIST.split())
_ROLES = (
    "居民", "村民", "老人家", "老人", "患者", "病人", "病患", "网格员", "志愿者", "店主", "业主", "户主",
    "租户", "房东", "房主", "住户", "群众", "司机", "商户", "摊主", "家属", "村医", "护工", "保安",
    "民警", "辅警", "社工", "楼长", "党员", "老乡", "邻居", "同事", "丈夫", "妻子", "儿子", "女儿",
    "老伴", "母亲", "父亲", "负责人", "联系人", "当事人", "举报人", "申请人", "签名", "署名", "本人", "我叫",
    "我是", "名叫", "姓名", "干部", "书记", "主任", "组长", "队长", "村长", "医生", "护士", "老师",
    "师傅", "经理", "老板",
)  # fmt: skip
_TITLES = (
    "同志", "书记", "主任", "委员", "大爷", "大妈", "大娘", "大伯", "大叔", "大婶", "大姐", "大哥", "阿姨", "师傅",
    "老师", "医生", "护士", "先生", "女士", "老板", "经理", "站长", "所长", "队长", "组长", "村长", "镇长", "乡长",
    "社长", "部长", "科长", "局长", "处长", "区长", "县长", "市长", "主席", "警官", "老人", "奶奶", "爷爷", "婆婆",
    "老太", "老汉", "老伯", "同学",
)  # fmt: skip
_ROLE = re.compile("(?:" + "|".join(sorted(_ROLES, key=len, reverse=True)) + r")[：:]?\s?")
_TITLE = re.compile("副?(?:" + "|".join(sorted(_TITLES, key=len, reverse=True)) + ")")
_TITLE_WORDS = frozenset(_TITLES)


def _cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


def _surname_at(text: str, at: int) -> str:
    if text[at : at + 2] in _COMPOUND:
        return text[at : at + 2]
    return text[at] if at < len(text) and text[at] in _SINGLE else ""


def _given_ok(surname: str, given: str) -> bool:
    return (
        all(_cjk(c) and c not in _NOT_GIVEN for c in given)
        and surname + given[0] not in _WORDS
        and given not in _TITLE_WORDS
        and (len(given) == 1 or given[1] not in _AFTER_NAME)
    )


def _after_role(text: str, at: int) -> int:
    """Length of a name starting at ``at`` right after a role word, 0 when there is none."""
    surname = _surname_at(text, at)
    if not surname:
        return 0
    rest = at + len(surname)
    two, one = text[rest : rest + 2], text[rest : rest + 1]
    if two in _TITLE_WORDS:
        return 0  # 王大爷, 李老师: a surname and a title, no name
    if len(two) == 2 and _given_ok(surname, two):
        return len(surname) + 2
    if one and _given_ok(surname, one):
        return len(surname) + 1
    return 0


def _before_title(text: str, end: int) -> tuple[int, str] | None:
    """A name ending at ``end``, right before a title: (start, surname) or None."""
    # A compound surname first (欧阳华同志 is 欧阳 + 华, not 欧 + 阳华), then the longer given name.
    for given, size in ((2, 2), (1, 2), (2, 1), (1, 1)):
        start = end - given - size
        if start < 0:
            continue
        surname = text[start : start + size]
        if (surname in _COMPOUND if size == 2 else surname in _SINGLE) and _given_ok(surname, text[start + size : end]):
            return start, surname
    return None


def _hide_names_in_context(text: str) -> str:
    spans: list[tuple[int, int, str]] = []
    for match in _ROLE.finditer(text):
        at = match.end()
        if (length := _after_role(text, at)) > 0:
            spans.append((at, at + length, _surname_at(text, at) + "某"))
    for match in _TITLE.finditer(text):
        if found := _before_title(text, match.start()):
            start, surname = found
            spans.append((start, match.start(), surname + "某"))
    return _splice(text, spans)


def pseudonym(name: str) -> str:
    """王小明 → 王某, 欧阳娜娜 → 欧阳某; a name without Chinese characters → 某某."""
    core = "".join(c for c in normalise(name) if _cjk(c))
    if len(core) < 2:
        return "某某"
    return (core[:2] if core[:2] in _COMPOUND and len(core) > 2 else core[0]) + "某"


def _variants(name: str) -> dict[str, str]:
    """The spellings of one known name that are looked for, each with its pseudonym."""
    name = " ".join(normalise(name).split())
    alias = pseudonym(name)
    found = {name: alias, name.replace(" ", ""): alias}
    for part in re.split(r"[\W_]+", name):
        if len(part) >= 2:
            found.setdefault(part, pseudonym(part) if any(_cjk(c) for c in part) else "某某")
    return {k: v for k, v in found.items() if len(k) >= 2 and "某" not in k}


@lru_cache(maxsize=64)
def _name_pattern(names: tuple[str, ...]) -> tuple[re.Pattern[str] | None, dict[str, str]]:
    aliases: dict[str, str] = {}
    for name in names:
        for variant, alias in _variants(name).items():
            aliases.setdefault(variant.casefold(), alias)
    if not aliases:
        return None, aliases
    parts = []
    for variant in sorted(aliases, key=len, reverse=True):
        body = r"\s*".join(re.escape(c) for c in variant if not c.isspace())
        if variant[0].isascii() and variant[0].isalnum():
            body = r"(?<![A-Za-z0-9])" + body
        if variant[-1].isascii() and variant[-1].isalnum():
            body += r"(?![A-Za-z0-9])"
        parts.append(body)
    return re.compile("|".join(parts), re.IGNORECASE), aliases


def _hide_known_names(text: str, names: Iterable[str]) -> str:
    pattern, aliases = _name_pattern(tuple(sorted({n for n in names if n and n.strip()})))
    if pattern is None:
        return text

    def hide(piece: str) -> str:
        return pattern.sub(lambda m: aliases.get("".join(m.group(0).split()).casefold(), "某某"), piece)

    # Placeholders are left alone: a user called 电话 must not turn 〔电话〕 into 〔电某〕.
    pieces = PLACEHOLDER.split(text)
    kept = PLACEHOLDER.findall(text)
    return "".join(hide(p) + (kept[i] if i < len(kept) else "") for i, p in enumerate(pieces))


# ---- all together --------------------------------------------------------------------------------


def anonymise(text: str, names: Iterable[str] = ()) -> str:
    """``text`` normalised, with personal data replaced (see the module docstring); lines are kept."""
    out = normalise(text)
    out = _EMAIL.sub(EMAIL, out)
    out = _TG_LINK.sub(ACCOUNT, out)
    out = _URL.sub(LINK, out)
    out = _USERNAME.sub(ACCOUNT, out)
    out = _KEYWORD_ACCOUNT.sub(lambda m: m.group("key") + m.group("sep") + ACCOUNT, out)
    out = _PLATE.sub(PLATE, out)
    out = _hide_numbers(out)
    out = _ADDRESS.sub(ADDRESS, out)
    out = _hide_known_names(out, names)
    return _hide_names_in_context(out)
