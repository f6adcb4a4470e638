"""Abnormal findings of the intestines, abdominal lymph nodes and peritoneum, pelvis and bones."""

from __future__ import annotations

from ases.data.synthetic.report.draw import Draw, Lesion

_COLON = ("乙状结肠", "升结肠", "横结肠", "降结肠", "直肠", "回盲部")
_BONE = (
    "L3椎体",
    "T11椎体",
    "右侧髂骨",
    "左侧髂骨",
    "骶骨",
    "左侧第6后肋",
    "右侧第4前肋",
    "右侧股骨上段",
)


def _colon_focal(d: Draw) -> Lesion:
    part = d.pick(_COLON)
    text = f"{part}肠管见局限性放射性摄取增高，{d.suv(3, 9)}，肠壁稍厚，厚约{d.length(0.5, 0.8)}"
    conclusion = d.pick(("考虑生理性摄取可能，必要时肠镜检查", "考虑炎性摄取可能，建议肠镜检查"))
    return Lesion(text, f"{part}局限性代谢增高", conclusion, 2)


def _duodenum_invasion(d: Draw) -> Lesion:
    part = d.pick(("十二指肠降段", "十二指肠水平段"))
    text = f"{part}肠壁增厚，厚约{d.length(0.8, 1.8)}，放射性摄取异常增高，{d.suv(5, 14)}，与周围结构分界不清"
    return Lesion(text, f"{part}肠壁增厚伴代谢增高", d.pick(("考虑肿瘤侵犯可能", "受侵可能大")), 1)


def _colon_mass(d: Draw) -> Lesion:
    part = d.pick(_COLON)
    text = f"{part}肠壁见软组织肿块，大小约{d.size(2.0, 6.0)}，肠腔狭窄，放射性摄取异常增高，{d.suv(8, 22)}"
    return Lesion(
        text, f"{part}高代谢肿块", d.pick(("考虑恶性肿瘤可能，建议肠镜检查", "考虑结直肠癌可能")), 0
    )


def _retroperitoneal_nodes(d: Draw) -> Lesion:
    where = d.pick(("腹膜后腹主动脉旁", "腹膜后下腔静脉旁", "肠系膜根部", "肝门区及腹膜后"))
    text = (
        f"{where}见多发肿大淋巴结，较大者短径约{d.length(1.0, 3.0)}，放射性摄取增高，{d.suv(4, 15)}"
    )
    return Lesion(text, f"{where}多发高代谢淋巴结", d.pick(("考虑转移", "考虑淋巴结转移")), 1)


def _small_nodes(d: Draw) -> Lesion:
    text = f"腹膜后见多发小淋巴结，较大者短径约{d.length(0.5, 0.9)}，放射性摄取不高"
    return Lesion(
        text, "腹膜后多发小淋巴结，代谢不高", d.pick(("考虑反应性增生可能", "多考虑良性")), 2
    )


def _peritoneal_metastasis(d: Draw) -> Lesion:
    text = (
        f"腹膜及网膜不均匀增厚，呈结节状，厚约{d.length(0.8, 2.0)}，放射性摄取增高，{d.suv(3.5, 11)}，"
        "伴腹腔积液"
    )
    return Lesion(
        text, "腹膜及网膜增厚伴代谢增高", d.pick(("考虑腹膜转移；腹腔积液", "考虑腹膜种植转移")), 1
    )


def _pelvic_effusion(d: Draw) -> Lesion:
    text = f"盆腔内见液性密度影，最大深度约{d.length(1.0, 5.0)}，放射性摄取不高"
    return Lesion(text, "盆腔液性密度影", "考虑盆腔积液", 2)


def _pelvic_wall_node(d: Draw) -> Lesion:
    side = d.side()
    text = f"盆腔{side}侧壁见软组织结节，大小约{d.size(0.8, 2.5)}，放射性摄取增高，{d.suv(4, 12)}"
    return Lesion(text, f"盆腔{side}侧壁高代谢结节", d.pick(("考虑转移", "考虑淋巴结转移可能")), 1)


def _pelvic_organ(d: Draw) -> Lesion:
    # Prostate for men, adnexa for women, so one report never mentions both.
    if d.sex == "m":
        text = (
            f"盆腔内前列腺体积增大，大小约{d.size(4.0, 6.0)}，放射性摄取轻度增高，{d.suv(1.5, 3.5)}"
        )
        return Lesion(text, "前列腺增大", d.pick(("考虑前列腺增生", "多考虑良性增生")), 2)
    side = d.side()
    text = f"盆腔{side}侧附件区见囊性密度影，大小约{d.size(2.0, 6.0)}，放射性摄取不高"
    return Lesion(
        text, f"{side}侧附件区囊性灶", d.pick(("考虑卵巢囊肿可能", "建议妇科超声检查")), 2
    )


def _bone_metastasis(d: Draw) -> Lesion:
    site = d.pick(_BONE)
    kind = d.pick(("溶骨性", "成骨性", "混合性"))
    text = f"{site}见{kind}骨质破坏，大小约{d.size(0.8, 3.5)}，放射性摄取增高，{d.suv(4, 15)}"
    return Lesion(text, f"{site}高代谢骨质破坏", d.pick(("考虑骨转移", "骨转移可能大")), 1)


def _bone_metastases(d: Draw) -> Lesion:
    text = (
        f"脊柱、骨盆及肋骨见多发放射性摄取增高灶，部分伴骨质破坏，较大者位于{d.pick(_BONE)}，"
        f"{d.suv(4, 15)}"
    )
    return Lesion(text, "全身多发骨代谢增高灶", d.pick(("考虑多发骨转移", "考虑骨转移")), 1)


def _degeneration(d: Draw) -> Lesion:
    part = d.pick(("颈椎", "腰椎", "胸腰椎"))
    text = f"{part}多个椎体边缘骨质增生，局部放射性摄取轻度增高，{d.suv(1.5, 3.5)}"
    return Lesion(text, f"{part}骨质增生", d.pick(("考虑退行性变", "退行性改变")), 2)


def _old_fracture(d: Draw) -> Lesion:
    rib = d.pick(("右侧第5前肋", "左侧第7腋段肋骨", "左侧第4后肋"))
    text = f"{rib}见骨痂形成，局部放射性摄取轻度增高，{d.suv(1.5, 3.5)}"
    return Lesion(text, f"{rib}骨痂形成", d.pick(("考虑陈旧性骨折", "陈旧性骨折可能")), 2)


LOWER = {
    "intestines": ((_colon_focal, 4), (_duodenum_invasion, 2), (_colon_mass, 1)),
    "lymph_nodes": ((_retroperitoneal_nodes, 4), (_small_nodes, 3), (_peritoneal_metastasis, 2)),
    "pelvis": ((_pelvic_effusion, 3), (_pelvic_wall_node, 1), (_pelvic_organ, 2)),
    "bones": ((_bone_metastasis, 3), (_bone_metastases, 1), (_degeneration, 3), (_old_fracture, 1)),
}
"""Abnormal templates by organ group, each with a relative weight."""
