"""One anonymiser for the public digest and /draftcase drafts (bot/supervision/anonymise.py).

Personal data is generated from faker's zh_CN provider data (surnames and given names, cities,
districts, street names, plate provinces) and written the ways people write it — spaced, dotted,
dashed, full-width, in Chinese numerals, with +86, joined by zero-width characters — inside real
sentences a cadre would type. The property: none of it survives, and the ordinary words around it
do. Fixed examples pin each form, and sentences full of look-alikes (居民家中, 村民委员会, 老人行动不便,
dates, amounts, hotlines) come out unchanged.
"""

from __future__ import annotations

import re

import pytest
from faker.providers.address.zh_CN import Provider as Address
from faker.providers.automotive.zh_CN import Provider as Automotive
from faker.providers.person.zh_CN import Provider as Person
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from bot.supervision.anonymise import COMMON_SURNAMES, anonymise, normalise, pseudonym

SURNAMES = list(Person.last_names)
GIVEN = list(Person.first_names)
COMMON = [s for s in SURNAMES if s in COMMON_SURNAMES]
CN_DIGITS = dict(zip("0123456789", "零一二三四五六七八九", strict=True))
ZERO_WIDTH = ("\u200b", "\u200c", "\u200d", "\u2060", "\ufeff")
ROLES = ("居民", "村民", "老人", "患者", "网格员", "志愿者", "店主", "业主", "联系人：", "家属", "司机")
TITLES = ("同志", "书记", "主任", "师傅", "阿姨", "大爷", "老师", "医生")
KEEP = ("社区", "转移", "物资", "安置", "联系", "群众")


def _digits(text: str) -> str:
    """The digits a reader would see: any digit, and runs of Chinese numerals (not the 一 of 统一)."""
    plain = normalise(text)
    runs = re.findall(r"[零〇一二三四五六七八九幺]{3,}", plain)
    return "".join(c for c in plain if c.isdigit()) + "".join(runs)


# ---- how people write numbers ------------------------------------------------------------------


@st.composite
def written(draw: st.DrawFn, digits: str, groups: tuple[int, ...]) -> str:
    """``digits`` as typed: grouped by ``groups`` with a separator, in some script, maybe zero-width joined."""
    parts, at = [], 0
    for size in groups:
        parts.append(digits[at : at + size])
        at += size
    parts[-1] += digits[at:]
    sep = draw(st.sampled_from(["", " ", "-", ".", " - ", "\u3000", "·"]))
    text = sep.join(p for p in parts if p)
    script = draw(st.sampled_from(["ascii", "ascii", "fullwidth", "chinese"]))
    if script == "fullwidth":
        text = "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in text)
    elif script == "chinese":
        text = "".join(CN_DIGITS.get(c, c) for c in text)
    if draw(st.booleans()):
        joiner = draw(st.sampled_from(ZERO_WIDTH))
        text = joiner.join(text)
    return text


@st.composite
def mobiles(draw: st.DrawFn) -> tuple[str, str]:
    number = draw(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True))
    prefix = draw(st.sampled_from(["", "", "+86", "+86 ", "+86-", "0086 ", "（+86）", "＋８６ "]))
    return prefix + draw(written(number, (3, 4, 4))), number


def _id_check(body: str) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]


@st.composite
def id_numbers(draw: st.DrawFn) -> tuple[str, str]:
    body = draw(
        st.from_regex(
            r"[1-6][0-9]{5}(19[5-9][0-9]|200[0-9])(0[1-9]|1[0-2])(0[1-9]|1[0-9]|2[0-8])[0-9]{3}", fullmatch=True
        )
    )
    number = body + _id_check(body)
    if draw(st.booleans()):  # the "002X" tail the old anonymiser left behind
        body = body[:14] + "002"
        number = body + _id_check(body)
    groups = draw(st.sampled_from([(18,), (6, 8, 4), (6, 4, 4, 4), (3, 3, 4, 4, 4)]))
    text = draw(written(number, groups))
    if number.endswith("X") and draw(st.booleans()):
        text = text[:-1] + draw(st.sampled_from(["x", "Ｘ"]))
    return text, number


@st.composite
def telegram_ids(draw: st.DrawFn) -> tuple[str, str]:
    number = str(draw(st.integers(10**8, 8 * 10**9)))
    lead = draw(st.sampled_from(["", "TG ", "Telegram ID：", "电报号", "tg号 "]))
    return lead + draw(written(number, draw(st.sampled_from([(3, 3, 4), (4, 3, 3), (2, 4, 4), (12,)])))), number


@st.composite
def accounts(draw: st.DrawFn) -> tuple[str, str]:
    name = draw(st.from_regex(r"[a-z][a-z0-9_]{4,14}", fullmatch=True))
    form = draw(st.sampled_from(["@{}", "t.me/{}", "https://t.me/{}", "微信号：{}", "telegram.me/{}"]))
    return form.format(name), name


@st.composite
def addresses(draw: st.DrawFn) -> tuple[str, str]:
    street = draw(st.sampled_from(Address.cities + tuple(COMMON))) + draw(st.sampled_from(["路", "街", "大街", "大道"]))
    number = draw(st.integers(1, 999))
    home = f"{street}{number}号"
    chain = draw(
        st.sampled_from(
            [
                "",
                f"{draw(st.integers(1, 30))}栋{draw(st.integers(1, 6))}单元{draw(st.integers(101, 2704))}室",
                f"{draw(st.integers(1, 30))}号楼{draw(st.integers(101, 2704))}",
                f"{draw(st.integers(1, 9))}单元{draw(st.integers(101, 999))}室",
            ]
        )
    )
    before = draw(st.sampled_from(["", draw(st.sampled_from(Address.districts)) + "区"]))
    return before + home + chain, home + chain


@st.composite
def plates(draw: st.DrawFn) -> tuple[str, str]:
    province = draw(st.sampled_from(Automotive.province_code))
    letter = draw(st.sampled_from("ABCDEFGHJKLMNPQRSTUVWXY"))
    tail = draw(
        st.one_of(
            st.from_regex(r"[0-9]{5}", fullmatch=True),
            st.from_regex(r"[A-HJ-NP-Z0-9]{4}[0-9]", fullmatch=True),
            st.from_regex(r"[DF][A-HJ-NP-Z0-9][0-9]{4}", fullmatch=True),  # new-energy, small cars
            st.from_regex(r"[0-9]{5}[DF]", fullmatch=True),  # new-energy, large vehicles
        )
    )
    sep = draw(st.sampled_from(["", "·", "-", " ", "•"]))
    plate = f"{province}{letter if draw(st.booleans()) else letter.lower()}{sep}{tail}"
    return plate, tail


# Known users (display names) may have any surname; a name found only by its context (a role word
# before it, a title after it, 本人/我叫 …) is recognised by its surname, so it is a common one.
names = st.builds(lambda s, g: s + g, st.sampled_from(SURNAMES), st.sampled_from(GIVEN))
# 安静 and 文明 are names, and far more often words (居民安静等候, 群众文明出行): context cannot tell.
third_parties = st.builds(lambda s, g: s + g, st.sampled_from(COMMON), st.sampled_from(GIVEN)).filter(
    lambda name: name[:2] not in ("安静", "文明")
)

# ---- sentences -------------------------------------------------------------------------------------

NUMBER_CLAUSES = (
    "居民反映积水严重，联系电话{}，社区连夜组织转移",
    "身份证号{}的老人已安置到社区活动室",
    "物资送到以后请打{}联系签收",
    "群众可以用{}联系值班人员，我们协助转移",
)
ACCOUNT_CLAUSES = ("转移通知由{}转发到群里，社区已核实", "有人冒充{}索要物资，已提醒群众")
ADDRESS_CLAUSES = ("家住{}的老人行动不便，社区组织转移", "物资先送到{}，再统一安置")
PLATE_CLAUSES = ("车牌{}的货车挡住消防通道，已联系挪车，物资改走侧门", "群众反映{}违停，社区已劝离")
NAME_AFTER = ("家中进水，社区协助转移", "反映安置点缺水", "说物资不够", "，已转移到安置点", "和家人已安置")


@hsettings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    mobile=mobiles(),
    id_number=id_numbers(),
    telegram=telegram_ids(),
    account=accounts(),
    address=addresses(),
    plate=plates(),
    third=third_parties,
    role=st.sampled_from(ROLES),
    after=st.sampled_from(NAME_AFTER),
    titled=third_parties,
    title=st.sampled_from(TITLES),
    cadre=third_parties,
    self_intro=st.sampled_from(["本人{}", "我叫{}", "网格员{}", "申请人：{}"]),
    display=names,
    order=st.permutations(range(7)),
    clause=st.integers(0, 10**6),
)
def test_no_generated_personal_data_survives(
    mobile,
    id_number,
    telegram,
    account,
    address,
    plate,
    third,
    role,
    after,
    titled,
    title,
    cadre,
    self_intro,
    display,
    order,
    clause,
) -> None:
    def pick(options: tuple[str, ...], k: int) -> str:
        return options[(clause >> k) % len(options)]

    clauses = [
        pick(NUMBER_CLAUSES, 0).format(mobile[0]),
        pick(NUMBER_CLAUSES, 1).format(id_number[0]),
        pick(NUMBER_CLAUSES, 2).format(telegram[0]),
        pick(ACCOUNT_CLAUSES, 3).format(account[0]) + "；" + pick(ADDRESS_CLAUSES, 4).format(address[0]),
        pick(PLATE_CLAUSES, 5).format(plate[0]),
        f"{role}{third}{after}；{titled}{title}带队转移群众",
        self_intro.format(cadre) + f"，{display}也在现场维持秩序",
    ]
    text = "。".join(clauses[i] for i in order) + "。"
    out = anonymise(text, [display])

    assert not _digits(out), out  # no phone, ID, Telegram id, house or plate number in any script
    seen = normalise(out)
    for fragment in (account[1], plate[1], plate[1].lower(), address[1]):
        assert fragment not in seen, (fragment, out)
    for person in (third, titled, cadre, display):
        assert person not in seen, (person, out)
        given_name = person[2:] if person.startswith("欧阳") else person[1:]
        if len(given_name) >= 2:
            assert given_name not in seen, (given_name, out)
    for word in KEEP:
        if word in text:
            assert word in out, (word, out)
    assert anonymise(out, [display]) == out  # idempotent: placeholders and 某 are left alone


# ---- each form, pinned ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "placeholder", "gone"),
    [
        ("联系电话 138 1234 5678，请尽快回电", "〔电话〕", "5678"),
        ("电话138.1234.5678。", "〔电话〕", "5678"),
        ("电话138-1234-5678。", "〔电话〕", "5678"),
        ("电话１３８１２３４５６７８。", "〔电话〕", "５６７８"),
        ("电话一三八一二三四五六七八。", "〔电话〕", "五六七八"),
        ("电话幺三八 幺二三四 五六七八。", "〔电话〕", "五六七八"),
        ("电话+86 138 1234 5678。", "〔电话〕", "86"),
        ("电话（+86）13812345678。", "〔电话〕", "86"),
        ("电话0086-13812345678。", "〔电话〕", "86"),
        ("电话1\u200b3\u200c8\u200d1\u20602\ufeff345678。", "〔电话〕", "345678"),
        ("座机010-6512 3456。", "〔电话〕", "3456"),
        ("身份证110101 19900307 002X。", "〔证件号〕", "002X"),
        ("身份证110101-1990-0307-002x。", "〔证件号〕", "110101"),
        ("身份证１１０１０１１９９００３０７００２Ｘ。", "〔证件号〕", "Ｘ"),
        ("旧身份证号 110101 900307 123。", "〔证件号〕", "110101"),
        ("TG 5551 2345 67 联系我", "〔账号〕", "67"),
        ("Telegram ID: 123 456 789。", "〔账号〕", "789"),
        ("我的电报号 88213。", "〔账号〕", "88213"),
        ("私信 @wang_xiaoming 即可", "〔账号〕", "wang_xiaoming"),
        ("链接 t.me/wangxm2026 里有名单", "〔账号〕", "wangxm2026"),
        ("见 https://t.me/joinchat/AAAAAEkz 群", "〔账号〕", "AAAAAEkz"),
        ("tg://user?id=123456789 发来的", "〔账号〕", "123456789"),
        ("微信：wxid_abc123 联系", "〔账号〕", "wxid_abc123"),
        ("邮箱 wang.xm@example.cn。", "〔邮箱〕", "example"),
        ("家住中山路88号3单元501室，行动不便", "〔地址〕", "501"),
        ("幸福小区5栋2单元301室进水", "〔地址〕", "301"),
        ("建设大街12号院3号楼停电", "〔地址〕", "12号院"),
        ("住在6号楼2单元1102的老人", "〔地址〕", "1102"),
        ("车牌京A·12345挡住通道", "〔车牌〕", "12345"),
        ("粤B12345违停", "〔车牌〕", "B12345"),
        ("新能源车粤BD12345充电", "〔车牌〕", "D12345"),
        ("货车粤B12345D拉来物资", "〔车牌〕", "12345D"),
        ("车牌沪ａ-Ｆ１２３４５", "〔车牌〕", "F12345"),
    ],
)
def test_each_form_is_hidden(text: str, placeholder: str, gone: str) -> None:
    out = anonymise(text)
    assert placeholder in out, out
    assert gone not in out and gone not in normalise(out), out


@pytest.mark.parametrize(
    ("text", "names", "expected"),
    [
        ("王小明出于公心应急采购", ["王小明"], "王某出于公心应急采购"),
        ("经查，欧阳娜娜同志处置得当", ["欧阳娜娜"], "经查，欧阳某同志处置得当"),
        ("王 小 明和王\u200b小明都在", ["王小明"], "王某和王某都在"),
        ("王小明到场", ["王小明🚒"], "王某到场"),
        ("contact Wang Xiaoming or WANG XIAOMING", ["Wang Xiaoming"], "contact 某某 or 某某"),
        ("李子成熟了", ["李"], "李子成熟了"),  # a one-character name would blank ordinary words
        ("这是 a.b* 的说明", ["a.b*"], "这是 某某 的说明"),
        ("电话13812345678", ["电话"], "电某〔电话〕"),  # a user called 电话 leaves placeholders intact
        ("居民李秀英家中进水", [], "居民李某家中进水"),
        ("村民张建国反映情况", [], "村民张某反映情况"),
        ("网格员王强，志愿者刘洋和店主陈静", [], "网格员王某，志愿者刘某和店主陈某"),
        ("老人欧阳华说没有药了", [], "老人欧阳某说没有药了"),
        ("联系人：赵敏。", [], "联系人：赵某。"),
        ("本人周杰，对此负责", [], "本人周某，对此负责"),
        ("王建国同志和张伟书记带队", [], "王某同志和张某书记带队"),
        ("患者孙桂英高烧不退", [], "患者孙某高烧不退"),
    ],
)
def test_names_become_surname_and_mou(text: str, names: list[str], expected: str) -> None:
    assert anonymise(text, names) == expected


@pytest.mark.parametrize(
    "text",
    [
        "居民家中进水，网格员连夜组织转移。",
        "村民委员会决定先转移老人。",
        "老人行动不便，志愿者背着下楼。",
        "村民马上撤离到安置点，群众安全转移，村民陆续返回。",
        "患者高烧不退，已送医；患者康复出院。",
        "业主方面同意临时征用车库，店主同意腾出仓库。",
        "居民楼一层进水，居民区停电，居民小区积水。",
        "党支部书记带队，常务副主任协调物资，纪委书记到场。",
        "全体同志坚守岗位，向王书记汇报，向老同志学习。",
        "高龄老人由社区医生上门查看，独居老人由网格员包片负责。",
        "居民申请临时救助，群众利益无小事。",
        "我是党员，我是管理员，本人承诺所述属实。",
        "3月5日晚8点，拨打12345热线反映情况。",
        "2026-03-05 20:30 在东区三号小区，2026年2月27日夜。",
        "多花了约两千元，采购金额12000元，共计1,250,000元。",
        "订了一千份蔬菜包，分3批送到，在3楼会议室开会，12栋房屋受损。",
        "封控当晚没走招标，直接找附近超市订了一千份蔬菜包",
        "居民第二天就要断菜，区里保供渠道还没启动",
        "小区地下室进水，居民财产面临损失，来不及比价。",
        "参照案例C001和C-RC2026000123处理。",
        "出于保障老人、儿童等弱势群体安全，超支部分用于照顾老人婴儿。",
        "群众于当日转移完毕，居民于次日返回，救援队于凌晨3点到达。",
        "采购了5000箱矿泉水，每箱12元，共60000元；人口约1200000人；耗资¥1234567。",
        "截至2026.03.05共转移群众3,456人，措施①②③④⑤⑥⑦，第1、2、3、4、5、6、7项。",
        "王大爷说，李老师和陈医生都来了，刘书记也到了。",
        "王某和张某某已经匿名，〔电话〕〔地址〕也是。",
    ],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert anonymise(text) == text


def _strings(value: object):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def test_the_bundled_knowledge_base_is_left_alone(knowledge) -> None:
    """Over a thousand texts of administrative Chinese, already written with 某: nothing to hide."""
    texts = set(_strings(knowledge.current.kb.model_dump()))
    assert len(texts) > 500
    assert [(t, anonymise(t)) for t in sorted(texts) if anonymise(t) != t] == []


@hsettings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.one_of(
            st.characters(),
            st.sampled_from(list("0123456789一三八零幺 -.·+@XＸ１２\u200b\u200d\ufeff〔〕某路号栋单元室京A")),
            st.sampled_from(list("居民村民老人患者同志书记王李张欧阳秀英建国家中，。：")),
        ),
        max_size=80,
    ),
    st.lists(st.text(max_size=6), max_size=3),
)
def test_any_text_is_handled_and_anonymising_twice_changes_nothing(text: str, names: list[str]) -> None:
    once = anonymise(text, names)
    assert anonymise(once, names) == once
    assert normalise(normalise(text)) == normalise(text)


def test_normalise_strips_invisible_characters_and_width() -> None:
    assert normalise("１\u200b３\u2060８\ufeff") == "138"
    assert normalise("ＡＢ＠ｃ．ｃｎ") == "AB@c.cn"
    assert normalise("居民，“您好”！（备注）……") == "居民，“您好”！（备注）……"  # Chinese punctuation stays
    assert normalise("第一行\n第二行") == "第一行\n第二行"


def test_pseudonym() -> None:
    assert pseudonym("王小明") == "王某"
    assert pseudonym("欧阳娜娜") == "欧阳某"
    assert pseudonym("Wang Xiaoming") == "某某"
    assert pseudonym("小明🚒") == "小某"


def test_a_long_text_with_many_known_names_is_fully_anonymised() -> None:
    # (its speed is a benchmark's business, not an assertion here)
    text = ("居民李秀英家中进水，联系电话138 1234 5678，家住中山路88号3单元501室。" * 60)[:3000]
    out = anonymise(text, [f"用户{i}" for i in range(300)])
    assert not re.search(r"\d", out)
    assert "李秀英" not in out
