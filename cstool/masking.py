"""Masking personal information in everything cstool prints, exports or learns.

What is masked, also inside free text (notes, questions, complaints):

- mobile numbers in any width and with any separators (``138 1234 5678``,
  ``１８６－１２３９－８７６５``), with ``+86`` / ``0086`` / ``86`` in front:
  ``138****5678``;
- landlines with an area code (``0571-87654321``, ``(021)58765432``,
  ``０２１－５８７６５４３２``, ``+86 21 5876 5432``): ``0571-****4321``;
- ID card numbers (18 digits, the last may be ``X``; and the old 15-digit ones),
  with a valid birth date inside: ``110***********123X``;
- bank card numbers: 12 to 19 digits after 卡号/银行卡/账号…, and anywhere a
  16-to-19-digit number that passes the Luhn check with a card's first digits
  (see :func:`_card`): ``6222***********0128``;
- e-mail addresses (the part before ``@``): ``z***@163.com``;
- QQ numbers and WeChat ids after their cue words (QQ/扣扣/企鹅, 微信/VX/wx/微信号):
  ``QQ 12****89``;
- real names after 收件人/收货人/姓名/联系人/… (any name) and after 找/叫/联系
  (a name starting with a common surname), and a name written right before a
  phone number (``张伟 13812345678``): the surname is kept, ``王**``;
- detailed addresses (see :func:`mask_address`).

What is kept whole: order ids (a number right after 订单/订单号/单号/运单号 in free
text, and every key in :data:`KEEP_KEYS` in :func:`mask_data`), dates, times,
amounts, and ordinary words that happen to start with a surname (金额, 王者, 李子).

How: each pattern runs on a width-folded copy of the text (full-width digits,
letters, ``＋``, ``－``, ``（）`` and the ideographic space become ASCII, one
character for one, so positions match), and the replacement is written into the
original text; what is not masked keeps its original width.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from functools import lru_cache
from typing import Any

STARS = "****"

# --- width folding ----------------------------------------------------------------------------
# One character for one character, so a match in the folded text has the same span in the original.
_FOLD: dict[int, int] = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_FOLD.update({0x3000: 0x20, 0x00A0: 0x20, 0x2007: 0x20, 0x202F: 0x20})
_FOLD.update({code: 0x2D for code in (0x2010, 0x2011, 0x2012, 0x2013, 0x2014, 0x2015, 0x2212, 0xFE63)})


_FOLDABLE = re.compile("[" + "".join(re.escape(chr(code)) for code in sorted(_FOLD)) + "]")


@lru_cache(maxsize=16)  # each masking pass folds the text it was given: mostly the same text again
def fold(text: str) -> str:
    """Full-width ASCII forms, the ideographic space and dash variants as plain ASCII (same length)."""
    return text.translate(_FOLD) if _FOLDABLE.search(text) else text


# A match → (start, end, replacement) in folded coordinates, or None to leave it alone.
_Replace = Callable[[re.Match[str]], "tuple[int, int, str] | None"]


def _sub(pattern: re.Pattern[str], text: str, replace: _Replace) -> str:
    folded = fold(text)
    out: list[str] = []
    last = 0
    for match in pattern.finditer(folded):
        found = replace(match)
        if found is None:
            continue
        start, end, new = found
        out += [text[last:start], new]
        last = end
    if not out:
        return text
    out.append(text[last:])
    return "".join(out)


def _whole(new: Callable[[str], str | None], *, isolated: bool = False) -> _Replace:
    """Replace the whole match (or its ``mask`` group) by ``new(matched text)``, unless that is None.

    ``isolated``: only when no other digit follows or precedes it across a phone number's
    separators (an ID or card number is a run of its own, never a piece of a longer one).
    """

    def replace(match: re.Match[str]) -> tuple[int, int, str] | None:
        group = "mask" if "mask" in match.re.groupindex else 0
        start, end = match.span(group)
        if isolated and (
            _DIGIT_BEFORE.search(match.string, max(0, start - 8), start)
            or _DIGIT_AFTER.match(match.string, end)
        ):
            return None
        masked = new(match.group(group))
        return None if masked is None else (start, end, masked)

    return replace


def _digits(text: str) -> str:
    return re.sub(r"[^0-9Xx]", "", text).upper()


# --- numbers ----------------------------------------------------------------------------------
# Between two digits of a phone number: nothing, a dash, or a few spaces (" - " too).
_SEP = r"(?:[ \t]{0,2}-[ \t]{0,2}|[ \t]{1,3})?"
# ID and card numbers are whole runs: digits with at most one space or dash between them.
_SEP1 = r"[ \t-]?"
_RUN_START = r"(?<![0-9])(?<![0-9][ \t-])"
_RUN_END = r"(?![0-9])(?![ \t-][0-9])"
_DIGIT_BEFORE = re.compile(rf"[0-9]{_SEP}$")
_DIGIT_AFTER = re.compile(rf"{_SEP}[0-9]")

_MOBILE = re.compile(
    rf"(?<![0-9])(?:(?:\+|00)?86{_SEP}|\(\+?86\){_SEP})?(?P<body>1{_SEP}[3-9](?:{_SEP}[0-9]){{9}})(?![0-9])"
)
# Area codes: 010 and 020–029 have three digits, all others four (0571, 0755).
_AREA_CODE = r"(?:[12][0-9]|[3-9][0-9]{2})"
_AREA = rf"(?:\((?P<area1>0{_AREA_CODE})\)|(?P<area2>0{_AREA_CODE}))"
_LOCAL = rf"(?P<local>[0-9](?:{_SEP}[0-9]){{6,7}})"
_EXTENSION = r"(?:(?:-|转|分机|ext\.?)[0-9]{1,5})?"
_LANDLINE = re.compile(rf"(?<![0-9]){_AREA}{_SEP}{_LOCAL}{_EXTENSION}(?![0-9])", re.IGNORECASE)
_LANDLINE_INTL = re.compile(
    rf"(?<![0-9])(?:\+|00)86{_SEP}(?:\(0?(?P<area1>{_AREA_CODE})\)|0?(?P<area2>{_AREA_CODE}))"
    rf"{_SEP}{_LOCAL}{_EXTENSION}(?![0-9])",
    re.IGNORECASE,
)
_ID18 = re.compile(rf"{_RUN_START}[1-9](?:{_SEP1}[0-9]){{16}}{_SEP1}[0-9Xx](?![0-9Xx])(?![ \t-][0-9])")
_ID15 = re.compile(rf"{_RUN_START}[1-9](?:{_SEP1}[0-9]){{14}}{_RUN_END}")
_CARD = re.compile(rf"{_RUN_START}[1-9](?:{_SEP1}[0-9]){{15,18}}{_RUN_END}")
# After 卡号/银行卡/账号… any 12–19 digits are a card number, Luhn or not (a typo stays private too).
_CARD_CUE = re.compile(
    r"(?:银行卡|储蓄卡|信用卡|借记卡|银行账号|银行帐号|账号|帐号|卡号|卡)(?:号码|号)?[ \t:是为]*"
    rf"(?P<mask>{_RUN_START}[0-9](?:{_SEP1}[0-9]){{11,18}}){_RUN_END}"
)


def _valid_birth(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return 1900 <= year <= 2099


def _id_card(text: str) -> str | None:
    digits = _digits(text)
    if len(digits) == 18:
        birth = (int(digits[6:10]), int(digits[10:12]), int(digits[12:14]))
    else:
        birth = (1900 + int(digits[6:8]), int(digits[8:10]), int(digits[10:12]))
    if not _valid_birth(*birth):
        return None
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def luhn(digits: str) -> bool:
    """The Luhn check every bank card number passes."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _hide_card(digits: str) -> str:
    return digits[:4] + "*" * (len(digits) - 8) + digits[-4:]


def _card(text: str) -> str | None:
    """A bare 16–19-digit number is a card when it passes Luhn and looks like one.

    UnionPay and the domestic cards (62, 60, 65, 9…) have 16 to 19 digits; Visa,
    Mastercard and JCB numbers (3–5) have 16. A Taobao order id (18–19 digits
    starting 1–4) and two dates in a row (2026-11-11 2026-11-12) are never taken for a card.
    """
    digits = _digits(text)
    plausible = digits.startswith(("62", "60", "65", "9")) or (len(digits) == 16 and digits[0] in "345")
    return _hide_card(digits) if plausible and luhn(digits) else None


def _mobile(match: re.Match[str]) -> tuple[int, int, str] | None:
    # One kind of separator inside the number (138 1234 5678, 1-3-8…), or mixed ones only in
    # the 3-4-4 places (138 1234-5678): "165 2026-11-11" is a size and a date, not a phone number.
    body = match["body"]
    kinds = {sep.replace(" ", "").replace("\t", "") or " " for sep in re.findall(r"[^0-9]+", body)}
    if len(kinds) > 1:
        places = [len(_digits(body[: gap.start()])) for gap in re.finditer(r"[^0-9]+", body)]
        if places != [3, 7]:
            return None
    digits = _digits(body)
    return match.start(), match.end(), f"{digits[:3]}{STARS}{digits[-4:]}"


def _landline(match: re.Match[str]) -> tuple[int, int, str]:
    area = match.group("area1") or match.group("area2")
    area = area if area.startswith("0") else "0" + area
    local = _digits(match.group("local"))
    return match.start(), match.end(), f"{area}-{STARS}{local[-4:]}"


def mask_phone(text: str) -> str:
    """Mobile numbers and landlines (any width, separators, +86/0086/86 prefixes)."""
    text = _sub(_MOBILE, text, _mobile)
    text = _sub(_LANDLINE_INTL, text, _landline)
    return _sub(_LANDLINE, text, _landline)


_ID_REPLACE = _whole(_id_card, isolated=True)
_CARD_CUE_REPLACE = _whole(lambda card: _hide_card(_digits(card)), isolated=True)
_CARD_REPLACE = _whole(_card, isolated=True)
_LONG_RUN = re.compile(r"[0-9](?:[ \t-]?[0-9]){11}")


def mask_ids(text: str) -> str:
    """ID card numbers (18 and 15 digits, with a valid birth date) and bank cards (Luhn)."""
    if not _LONG_RUN.search(fold(text)):
        return text
    text = _sub(_ID18, text, _ID_REPLACE)
    text = _sub(_ID15, text, _ID_REPLACE)
    text = _sub(_CARD_CUE, text, _CARD_CUE_REPLACE)
    return _sub(_CARD, text, _CARD_REPLACE)


# --- e-mail, QQ, WeChat -----------------------------------------------------------------------
_EMAIL = re.compile(
    r"(?P<mask>[A-Za-z0-9*][A-Za-z0-9._%+*-]*)@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}"
)
_CUE_GAP = r"[ \t:是为]*"
_QQ = re.compile(
    rf"(?<![A-Za-z])(?:qq|扣扣|企鹅|q号)(?:号码|号)?{_CUE_GAP}(?P<mask>[1-9][0-9]{{4,11}})(?![0-9])",
    re.IGNORECASE,
)
_WECHAT = re.compile(
    r"(?<![A-Za-z])(?:微信|vx|wx|weixin|wechat|v信|薇信|威信|维信)(?:号码|号|id)?"
    rf"{_CUE_GAP}(?P<mask>[A-Za-z][-_A-Za-z0-9]{{5,19}}|[0-9]{{5,11}})(?![-_A-Za-z0-9])",
    re.IGNORECASE,
)


def _account(text: str) -> str:
    return (text[:2] + STARS + text[-2:]) if len(text) >= 8 else (text[:1] + STARS)


_EMAIL_REPLACE = _whole(lambda local: local[:1] + "***")
_ACCOUNT_REPLACE = _whole(_account)
_ACCOUNT_CUE = re.compile(r"qq|扣扣|企鹅|q号|微信|vx|wx|weixin|wechat|v信|薇信|威信|维信", re.IGNORECASE)


def mask_contacts(text: str) -> str:
    """E-mail addresses, and QQ numbers and WeChat ids after their cue words."""
    folded = fold(text)
    if "@" in folded:
        text = _sub(_EMAIL, text, _EMAIL_REPLACE)
    if _ACCOUNT_CUE.search(folded):
        text = _sub(_QQ, text, _ACCOUNT_REPLACE)
        text = _sub(_WECHAT, text, _ACCOUNT_REPLACE)
    return text


# --- names ------------------------------------------------------------------------------------
# Common surnames: a name after a weak cue (找/叫/联系) or right before a phone number starts with one.
_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
    "姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施"
    "文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛"
    "曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏"
    "席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_COMPOUND_SURNAMES = _words(
    "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 轩辕 令狐 钟离 端木 独孤 南宫 西门 百里 呼延 "
    "申屠 澹台 公羊 赫连 拓跋 闻人 万俟 太史 司空"
)
# Ordinary words that start with a surname character: never a name.
_ORDINARY = _words(
    "金额 金币 金色 金卡 金属 金华 王者 王牌 李子 高度 高铁 高速 高兴 高端 方便 方式 方法 方面 方向 方案 常用 常规 常常 "
    "明天 明日 明早 明晚 明年 明白 明细 明显 白天 白色 白班 黄色 蓝色 米色 和我 和你 和他 和她 于是 向您 向你 安装 安排 "
    "安全 安心 安徽 齐全 全部 全新 全款 全国 全棉 时间 时候 时效 万一 万元 车上 车里 车牌 车费 车载 路上 路费 温度 温州 "
    "成功 成本 成都 成人 成交 江边 江苏 江西 江浙 商家 商品 商城 师傅 司机 管家 管理 华为 包邮 包装 包裹 包括 包含 单号 "
    "单价 单位 单独 单人 单件 任何 任意 文件 余额 余款 付款 付了 付费 费用 程度 关于 关注 关闭 周一 周二 周三 周四 周五 "
    "周六 周日 周末 周年 周边 马上 毛巾 石头 申请 申通 顾客 顾问 应该 应当 谢谢 何时 范围 吉林 宁波 宁夏 常州 苏州 苏宁 "
    "武汉 沙发 桑蚕 卫生 卫衣 连衣 连续 项目 季节 古董 房间 房子 凌晨 戴上 毕竟 童装 景区 康复 施工 牛仔 雷达 龙头 "
    "邮费 贺卡 顾及 蒙古 甘肃 尚未 柏林 曲线 简单 简直 解决 解释 查询 查看 查到 麻烦 迟到 池子 邢台 宫廷 和平 平安 "
    "许多 许可 董事 杜绝 程序 孔子 田园 毛重 左边 左右 史上 舒服 舒适 纪念 梅花 童年 符合 于是 余下 乔迁 庄园 林子 "
    "路由 游戏 骆驼 蓝牙 冷藏 冷冻 米饭 米粉 席子 宗旨 全额 应用 边上 边角 师兄 商量 沙滩 荣幸 郎君 甄选 仲裁 钱包 颜色 万能 车子 高档 高级 高清 白菜 金子 宁可 路线"
)
# A given name stops before one of these characters or words.
_BOUNDARY_CHARS = frozenset(
    "说讲问要的了是在与跟及或已想让给把被就也都还又再不没很请您你我他她它们吗呢吧啊哦嗯呀么这那"
    "处帮确核负对沟签退换发送拿取看办弄改查催接打去到收寄电手号地找叫过来色码件款，,。.、:：;；!！?？"
)
_BOUNDARY_WORDS = (
    "先生", "女士", "小姐", "师傅", "老师", "同学", "明天", "今天", "后天", "昨天", "已经", "电话", "手机",
    "号码", "地址", "联系", "处理", "本人", "家里", "那边", "这边", "一点", "一些", "一下", "一个",
)  # fmt: skip
_CJK = "\u4e00-\u9fff\u3400-\u4dbf·"
_STRONG_CUES = (
    "收件人|收货人|寄件人|发件人|签收人|提货人|取件人|联系人|持卡人|开户名|真实姓名|姓名|真名|本名|名字|户名"
)
_NAME_CUE = re.compile(
    rf"(?:(?P<strong>{_STRONG_CUES})|(?P<weak>联系|找|叫))[ \t:是为叫]*(?=(?P<run>[{_CJK}]+))"
)
# A masked number (ours): 138****5678, 0571-****4321, 6222********1234, 110***********123X.
_NAME_BEFORE_NUMBER = re.compile(rf"(?<![{_CJK}])(?P<run>[{_CJK}]{{2,}})(?=[ \t,:/、]*[0-9]{{2,4}}-?\*{{4}})")


def _name_length(run: str, *, surname_needed: bool) -> int:
    """How many characters at the start of ``run`` are a person's name (0: none)."""
    compound = run[:2] in _COMPOUND_SURNAMES
    if surname_needed and not compound and run[:1] not in _SURNAMES:
        return 0
    if run[:2] in _ORDINARY:
        return 0
    first_given = 2 if compound else 1
    length = min(len(run), first_given + 2)
    for index in range(first_given, length):
        if run[index] in _BOUNDARY_CHARS or run.startswith(_BOUNDARY_WORDS, index):
            length = index
            break
    if length <= first_given or run[:length] in _ORDINARY:
        return 0
    return length


def _hide_name(name: str) -> str:
    keep = 2 if name[:2] in _COMPOUND_SURNAMES else 1
    return name[:keep] + "*" * (len(name) - keep)


def _after_cue(match: re.Match[str]) -> tuple[int, int, str] | None:
    run = match.group("run")
    length = _name_length(run, surname_needed=match.group("weak") is not None)
    if not length:
        return None
    start = match.start("run")
    return start, start + length, _hide_name(run[:length])


def _before_number(match: re.Match[str]) -> tuple[int, int, str] | None:
    run = match.group("run")
    # The name is the end of the run: "买家王小明 138…" → 王小明, "客户张伟 138…" → 张伟.
    for length in (4, 3, 2):
        name = run[-length:]
        if len(name) == length and _name_length(name, surname_needed=True) == length:
            return match.end() - length, match.end(), _hide_name(name)
    return None


def mask_name(text: str) -> str:
    """Names after 收件人/姓名/联系人/找/叫/联系…, and a name right before a (masked) number."""
    text = _sub(_NAME_CUE, text, _after_cue)
    return _sub(_NAME_BEFORE_NUMBER, text, _before_number) if STARS in text else text


# --- addresses --------------------------------------------------------------------------------
# Addresses: a run of text (no punctuation) holding a house number plus an admin or street marker.
_RUN = re.compile(r"[\u4e00-\u9fffA-Za-z0-9０-９#＃\-－ 　()（）]+")
# A house number is a whole run of numerals (the look-behind and ``++``: one pass over a long run,
# never a retry from every digit inside it, which was quadratic on a 100,000-digit note).
_HOUSE = re.compile(
    r"(?<![0-9０-９一二三四五六七八九十百零〇])[0-9０-９一二三四五六七八九十百零〇]++\s*"
    r"(?:号楼|号|栋|幢|单元|室|弄|层|座|组)(?!线)"
)
_PLACE = re.compile(r"省|自治区|市|区|县|镇|乡|路|街|巷|胡同|村|小区|花园|公寓|大厦|苑")
_ADMIN = re.compile(r"(?:省|自治区|特别行政区|市|自治州|盟|区|县|旗)")
_STREET = re.compile(r"路|街|巷|弄|胡同|村|镇|乡|小区|花园|公寓|大厦|苑|[0-9０-９]")
_ADDRESS_KEYWORD = re.compile(r"(收货地址|详细地址|地址|住址)([\s:：是为]*)([^，,。；;！!？?\n]+)")


def _mask_address_part(part: str, *, after_keyword: bool) -> str:
    """Keep the part up to the last province/city/district before the street; mask the rest.

    Free text needs a house number and a place word to count as an address; after
    地址/住址 one of them is enough.
    """
    house, place = bool(_HOUSE.search(part)), bool(_PLACE.search(part))
    if not ((house or place) if after_keyword else (house and place)):
        return part
    street = _STREET.search(part)
    head = part[: street.start()] if street else part
    admin_end = 0
    for match in _ADMIN.finditer(head):
        admin_end = match.end()
    if admin_end == len(part):
        return part
    return part[:admin_end] + STARS


def mask_address(text: str) -> str:
    text = _ADDRESS_KEYWORD.sub(
        lambda m: m.group(1) + m.group(2) + _mask_address_part(m.group(3), after_keyword=True), text
    )
    return _RUN.sub(
        lambda m: (
            _mask_address_part(m.group(0), after_keyword=False) if STARS not in m.group(0) else m.group(0)
        ),
        text,
    )


# --- everything -------------------------------------------------------------------------------
# "订单号 1381234567890" in free text is an order id, not a phone number: kept whole.
_ORDER_MENTION = re.compile(
    r"(?:订单编号|订单号|订单|运单号|快递单号|物流单号|单号|(?<![A-Za-z])order(?:[ \t]*(?:no|id|number))?)"
    r"[ \t:#是为.]*[A-Za-z0-9-]{6,}",
    re.IGNORECASE,
)
_SEVEN_DIGITS = re.compile(r"[0-9](?:[^0-9]{0,8}[0-9]){6}")


def _mask_piece(text: str) -> str:
    if _SEVEN_DIGITS.search(fold(text)):  # every number masked here has at least 7 digits
        text = mask_phone(mask_ids(text))
    return mask_address(mask_name(mask_contacts(text)))


def mask_text(text: str) -> str:
    """Mask personal information inside one piece of text (see the module's docstring)."""
    if not text:
        return text
    pieces, last = [], 0
    for match in _ORDER_MENTION.finditer(fold(text)):
        pieces += [_mask_piece(text[last : match.start()]), text[match.start() : match.end()]]
        last = match.end()
    pieces.append(_mask_piece(text[last:]))
    return "".join(pieces)


# Keys whose values are never personal information (order ids stay whole).
KEEP_KEYS = frozenset(
    {
        "id",
        "kind",
        "at",
        "order",
        "orders",
        "amount",
        "outcome",
        "reason",
        "followup",
        "due",
        "last_at",
        "created_at",
        "updated_at",
        "flag",
        "severity",
        "major",
        "count",
        "share",
        "score",
        "start",
        "end",
        "agent",
        "action",
        "checklist",
    }
)


def mask_data(data: Any, *, keep: frozenset[str] = KEEP_KEYS) -> Any:
    """A copy of ``data`` (dicts, lists, strings) with every free-text string masked."""
    if isinstance(data, str):
        return mask_text(data)
    if isinstance(data, dict):
        return {key: value if key in keep else mask_data(value, keep=keep) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return [mask_data(item, keep=keep) for item in data]
    return data
