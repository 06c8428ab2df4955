"""Deterministic generators for demo data: valid USCCs, patent numbers, realistic Chinese titles.

Shared by every app's `demo.py` and by the benchmarks' data generator, so the
demo looks like a real city's registry and stays identical from run to run.
"""

from __future__ import annotations

import datetime
import hashlib
import random
import zlib

from stdnum.cn import uscc as stdnum_uscc

from ipops.ids import patent_check_char

DIVISION_CODES = {"qingdao": "370200", "jinan": "370100", "zhengzhou": "410100"}
_ORG_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def rng_for(*parts) -> random.Random:
    seed = int(hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:16], 16)
    return random.Random(seed)


def make_uscc(city_slug: str, name: str, category: str = "91") -> str:
    """A USCC that passes GB 32100 and GB 11714 checks, derived from the name (deterministic)."""
    rnd = rng_for("uscc", city_slug, name)
    body = "".join(rnd.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(8))
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(_ORG_ALPHABET.index(c) * w for c, w in zip(body, weights, strict=True))
    check = 11 - total % 11
    org_code = body + ("X" if check == 10 else "0" if check == 11 else str(check))
    partial = category + DIVISION_CODES.get(city_slug, "370200") + org_code
    return partial + stdnum_uscc.calc_check_digit(partial)


def make_patent_number(filing_date: datetime.date, type_digit: str, serial: int) -> str:
    digits = f"{filing_date.year:04d}{type_digit}{serial % 10_000_000:07d}"
    return f"{digits}.{patent_check_char(digits)}"


def city_serial(city_slug: str, serial: int) -> int:
    """A demo serial in the city's own block of a million (its leading digit), so that cities seeded
    from the same random sequences don't draw the same patent numbers: a number is national."""
    return (zlib.crc32(city_slug.encode()) % 9 + 1) * 1_000_000 + serial % 1_000_000


def patent_numbers_taken() -> set[str]:
    """Every patent number registered in any city: the demo skips them (two cities' blocks may meet)."""
    from ipops.models import IPAsset
    from ipops.tenancy import scopes_disabled

    with scopes_disabled():
        return set(IPAsset.objects.values_list("number", flat=True))


#: Per industry: subjects (what), IPC symbols, and abstract fragments. Titles follow CNIPA
#: conventions: 一种…及其制备方法 / …系统 / …装置.
INDUSTRY_CORPUS: dict[str, dict] = {
    "new_materials": {
        "subjects": [
            "石墨烯复合导热膜",
            "高强度铝合金型材",
            "碳纤维增强树脂基复合材料",
            "耐高温聚酰亚胺薄膜",
            "纳米二氧化硅改性涂料",
            "稀土永磁材料",
            "生物可降解聚乳酸材料",
            "高导热陶瓷基板",
        ],
        "ipc": [
            "C08K 3/04",
            "C22C 21/00",
            "C08J 5/04",
            "C08G 73/10",
            "C09D 7/61",
            "H01F 1/057",
            "C08L 67/04",
            "C04B 35/581",
        ],
        "uses": ["电子器件散热", "轨道车辆轻量化", "航空结构件", "柔性显示"],
    },
    "marine": {
        "subjects": [
            "海水淡化反渗透膜组件",
            "海洋浮标监测系统",
            "深海养殖网箱",
            "船舶压载水处理装置",
            "海洋生物多糖提取工艺",
            "水下机器人推进器",
            "海上风电基础防腐结构",
            "海藻酸钠医用敷料",
        ],
        "ipc": [
            "B01D 61/02",
            "G01C 13/00",
            "A01K 61/60",
            "C02F 1/32",
            "C08B 37/00",
            "B63C 11/52",
            "E02D 27/52",
            "A61L 15/28",
        ],
        "uses": ["近海牧场", "远洋船舶", "海洋环境监测", "海岛供水"],
    },
    "rail_transit": {
        "subjects": [
            "高速列车转向架",
            "轨道车辆制动控制系统",
            "动车组车体铝型材焊接工艺",
            "城轨列车牵引变流器",
            "轨道车辆空调机组",
            "受电弓弓网检测装置",
            "列车车门防夹控制方法",
            "车轮踏面磨耗检测系统",
        ],
        "ipc": [
            "B61F 5/00",
            "B60T 13/66",
            "B23K 9/00",
            "H02M 7/48",
            "B61D 27/00",
            "B60L 5/24",
            "E05F 15/40",
            "G01B 11/24",
        ],
        "uses": ["高速动车组", "地铁车辆", "城际列车", "重载货车"],
    },
    "smart_appliances": {
        "subjects": [
            "智能冰箱食材识别方法",
            "变频空调控制方法",
            "洗衣机衣物称重装置",
            "智能家居语音控制系统",
            "热水器防干烧保护装置",
            "空气净化器滤网寿命检测方法",
            "冰箱除霜控制方法",
            "智能门锁指纹识别模组",
        ],
        "ipc": [
            "F25D 29/00",
            "F24F 11/64",
            "D06F 34/18",
            "G10L 15/22",
            "F24H 9/20",
            "B01D 46/00",
            "F25D 21/00",
            "G06V 40/12",
        ],
        "uses": ["家用电器", "智慧家庭", "商用厨房", "物联网终端"],
    },
    "chemicals_rubber": {
        "subjects": [
            "低滚阻轮胎胎面胶料",
            "丁苯橡胶合成工艺",
            "橡胶硫化促进剂",
            "轮胎气密层胶料",
            "高分子量聚乙烯管材",
            "环保型增塑剂",
            "子午线轮胎成型鼓",
            "橡胶混炼密炼机转子",
        ],
        "ipc": [
            "C08L 9/06",
            "C08F 236/10",
            "C08K 5/47",
            "B60C 1/00",
            "F16L 9/12",
            "C07C 69/80",
            "B29D 30/24",
            "B29B 7/18",
        ],
        "uses": ["乘用车轮胎", "工程机械", "化工管道", "密封制品"],
    },
    "biomedicine": {
        "subjects": [
            "抗肿瘤小分子抑制剂",
            "新冠病毒核酸检测试剂盒",
            "重组人源化单克隆抗体",
            "中药提取物缓释制剂",
            "医用可吸收缝合线",
            "基因测序文库构建方法",
            "海洋来源抗菌肽",
            "血糖无创监测装置",
        ],
        "ipc": [
            "A61K 31/506",
            "C12Q 1/6851",
            "C07K 16/28",
            "A61K 36/00",
            "A61L 17/10",
            "C12N 15/10",
            "C07K 14/46",
            "A61B 5/145",
        ],
        "uses": ["肿瘤治疗", "传染病诊断", "慢病管理", "创面修复"],
    },
    "ai": {
        "subjects": [
            "基于深度学习的图像识别方法",
            "自然语言处理问答系统",
            "工业缺陷视觉检测方法",
            "多传感器融合定位方法",
            "知识图谱构建方法",
            "语音合成模型训练方法",
            "无人机自主避障方法",
            "智能推荐算法",
        ],
        "ipc": [
            "G06V 10/82",
            "G06F 16/332",
            "G06T 7/00",
            "G01S 19/45",
            "G06F 16/36",
            "G10L 13/02",
            "G05D 1/10",
            "G06N 3/08",
        ],
        "uses": ["智能制造", "智慧城市", "金融风控", "医疗影像"],
    },
    "nev": {
        "subjects": [
            "动力电池热管理系统",
            "电池包液冷板",
            "电动汽车充电桩控制方法",
            "永磁同步驱动电机",
            "电池管理系统均衡电路",
            "氢燃料电池电堆",
            "车载充电机",
            "电池SOC估算方法",
        ],
        "ipc": [
            "H01M 10/613",
            "H01M 10/6556",
            "B60L 53/60",
            "H02K 21/14",
            "H02J 7/00",
            "H01M 8/24",
            "B60L 53/20",
            "G01R 31/367",
        ],
        "uses": ["纯电动汽车", "插电混动汽车", "储能电站", "电动客车"],
    },
}

_TITLE_FORMS = [
    "一种{s}",
    "一种{s}及其制备方法",
    "{s}及其应用",
    "一种用于{u}的{s}",
    "{s}的制造方法",
    "一种改进的{s}",
]
_ABSTRACT = (
    "本发明公开了{t}，涉及{u}技术领域。该{s}通过优化结构与工艺参数，解决了现有技术中效率低、成本高、"
    "可靠性差的问题，具有性能稳定、易于产业化的优点，可广泛应用于{u}。"
)


def make_title(rnd: random.Random, industry: str) -> tuple[str, str, list[str]]:
    """(title, abstract, IPC symbols) for one invention in `industry`."""
    corpus = INDUSTRY_CORPUS[industry]
    i = rnd.randrange(len(corpus["subjects"]))
    subject = corpus["subjects"][i]
    use = rnd.choice(corpus["uses"])
    title = rnd.choice(_TITLE_FORMS).format(s=subject, u=use)
    ipc = [corpus["ipc"][i]]
    if rnd.random() < 0.4:
        other = corpus["ipc"][rnd.randrange(len(corpus["ipc"]))]
        if other not in ipc:
            ipc.append(other)
    return title, _ABSTRACT.format(t=title, s=subject, u=use), ipc
