"""Generate N marketplace listings with realistic Chinese titles, abstracts and IPC symbols.

`python -m bench.generate 100000` fills the benchmark database (`bench.db`) up to N listings in
the city `bench`, plus sellers, a buyer with an API token and buy requests to match. Rows go in
with COPY, pre-tokenised exactly as the services do it (the tokeniser caches repeated phrases),
with row-history triggers and the GIN indexes off during the load and rebuilt after it.
"""

from __future__ import annotations

import datetime
import sys
import time

KINDS, KIND_WEIGHTS = ["invention", "utility_model", "design"], [60, 35, 5]
MODIFIERS = [
    "",
    "",
    "高效",
    "低成本",
    "轻量化",
    "智能",
    "模块化",
    "高可靠",
    "节能型",
    "便携式",
    "自适应",
    "一体化",
]
EXTRA_SUBJECTS = {
    "it": (
        [
            "集成电路封装结构",
            "芯片散热模组",
            "印制电路板钻孔工艺",
            "5G基站天线",
            "物联网网关",
            "边缘计算服务器",
        ],
        ["H01L 23/31", "H01L 23/367", "H05K 3/00", "H01Q 1/24", "H04L 67/12", "G06F 9/50"],
    ),
    "smart_manufacturing": (
        ["工业机器人末端执行器", "数控机床主轴", "激光焊接装置", "视觉引导装配系统"],
        ["B25J 15/00", "B23Q 5/10", "B23K 26/21", "B23P 19/00"],
    ),
}
BUY_TITLES = [
    "求购动力电池热管理技术",
    "芯片封装 散热",
    "无人机 避障",
    "石墨烯导热膜",
    "求购海水淡化膜组件",
    "轨道车辆制动控制",
    "智能冰箱 食材识别",
    "低滚阻轮胎胶料",
    "单抗 肿瘤",
    "工业缺陷视觉检测",
    "BMS 均衡电路",
    "充电桩控制",
    "稀土永磁材料",
    "海洋浮标监测",
    "变频空调控制",
]


def _corpus():
    from ipops.demo_data import INDUSTRY_CORPUS

    corpus = {k: (v["subjects"], v["ipc"], v["uses"]) for k, v in INDUSTRY_CORPUS.items()}
    for k, (subjects, ipc) in EXTRA_SUBJECTS.items():
        corpus[k] = (subjects, ipc, ["电子信息", "智能制造", "数据中心", "通信设备"])
    return corpus


def _setup_city():
    from ipops.demo_data import make_uscc
    from ipops.models import City, Membership, Organization, OrgKind, User
    from ipops.security.tokens import issue_token
    from ipops.tenancy import city_scope

    city, _ = City.objects.get_or_create(
        slug="bench",
        defaults=dict(
            name_zh="基准",
            name_en="Bench",
            province_zh="山东省",
            province_en="Shandong",
            plan_start_year=2024,
        ),
    )
    with city_scope(city):
        sellers = []
        for i in range(200):
            name = f"基准测试卖方企业{i:03d}"
            org, _ = Organization.objects.get_or_create(
                uscc=make_uscc("bench", name), defaults=dict(city=city, name=name, kind=OrgKind.ENTERPRISE)
            )
            sellers.append(org.pk)
        buyer_org, _ = Organization.objects.get_or_create(
            uscc=make_uscc("bench", "基准测试买方"),
            defaults=dict(city=city, name="基准测试买方", kind=OrgKind.ENTERPRISE),
        )
        user, _ = User.objects.get_or_create(username="bench.buyer")
        Membership.objects.get_or_create(user=user, city=city, defaults=dict(organization=buyer_org))
        key = issue_token(user)  # a new token per run (ipops.security: tokens end after 12 h unused)
    return city, sellers, buyer_org, key


def _buy_requests(city, buyer_org):
    from ipops.access import Actor
    from ipops.models import Membership
    from ipops.tenancy import city_scope
    from trading import services
    from trading.models import BuyRequest

    with city_scope(city):
        if BuyRequest.objects.filter(buyer=buyer_org).count() >= len(BUY_TITLES):
            return list(BuyRequest.objects.filter(buyer=buyer_org).values_list("pk", flat=True))
        me = Actor(user=None, city=city, membership=Membership(organization=buyer_org, city=city))
        ids = []
        ipcs = [
            "H01M 10/613",
            "H01L 23/31",
            "G05D 1/10",
            "C08K 3/04",
            "B01D 61/02",
            "B60T 13/66",
            "F25D 29/00",
            "C08L 9/06",
            "A61K 31/506",
            "G06T 7/00",
            "H02J 7/00",
            "B60L 53/60",
            "H01F 1/057",
            "G01C 13/00",
            "F24F 11/64",
        ]
        for title, ipc in zip(BUY_TITLES, ipcs, strict=True):
            br = services.buy_request_create(actor=me, title=title, ipc_codes=[ipc], budget_max="2000000")
            ids.append(br.pk)
        return ids


def _store_matches(city, br_ids: list[int], *, log=print) -> None:
    """What the nightly `match_refresh` job does: compute and store each buy request's matches."""
    from ipops.tenancy import city_scope
    from trading import services

    started = time.monotonic()
    with city_scope(city):
        for pk in br_ids:
            services.buy_request_matches_refresh(buy_request_id=pk)
    log(f"  stored matches of {len(br_ids)} buy requests in {time.monotonic() - started:.1f}s")


def generate(n: int, *, log=print) -> dict:
    from django.db import connection

    from trading.rules import text

    city, sellers, buyer_org, token = _setup_city()
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM trading_listing WHERE city_id = %s", [city.pk])
        have = cur.fetchone()[0]
    if have < n:
        _load(city, sellers, have, n, log=log)
    br_ids = _buy_requests(city, buyer_org)
    _store_matches(city, br_ids, log=log)
    return {
        "city": city.slug,
        "token": token,
        "buy_requests": br_ids,
        "listings": max(have, n),
        "tokeniser_cache": text._terms.cache_info()._asdict(),
    }


def _load(city, sellers, start: int, n: int, *, log=print) -> None:
    import random

    from django.db import connection
    from django.utils import timezone

    from trading import rules

    rnd = random.Random(20261101 + start)
    corpus = _corpus()
    industries = list(corpus)
    forms = [
        "一种{m}{s}",
        "一种{m}{s}及其制备方法",
        "{m}{s}及其应用",
        "一种用于{u}的{m}{s}",
        "{m}{s}的制造方法",
        "一种改进的{m}{s}",
    ]
    abstract = (
        "本发明公开了{t}，涉及{u}技术领域。该{s}通过优化结构与工艺参数，解决了现有技术中效率低、成本高、"
        "可靠性差的问题，具有性能稳定、易于产业化的优点，可广泛应用于{u}。"
    )
    deal_types = ["assignment"] * 5 + ["non_exclusive_licence"] * 3 + ["exclusive_licence", "sole_licence"]
    statuses = ["published"] * 18 + ["negotiating", "sold"]
    now = timezone.now()
    started = time.monotonic()
    with connection.cursor() as cur:
        cur.execute("ALTER TABLE trading_listing DISABLE TRIGGER USER")
        # GIN indexes are far faster built once than maintained row by row: drop them, recreate them as
        # the migrations defined them.
        cur.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'trading_listing' "
            "AND indexdef LIKE '%USING gin%'"
        )
        gin_indexes = cur.fetchall()
        for name, _definition in gin_indexes:
            cur.execute(f'DROP INDEX "{name}"')
        columns = (
            "city_id, reference, seller_id, title, description, keywords, deal_type, asking_price, negotiable, "
            "industry, ipc_codes, asset_kinds, region, visibility, status, published_at, created_at, "
            "updated_at, title_terms, body_terms, ipc_prefixes"
        )
        batch = 50_000
        for lo in range(start, n, batch):
            hi = min(n, lo + batch)
            with cur.copy(f"COPY trading_listing ({columns}) FROM STDIN") as copy:
                for i in range(lo, hi):
                    industry = industries[i % len(industries)]
                    subjects, ipcs, uses = corpus[industry]
                    k = rnd.randrange(len(subjects))
                    use = rnd.choice(uses)
                    title = rnd.choice(forms).format(m=rnd.choice(MODIFIERS), s=subjects[k], u=use)
                    text = abstract.format(t=title, s=subjects[k], u=use)
                    ipc = [ipcs[k]] + ([ipcs[rnd.randrange(len(ipcs))]] if rnd.random() < 0.3 else [])
                    ipc = list(dict.fromkeys(ipc))
                    published = now - datetime.timedelta(minutes=rnd.randrange(60 * 24 * 1000))
                    price = None if rnd.random() < 0.15 else rnd.randrange(5, 500) * 10000
                    copy.write_row(
                        (
                            city.pk,
                            f"B{i:08d}",
                            sellers[i % len(sellers)],
                            title,
                            text,
                            "",
                            rnd.choice(deal_types),
                            price,
                            price is None,
                            industry if industry in rules_industries() else "other",
                            ipc,
                            [rnd.choices(KINDS, KIND_WEIGHTS)[0]],
                            "基准区",
                            "national" if i % 3 == 0 else "city",
                            rnd.choice(statuses),
                            published,
                            published,
                            published,
                            " ".join(rules.terms(title)),
                            " ".join(t for t in rules.terms(text)),
                            rules.ipc_prefixes(ipc),
                        )
                    )
            log(f"  {hi:,} listings ({time.monotonic() - started:.0f}s)")
        log("  building GIN indexes …")
        for _name, definition in gin_indexes:
            cur.execute(definition)
        cur.execute("ALTER TABLE trading_listing ENABLE TRIGGER USER")
        # VACUUM too: index-only scans need the visibility map, which autovacuum would set in time.
        cur.execute("VACUUM (ANALYZE) trading_listing")
    log(f"  loaded in {time.monotonic() - started:.0f}s")


def rules_industries() -> set[str]:
    from ipops.models import Industry

    return set(Industry.values)


def main(argv=None) -> None:
    from bench import db

    n = int((argv or sys.argv[1:] or ["100000"])[0])
    db.setup_django(db.ensure_database())
    print(generate(n))


if __name__ == "__main__":
    main()
