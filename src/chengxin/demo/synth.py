"""Pure generators of synthetic identities: IDs over real county codes, plausible names."""

from __future__ import annotations

import hashlib
import random
from datetime import date, timedelta

from chengxin.identity.rules import citizen_id_check_char, known_region_codes, uscc_check_char

# Common surnames, most frequent first (weights fall off like the real distribution).
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
)
COMPOUND = ("欧阳", "司马", "上官", "诸葛", "东方")
GIVEN_MALE = "伟强磊军洋勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆帅旭宁龙林欣博文志建国晨阳"
GIVEN_FEMALE = "芳娜敏静丽艳娟霞秀玲桂英华红燕萍梅莉兰琳雪倩婷颖慧琪悦欣月佳雨晴思怡嘉妍"
ORG_WORDS = ("华信", "恒达", "鑫源", "金穗", "宏远", "同创", "瑞丰", "安泰", "新晟", "惠民",
             "长青", "博雅", "联华", "锦程", "和顺", "正泰", "富康", "天成", "润泽", "明德")
ORG_TRADES = ("食品有限公司", "建筑工程有限公司", "商贸有限公司", "餐饮管理有限公司",
              "物流有限公司", "医药连锁有限公司", "旅行社有限公司", "教育咨询有限公司",
              "机动车驾驶员培训有限公司", "劳务派遣有限公司", "环保科技有限公司")
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def counties(rng: random.Random, how_many: int = 60) -> list[str]:
    """A stable sample of real county-level codes to spread people over."""
    codes = sorted(c for c in known_region_codes() if not c.endswith("00") and c[:2] < "71")
    return rng.sample(codes, min(how_many, len(codes)))


def citizen_id(county: str, birth: date, sequence: int) -> str:
    """A checksum-valid 18-digit number; the sequence's parity encodes the sex."""
    first17 = f"{county}{birth:%Y%m%d}{sequence:03d}"
    return first17 + citizen_id_check_char(first17)


def person_name(rng: random.Random, sex: str) -> str:
    surname = rng.choice(COMPOUND) if rng.random() < 0.01 else SURNAMES[
        min(int(rng.expovariate(1 / 18)), len(SURNAMES) - 1)]
    pool = GIVEN_MALE if sex == "male" else GIVEN_FEMALE
    given = rng.choice(pool) + (rng.choice(pool) if rng.random() < 0.7 else "")
    return surname + given


def registered_name(number: str) -> str:
    """The name the demo population registry (演示户籍库) holds for a citizen ID number: derived from
    the number alone, so the demo generator and the demo registry agree without sharing any state."""
    sex = "male" if int(number[16]) % 2 else "female"
    return person_name(random.Random(hashlib.sha256(b"chengxin-demo-registry:" + number.encode()).digest()), sex)


def birth_date(rng: random.Random, today: date) -> date:
    """Adult-heavy ages (18-80), with about 4 % minors."""
    years = rng.uniform(8, 17.9) if rng.random() < 0.04 else rng.triangular(18, 80, 38)
    return today - timedelta(days=int(years * 365.25))


def synthetic_person(rng: random.Random, county_pool: list[str], today: date,
                     used: set[str]) -> tuple[str, str, str, date]:
    """(citizen id, name, sex, birth date), unique within `used`; the name is the one the demo
    population registry holds for the number (`registered_name`)."""
    while True:
        sex = "male" if rng.random() < 0.51 else "female"
        born = birth_date(rng, today)
        seq = rng.randrange(0, 500) * 2 + (1 if sex == "male" else 0)
        number = citizen_id(rng.choice(county_pool), born, seq)
        if number not in used:
            used.add(number)
            return number, registered_name(number), sex, born


def uscc(rng: random.Random, county: str) -> str:
    """A checksum-valid USCC of a company (登记管理部门 9, 类别 1) in a county."""
    body = "91" + county + "".join(rng.choice(USCC_CHARS) for _ in range(9))
    return body + uscc_check_char(body)


def org_name(rng: random.Random, city: str) -> str:
    return city + rng.choice(ORG_WORDS) + rng.choice(ORG_TRADES)
