"""Demo marketplace for one city: hundreds of listings and buy requests across Qingdao's key
industries, live negotiations, deals completed over the last three years, operations centres.

Idempotent (a city that has demo listings is left alone) and deterministic (one generator
seeded from the city's slug, a fixed "today"). Volume is bulk-inserted with the same search
columns the services compute; the deals that change the registry go through the services, so
ownership, licences and holds are exactly what real use would leave.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from ipops.access import Actor
from ipops.demo_data import (
    INDUSTRY_CORPUS,
    city_serial,
    make_patent_number,
    make_title,
    make_uscc,
    patent_numbers_taken,
    rng_for,
)
from ipops.models import City, IPAsset, Membership, Organization, OrgKind

from . import services
from .models import (
    BuyRequest,
    BuyRequestStatus,
    CentreKind,
    CentreMembership,
    DealType,
    Listing,
    ListingAsset,
    ListingStatus,
    OperationsCentre,
    Visibility,
)

TODAY = datetime.date(2026, 11, 1)
LISTINGS_PER_CITY = 300
BUY_REQUESTS_PER_CITY = 160
COMPLETED_DEALS = 27
OPEN_NEGOTIATIONS = 8

_COMPANY_WORDS = [
    "华科",
    "海创",
    "瑞丰",
    "博远",
    "中科",
    "恒信",
    "鼎新",
    "泰和",
    "睿驰",
    "金桥",
    "宏图",
    "远航",
    "立方",
    "启明",
    "浩海",
    "众诚",
    "同辉",
    "凯达",
    "天润",
    "新锐",
]
_INDUSTRY_WORDS = {
    "new_materials": "新材料科技",
    "marine": "海洋科技",
    "rail_transit": "轨道装备",
    "smart_appliances": "智能家电",
    "chemicals_rubber": "橡胶化工",
    "biomedicine": "生物医药",
    "ai": "人工智能",
    "nev": "新能源汽车技术",
}
_BR_FORMS = [
    "求购{s}相关专利",
    "寻求{s}技术转让",
    "{s}专利许可需求",
    "征集用于{u}的{s}技术",
    "求购{u}领域{s}",
]
_SYNONYM_SWAPS = [
    ("无人机", "无人驾驶航空器"),
    ("电池管理系统", "BMS"),
    ("电动汽车", "电动车"),
    ("冰箱", "电冰箱"),
    ("空调", "空调器"),
    ("单克隆抗体", "单抗"),
    ("动车组", "高速列车"),
    ("深度学习", "深度神经网络"),
]
_REGIONS = {
    "qingdao": ["市南区", "崂山区", "黄岛区", "城阳区", "即墨区"],
    "jinan": ["历下区", "高新区", "槐荫区", "章丘区"],
    "zhengzhou": ["金水区", "高新区", "郑东新区", "中原区"],
}


def _dt(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10, 0)))


def _actor(city: City, org: Organization) -> Actor:
    """Acting for a demo organisation (no person needed: the audit trail shows no user)."""
    return Actor(user=None, city=city, membership=Membership(organization=org, city=city))  # type: ignore[arg-type]


def _orgs(city: City, rnd) -> tuple[list[Organization], dict[str, Organization], dict[int, str]]:
    """The demo's extra companies, the organisations the demo logins act for (by role), and each extra
    company's industry (its patents are drawn from that industry's corpus)."""
    names = []
    for i, industry in enumerate(_INDUSTRY_WORDS):
        for j in range(3):
            word = _COMPANY_WORDS[(i * 3 + j) % len(_COMPANY_WORDS)]
            names.append(
                (f"{city.name_zh}{word}{_INDUSTRY_WORDS[industry]}有限公司", OrgKind.ENTERPRISE, industry)
            )
    names.append((f"{city.name_zh}科技大学", OrgKind.UNIVERSITY, "new_materials"))
    names.append((f"{city.name_zh}产业知识产权运营中心", OrgKind.SERVICE, "other"))
    Organization.objects.bulk_create(
        [
            Organization(
                city=city, name=n, kind=k, uscc=make_uscc(city.slug, n), is_tech_sme=rnd.random() < 0.6
            )
            for n, k, _i in names
        ],
        ignore_conflicts=True,
    )
    by_name = {o.name: o for o in Organization.objects.filter(name__in=[n for n, _k, _i in names])}
    extra = [by_name[n] for n, _k, _i in names[:-2]]
    industry_of = {org.pk: industry for org, (_n, _k, industry) in zip(extra, names, strict=False)}
    core = {
        m.user.username.split(".", 1)[1]: m.organization
        for m in Membership.objects.filter(city=city).select_related("organization", "user")
    }
    institute = Organization.objects.filter(kind=OrgKind.INSTITUTE).order_by("pk").first()
    if institute is not None:
        core["institute"] = institute
    core["tech_university"] = by_name[names[-2][0]]
    core["industry_centre"] = by_name[names[-1][0]]
    return extra, core, industry_of


def _assets(
    city: City, owners: list[Organization], n: int, rnd, industry_of: dict[int, str]
) -> list[IPAsset]:
    existing = patent_numbers_taken()
    new = []
    for i in range(n):
        owner = owners[i % len(owners)]
        industry = industry_of.get(owner.pk) or rnd.choice(list(INDUSTRY_CORPUS))
        kind = "invention" if rnd.random() < 0.75 else "utility_model"
        filing = TODAY - datetime.timedelta(days=rnd.randint(700, 365 * 9))
        number = make_patent_number(
            filing,
            "1" if kind == "invention" else "2",
            city_serial(city.slug, 200_000 + i * 7 + rnd.randrange(7)),
        )
        if number in existing:
            continue
        existing.add(number)
        title, abstract, ipc = make_title(rnd, industry)
        if rnd.random() < 0.25:
            a, b = rnd.choice(_SYNONYM_SWAPS)
            title = title.replace(a, b)
        new.append(
            IPAsset(
                city=city,
                owner=owner,
                kind=kind,
                number=number,
                title=title,
                abstract=abstract,
                ipc_codes=ipc,
                filing_date=filing,
                grant_date=filing + datetime.timedelta(days=400),
                legal_status="in_force",
                is_pct=kind == "invention" and rnd.random() < 0.15,
                industry=industry,
            )
        )
    IPAsset.objects.bulk_create(new)
    return new


def _bulk_listings(city: City, assets: list[IPAsset], rnd, start: int) -> list[Listing]:
    regions = _REGIONS.get(city.slug, ["市区"])
    listings, links = [], []
    statuses = [ListingStatus.PUBLISHED] * 16 + [
        ListingStatus.DRAFT,
        ListingStatus.WITHDRAWN,
        ListingStatus.EXPIRED,
    ]
    deal_types = (
        [DealType.ASSIGNMENT] * 5
        + [DealType.NON_EXCLUSIVE_LICENCE] * 3
        + [DealType.EXCLUSIVE_LICENCE] * 2
        + [DealType.SOLE_LICENCE]
    )
    for i, asset in enumerate(assets):
        status = rnd.choice(statuses)
        published = _dt(TODAY - datetime.timedelta(days=rnd.randint(5, 1000)))
        price = None if rnd.random() < 0.15 else Decimal(rnd.randrange(5, 300) * 10000)
        listing = Listing(
            city=city,
            seller_id=asset.owner_id,
            reference=f"GP{published:%Y}{city.pk:02d}{start + i:05d}",
            title=asset.title,
            description=f"{asset.abstract}可提供技术指导与后续服务。",
            deal_type=rnd.choice(deal_types),
            asking_price=price,
            negotiable=price is None or rnd.random() < 0.3,
            industry=asset.industry,
            ipc_codes=asset.ipc_codes,
            region=rnd.choice(regions),
            visibility=Visibility.NATIONAL if rnd.random() < 0.4 else Visibility.CITY,
            status=status,
            published_at=None if status == ListingStatus.DRAFT else published,
            closed_at=published + datetime.timedelta(days=90)
            if status in (ListingStatus.WITHDRAWN, ListingStatus.EXPIRED)
            else None,
            expires_on=(published + datetime.timedelta(days=365)).date() if rnd.random() < 0.3 else None,
        )
        services.listing_search_fields(listing, [asset])
        listings.append(listing)
    Listing.objects.bulk_create(listings)
    for listing, asset in zip(listings, assets, strict=True):
        links.append(ListingAsset(city=city, listing=listing, asset=asset))
    ListingAsset.objects.bulk_create(links)
    return listings


def _bulk_buy_requests(city: City, buyers: list[Organization], rnd, n: int, *, open_first: int = 0) -> None:
    rows = []
    industries = list(INDUSTRY_CORPUS)
    for i in range(n):
        industry = industries[i % len(industries)]
        corpus = INDUSTRY_CORPUS[industry]
        k = rnd.randrange(len(corpus["subjects"]))
        subject = corpus["subjects"][k].replace("一种", "")
        for a, b in _SYNONYM_SWAPS:
            if a in subject and rnd.random() < 0.5:
                subject = subject.replace(a, b)
        title = rnd.choice(_BR_FORMS).format(s=subject, u=rnd.choice(corpus["uses"]))
        low = Decimal(rnd.randrange(5, 100) * 10000)
        br = BuyRequest(
            city=city,
            buyer=buyers[i % len(buyers)],
            title=title,
            keywords=rnd.choice(corpus["uses"]),
            description=f"我单位从事{rnd.choice(corpus['uses'])}相关业务，希望引进成熟技术并实现产业化。",
            ipc_codes=[corpus["ipc"][k]] if rnd.random() < 0.6 else [],
            industry=industry,
            budget_min=low if rnd.random() < 0.5 else None,
            budget_max=low * rnd.choice([2, 3, 5]),
            deal_types=rnd.choice(
                [[], ["assignment"], ["exclusive_licence", "assignment"], ["non_exclusive_licence"]]
            ),
            region=rnd.choice(_REGIONS.get(city.slug, ["市区"])),
            status=rnd.choice(["open"] * 8 + ["closed", "fulfilled"]) if i >= open_first else "open",
        )
        services.buy_request_search_fields(br)
        rows.append(br)
    created = BuyRequest.objects.bulk_create(rows)
    for br in created:
        br.created_at = _dt(TODAY - datetime.timedelta(days=rnd.randint(1, 900)))
    BuyRequest.objects.bulk_update(created, ["created_at"])


def _deal(city, seller, buyer, asset, deal_type, price: Decimal, when: datetime.date, rnd, *, complete: bool):
    listing = services.listing_create(
        actor=_actor(city, seller),
        asset_ids=[asset.pk],
        deal_type=deal_type,
        asking_price=price,
        publish=True,
        visibility=Visibility.CITY,
    )
    offer = services.offer_make(
        actor=_actor(city, buyer),
        listing=listing,
        price=price * Decimal("0.85"),
        message="贵方专利与我司产品契合，希望进一步洽谈。",
        licence_years=5 if deal_type != DealType.ASSIGNMENT else None,
    )
    counter = services.offer_counter(
        actor=_actor(city, seller), offer=offer, price=price * Decimal("0.95"), message="可附带一年技术服务。"
    )
    if not complete:
        Listing.objects.filter(pk=listing.pk).update(published_at=_dt(when))
        return None
    tx = services.offer_accept(actor=_actor(city, buyer), offer=counter)
    services.transaction_record_contract(
        actor=_actor(city, seller),
        transaction=tx,
        contract_ref=f"JS{when:%Y}-{city.slug[:2].upper()}-{tx.pk:05d}",
        signed_on=when,
    )
    services.transaction_pay(actor=_actor(city, buyer), transaction=tx)
    services.transaction_complete(
        actor=_actor(city, seller),
        transaction=tx,
        recordal_number=f"{when:%Y}{rnd.randrange(10**9, 10**10)}",
        licence_starts_on=when if deal_type != DealType.ASSIGNMENT else None,
    )
    done = _dt(when + datetime.timedelta(days=rnd.randint(20, 60)))
    from .models import Transaction

    Transaction.objects.filter(pk=tx.pk).update(created_at=_dt(when), paid_at=_dt(when), completed_at=done)
    Listing.objects.filter(pk=listing.pk).update(
        published_at=_dt(when - datetime.timedelta(days=30)), closed_at=done
    )
    return tx


@transaction.atomic
def seed(*, city: City) -> None:
    if Listing.objects.filter(city=city).exists():
        return
    rnd = rng_for("trading", city.slug)
    extra, core, industry_of = _orgs(city, rnd)
    # A service institution (运营机构) sells and buys for its clients too.
    holders = [
        *extra,
        core["enterprise"],
        core["enterprise2"],
        core["university"],
        core["tech_university"],
        core["service"],
    ]
    volume_assets = _assets(city, holders, LISTINGS_PER_CITY, rnd, industry_of)
    # The demo users' own registry assets go on the market too (and stay free for pledges).
    mine = list(
        IPAsset.objects.filter(
            owner__in=[core["enterprise"], core["university"]], legal_status="in_force"
        ).exclude(pk__in=ListingAsset.objects.values("asset_id"))[:12]
    )
    _bulk_listings(city, [*mine, *volume_assets], rnd, start=1)
    # The demo logins first: each of them has an open buy request of its own to look at.
    logins = [core["enterprise2"], core["enterprise"], core["university"], core["service"]]
    _bulk_buy_requests(city, [*logins, *extra], rnd, BUY_REQUESTS_PER_CITY, open_first=len(logins))

    # Completed deals over the last three years and negotiations under way, through the services.
    deal_assets = _assets(
        city,
        [*extra, core["university"], core["tech_university"]],
        COMPLETED_DEALS + OPEN_NEGOTIATIONS,
        rnd,
        industry_of,
    )
    kinds = [DealType.ASSIGNMENT] * 3 + [DealType.NON_EXCLUSIVE_LICENCE, DealType.EXCLUSIVE_LICENCE]
    for i, asset in enumerate(deal_assets):
        seller = next(o for o in Organization.objects.filter(pk=asset.owner_id))
        buyer = (
            core["enterprise2"]
            if i % 4 == 0
            else core["enterprise"]
            if i % 4 == 1
            else extra[(i * 5) % len(extra)]
        )
        if buyer.pk == seller.pk:
            buyer = extra[(i * 5 + 1) % len(extra)]
        when = TODAY - datetime.timedelta(days=20 + (i * 1000) // len(deal_assets))
        price = Decimal(rnd.randrange(10, 400) * 10000)
        _deal(
            city, seller, buyer, asset, kinds[i % len(kinds)], price, when, rnd, complete=i < COMPLETED_DEALS
        )
    # The demo enterprise has offers to answer on its own listings; the first draws two buyers.
    for n, listing in enumerate(
        Listing.objects.filter(seller=core["enterprise"], status=ListingStatus.PUBLISHED).order_by("pk")[:3]
    ):
        price = listing.asking_price or Decimal("200000")
        bidders = [core["enterprise2"], core["university"]] if n == 0 else [core["enterprise2"]]
        for bidder, share in zip(bidders, (Decimal("0.8"), Decimal("0.75")), strict=False):
            services.offer_make(
                actor=_actor(city, bidder),
                listing=listing,
                price=price * share,
                message="我司有意购买，能否优惠？",
            )

    # Operations centres: the university's, and an industry centre whose members are the city's enterprises.
    uni = OperationsCentre.objects.create(
        city=city,
        organization=core["university"],
        kind=CentreKind.UNIVERSITY,
        name=f"{core['university'].name}技术转移中心",
        established_on=datetime.date(2019, 6, 1),
    )
    industry = OperationsCentre.objects.create(
        city=city,
        organization=core["industry_centre"],
        kind=CentreKind.INDUSTRY,
        name=core["industry_centre"].name,
        established_on=datetime.date(2021, 3, 1),
    )
    members = [
        CentreMembership(city=city, centre=uni, organization=o, joined_on=datetime.date(2019, 6, 1))
        for o in (core.get("institute"), core["tech_university"])
        if o is not None
    ]
    members += [
        CentreMembership(city=city, centre=industry, organization=o, joined_on=datetime.date(2021, 3, 1))
        for o in [*extra, core["enterprise"], core["enterprise2"]]
    ]
    CentreMembership.objects.bulk_create(members)
    # The demo logins' buy requests show stored matches, as after a nightly refresh; `make run` then runs
    # `match_refresh` for the rest of the city's, as the first night would.
    for pk in BuyRequest.objects.filter(buyer__in=logins, status=BuyRequestStatus.OPEN).values_list(
        "pk", flat=True
    ):
        services.buy_request_matches_refresh(buy_request_id=pk)
