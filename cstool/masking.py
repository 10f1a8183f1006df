"""Masking personal information (phones, addresses, names) in everything cstool prints, exports or learns.

Phone numbers (mobiles, also written with spaces or dashes, and landlines),
detailed addresses and real names are masked wherever they appear, also in
free text. Order ids, entry ids and times are kept whole: ``mask_data`` skips
those keys, a number written right after 订单/订单号/单号 in free text is left
alone, and a phone number is only a digit run of its own (never a piece of a
longer order number).
"""

from __future__ import annotations

import re
from typing import Any

STARS = "****"

_MOBILE = re.compile(r"(?<![\d*])(?:\+?86[\s-]?)?(1[3-9]\d)(?:[\s-]?(\d{4})){2}(?![\d*])")
_MOBILE_TAIL = re.compile(r"(\d{4})(?!.*\d{4})")
_LANDLINE = re.compile(
    r"(?<![\d*])[(（]?(0\d{2,3})[)）]?[\s-]?(\d{3,4})[\s-]?(\d{4})(?:[-转]\d{1,5})?(?![\d*])"
)

# Common surnames, so "张伟 13812345678" is recognised as a name next to a phone number.
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
    "姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施"
    "文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛"
    "曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏"
    "席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
)
_NAME_KEYWORD = re.compile(
    r"(收件人|收货人|真实姓名|姓名|联系人|真名|本名)([\s:：是为]*)([\u4e00-\u9fff·]{2,4})"
)
_NAME_BEFORE_PHONE = re.compile(
    rf"(?<![\u4e00-\u9fff])([{_SURNAMES}][\u4e00-\u9fff]{{1,2}})(?=[\s,，:：/、]*(?:\+?86[\s-]?)?1[3-9]\d)"
)

# Addresses: a run of text (no punctuation) holding a house number plus an admin or street marker.
_RUN = re.compile(r"[\u4e00-\u9fffA-Za-z0-9０-９#＃\-－ 　()（）]+")
_HOUSE = re.compile(r"[0-9０-９一二三四五六七八九十百零〇]+\s*(?:号楼|号|栋|幢|单元|室|弄|层|座|组)(?!线)")
_PLACE = re.compile(r"省|自治区|市|区|县|镇|乡|路|街|巷|胡同|村|小区|花园|公寓|大厦|苑")
_ADMIN = re.compile(r"(?:省|自治区|特别行政区|市|自治州|盟|区|县|旗)")
_STREET = re.compile(r"路|街|巷|弄|胡同|村|镇|乡|小区|花园|公寓|大厦|苑|[0-9０-９]")
_ADDRESS_KEYWORD = re.compile(r"(收货地址|详细地址|地址|住址)([\s:：是为]*)([^，,。；;！!？?\n]+)")


def mask_phone(text: str) -> str:
    def mobile(match: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", match.group(0))[-11:]
        return f"{digits[:3]}{STARS}{digits[-4:]}"

    def landline(match: re.Match[str]) -> str:
        return f"{match.group(1)}-{STARS}{match.group(3)}"

    return _LANDLINE.sub(landline, _MOBILE.sub(mobile, text))


def mask_name(text: str) -> str:
    def keep_surname(name: str) -> str:
        return name[0] + "*" * (len(name) - 1)

    text = _NAME_KEYWORD.sub(lambda m: m.group(1) + m.group(2) + keep_surname(m.group(3)), text)
    return _NAME_BEFORE_PHONE.sub(lambda m: keep_surname(m.group(1)), text)


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


# "订单号 1381234567890" in free text is an order id, not a phone number: kept whole.
_ORDER_MENTION = re.compile(
    r"(?:订单号|订单编号|订单|单号|order)[\s:：#＃是为]*[A-Za-z0-9-]{6,}", re.IGNORECASE
)


def _mask_piece(text: str) -> str:
    return mask_address(mask_phone(mask_name(text)))


def mask_text(text: str) -> str:
    """Mask names, phone numbers and addresses inside one piece of text."""
    if not text:
        return text
    pieces, last = [], 0
    for match in _ORDER_MENTION.finditer(text):
        pieces += [_mask_piece(text[last : match.start()]), match.group(0)]
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
        "amount",
        "outcome",
        "reason",
        "followup",
        "created_at",
        "updated_at",
        "flag",
        "severity",
        "major",
        "via",
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
