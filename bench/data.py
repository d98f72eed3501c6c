"""Synthetic input: valid citizen IDs, and a department's CSV export of penalty records.

Everything is synthetic (chengxin.demo.synth): checksum-valid numbers over real county
codes that belong to nobody. The CSV looks like a market regulator's export: Chinese
label headers, mostly 行政处罚信息 (XZCF-01) with some 简易程序行政处罚信息 (XZCF-02)
in the same file, about three records per person, so that persons are both created
and reused (within a chunk and across chunks).
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from chengxin.demo import synth
from chengxin.identity.rules import known_region_codes

HEADERS = [
    "目录项编码", "证件类型", "证件号码", "姓名", "源记录编号", "决定日期",
    # XZCF-01 行政处罚信息
    "行政处罚决定书文号", "违法行为类型", "违法事实", "处罚类别", "罚款金额（万元）", "处罚依据", "处罚机关",
    # XZCF-02 简易程序行政处罚信息 (违法行为类型, 处罚类别, 处罚机关 are shared labels)
    "当场处罚决定书编号", "罚款金额（元）",
]
SIMPLE_SHARE = 0.10  # rows of XZCF-02
VIOLATIONS = ("未按规定公示食品经营许可", "无证从事经营活动", "虚假宣传", "超范围经营",
              "销售过期食品", "未明码标价", "占道经营", "违规收费")
FACTS = ("经查，当事人在经营活动中存在上述违法行为，事实清楚，证据确凿。",
         "当事人于日常检查中被发现违反有关规定，经责令整改后仍未改正。",
         "经群众举报并现场核查，当事人存在上述违法行为，有现场笔录和询问笔录为证。")
PENALTIES = ("警告", "罚款", "罚款", "罚款", "没收违法所得", "通报批评")
BASES = ("《中华人民共和国行政处罚法》第二十八条", "《中华人民共和国食品安全法》第一百二十二条",
         "《中华人民共和国广告法》第五十五条", "《中华人民共和国价格法》第四十二条")
AUTHORITY = "市市场监督管理局"
ID_LABELS = ("居民身份证", "居民身份证", "居民身份证", "身份证")


@dataclass
class Person:
    number: str
    name: str


def citizen_ids(n: int, seed: int, accept=None) -> list[str]:
    """`n` distinct valid citizen IDs over real county codes (optionally also passing `accept`)."""
    rng = random.Random(seed)
    pool = sorted(c for c in known_region_codes() if not c.endswith("00") and c[:2] < "71")
    pool = rng.sample(pool, min(400, len(pool)))
    start = date(1945, 1, 1)
    span = (date(2006, 12, 31) - start).days
    seen: set[str] = set()
    out: list[str] = []
    while len(out) < n:
        number = synth.citizen_id(rng.choice(pool), start + timedelta(days=rng.randrange(span)),
                                  rng.randrange(1000))
        if number in seen or (accept is not None and not accept(number)):
            continue
        seen.add(number)
        out.append(number)
    return out


def persons(n: int, seed: int) -> list[Person]:
    rng = random.Random(seed + 1)
    out = []
    for number in citizen_ids(n, seed):
        sex = "male" if int(number[16]) % 2 else "female"
        out.append(Person(number, synth.person_name(rng, sex)))
    return out


def write_penalty_csv(path: Path, records: int, seed: int, today: date, first_serial: int = 1) -> dict[str, int]:
    """Write `records` rows for `records // 3` persons; returns what was written. The same seed
    gives the same persons; another `first_serial` gives them records with other numbers."""
    rng = random.Random(seed)
    people = persons(max(1, records // 3), seed)
    order = [i % len(people) for i in range(records)]
    rng.shuffle(order)
    simple = 0
    with path.open("w", newline="", encoding="utf-8-sig") as fh:
        out = csv.writer(fh)
        out.writerow(HEADERS)
        for serial, who in enumerate(order, first_serial):
            person = people[who]
            decided = today - timedelta(days=rng.randrange(1, 5 * 365))
            head = [None, rng.choice(ID_LABELS), person.number, person.name,
                    f"SCJG-{decided.year}-{serial:09d}", decided.isoformat()]
            if rng.random() < SIMPLE_SHARE:
                simple += 1
                kind = rng.choice(("警告", "罚款"))
                head[0] = "XZCF-02"
                out.writerow([*head, "", rng.choice(VIOLATIONS), "", kind, "", "", AUTHORITY,
                              f"{decided.year}{serial:010d}",
                              f"{rng.randrange(50, 2000)}" if kind == "罚款" else ""])
            else:
                kind = rng.choice(PENALTIES)
                head[0] = "XZCF-01"
                out.writerow([*head, f"市监罚〔{decided.year}〕{serial}号", rng.choice(VIOLATIONS),
                              rng.choice(FACTS), kind,
                              f"{rng.uniform(0.05, 20):.2f}" if kind == "罚款" else "",
                              rng.choice(BASES), AUTHORITY, "", ""])
    return {"records": records, "persons": len(people), "simple": simple}
