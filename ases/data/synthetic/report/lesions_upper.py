"""Abnormal findings of the brain, head and neck, lungs, mediastinum, oesophagus and stomach.

Each template writes one findings sentence with at least one measurement (a size or an SUVmax)
and never a normal wording from :data:`~ases.data.synthetic.report.organs.NORMAL_PHRASES`.
"""

from __future__ import annotations

from ases.data.synthetic.report.draw import Draw, Lesion

_LOBES = ("右肺上叶", "右肺中叶", "右肺下叶", "左肺上叶", "左肺下叶")
_CORTEX = ("右侧额叶", "左侧额叶", "左侧顶叶", "右侧颞叶", "左侧枕叶", "右侧小脑半球")


def _brain_metastasis(d: Draw) -> Lesion:
    site = d.pick(_CORTEX)
    text = (
        f"颅内{site}见一类圆形稍低密度影，大小约{d.size(0.6, 2.5)}，放射性摄取增高，"
        f"{d.suv(5, 14)}，周围可见片状水肿带"
    )
    return Lesion(
        text,
        f"{site}高代谢结节伴周围水肿",
        d.pick(("考虑脑转移瘤可能", "转移瘤待排，建议头颅MRI检查")),
        1,
    )


def _brain_infarct(d: Draw) -> Lesion:
    site = d.pick(("左侧基底节区", "右侧基底节区", "右侧放射冠区", "左侧半卵圆中心"))
    text = (
        f"颅内{site}见小片状低密度影，大小约{d.size(0.5, 1.5)}，放射性摄取减低，{d.suv(1.5, 3.0)}"
    )
    return Lesion(text, f"{site}低代谢灶", d.pick(("考虑腔隙性脑梗死", "考虑缺血灶可能")), 2)


def _brain_hypometabolism(d: Draw) -> Lesion:
    site = d.pick(_CORTEX)
    text = f"颅内{site}皮质放射性摄取减低，范围约{d.size(1.5, 5.0)}，{d.suv(1.5, 3.5)}"
    return Lesion(
        text,
        f"{site}皮质代谢减低",
        d.pick(("考虑陈旧性病变可能，请结合临床", "建议结合头颅MRI")),
        2,
    )


def _thyroid_nodule(d: Draw) -> Lesion:
    side = d.side()
    text = f"甲状腺{side}叶见一低密度结节，大小约{d.size(0.5, 3.0)}，放射性摄取增高，{d.suv(3, 15)}"
    conclusion = d.pick(
        ("建议结合超声检查", "考虑甲状腺腺瘤可能，建议进一步检查", "恶性待排，建议超声引导下穿刺")
    )
    return Lesion(text, f"甲状腺{side}叶高代谢结节", conclusion, 2)


def _neck_node(d: Draw) -> Lesion:
    where = f"{d.side()}侧颈部{d.pick(('锁骨上区', 'Ⅳ区', 'Ⅱ区'))}"
    text = f"{where}见肿大淋巴结，短径约{d.length(0.8, 2.5)}，放射性摄取增高，{d.suv(4, 15)}"
    return Lesion(text, f"{where}高代谢淋巴结", d.pick(("考虑转移", "考虑淋巴结转移可能大")), 1)


def _sinusitis(d: Draw) -> Lesion:
    side = d.pick(("左侧", "右侧", "双侧"))
    text = f"{side}上颌窦黏膜增厚，厚约{d.length(0.5, 1.2)}，放射性摄取不高"
    return Lesion(text, f"{side}上颌窦黏膜增厚", "考虑上颌窦炎", 2)


def _lung_primary(d: Draw) -> Lesion:
    lobe, obj = d.pick(_LOBES), d.pick(("结节", "肿块"))
    text = (
        f"{lobe}见一{d.pick(('分叶状', '不规则'))}软组织{obj}，大小约{d.size(1.5, 6.0)}，"
        f"{d.pick(('边缘可见毛刺', '邻近胸膜牵拉'))}，放射性摄取异常增高，{d.suv(6, 22)}"
    )
    conclusion = d.pick(("考虑周围型肺癌可能", "恶性病变可能大，建议穿刺活检", "需与转移瘤鉴别"))
    return Lesion(text, f"{lobe}高代谢{obj}", conclusion, 0)


def _lung_metastases(d: Draw) -> Lesion:
    text = (
        f"双肺见多发大小不等结节影，较大者位于{d.pick(_LOBES)}，大小约{d.size(0.5, 2.0)}，"
        f"放射性摄取增高，{d.suv(2.5, 9)}"
    )
    return Lesion(text, "双肺多发结节，部分代谢增高", d.pick(("考虑转移", "考虑肺转移瘤可能")), 1)


def _lung_benign_nodule(d: Draw) -> Lesion:
    lobe = d.pick(_LOBES)
    text = f"{lobe}见一小结节，边界清楚，大小约{d.size(0.5, 0.9)}，放射性摄取不高"
    return Lesion(
        text,
        f"{lobe}小结节，代谢不高",
        d.pick(("考虑良性可能，建议随访", "多考虑良性，建议定期复查")),
        2,
    )


def _lung_inflammation(d: Draw) -> Lesion:
    lobe = d.pick(_LOBES)
    text = (
        f"{lobe}见斑片状密度增高影，范围约{d.size(1.5, 4.5)}，放射性摄取轻度增高，{d.suv(2, 4.5)}"
    )
    return Lesion(
        text,
        f"{lobe}斑片影，代谢轻度增高",
        d.pick(("考虑炎性病变可能", "考虑感染性病变，建议抗炎后复查")),
        2,
    )


def _pleural_effusion(d: Draw) -> Lesion:
    side = d.pick(("左侧", "右侧", "双侧"))
    text = f"{side}胸腔见弧形液性密度影，最大深度约{d.length(1.0, 6.0)}，邻近肺组织受压，放射性摄取不高"
    return Lesion(text, f"{side}胸腔积液", d.pick(("伴邻近肺组织膨胀不全", "请结合临床")), 2)


def _mediastinal_metastasis(d: Draw) -> Lesion:
    station = d.pick(("气管前", "隆突下", "主肺动脉窗", "右上气管旁"))
    text = f"纵隔{station}见肿大淋巴结，短径约{d.length(1.0, 3.0)}，放射性摄取增高，{d.suv(5, 16)}"
    return Lesion(text, f"纵隔{station}高代谢淋巴结", d.pick(("考虑转移", "转移可能大")), 1)


def _mediastinal_reactive(d: Draw) -> Lesion:
    text = (
        f"纵隔及双侧肺门见多发小淋巴结，较大者短径约{d.length(0.5, 1.0)}，放射性摄取轻度增高，"
        f"{d.suv(2, 4.5)}，双侧大致对称"
    )
    return Lesion(
        text,
        "纵隔及双肺门多发淋巴结，代谢轻度增高",
        d.pick(("考虑炎性增生可能", "多考虑反应性改变")),
        2,
    )


def _thymus(d: Draw) -> Lesion:
    text = f"前纵隔见软组织密度影，大小约{d.size(1.5, 4.0)}，放射性摄取轻度增高，{d.suv(1.5, 3.5)}"
    return Lesion(text, "前纵隔软组织影，代谢轻度增高", d.pick(("考虑胸腺增生可能", "建议随访")), 2)


def _gastric_tumour(d: Draw) -> Lesion:
    part = d.pick(("胃窦部", "胃体部", "胃小弯侧"))
    text = f"{part}胃壁不均匀增厚，厚约{d.length(1.0, 2.5)}，放射性摄取异常增高，{d.suv(6, 18)}"
    return Lesion(
        text,
        f"{part}胃壁增厚伴代谢异常增高",
        d.pick(("考虑恶性病变可能，建议胃镜检查", "胃癌待排")),
        0,
    )


def _gastric_uptake(d: Draw) -> Lesion:
    part = d.pick(("胃窦部", "胃底部", "胃体部"))
    text = f"{part}胃壁见弥漫性放射性摄取增高，{d.suv(2.5, 6)}，胃壁稍厚，厚约{d.length(0.5, 0.9)}"
    return Lesion(
        text,
        f"{part}代谢增高",
        d.pick(("考虑生理性摄取或炎性改变可能", "多考虑胃炎，必要时胃镜检查")),
        2,
    )


def _oesophagitis(d: Draw) -> Lesion:
    text = f"食管下段管壁稍厚，厚约{d.length(0.5, 0.9)}，见条形放射性摄取增高，{d.suv(2.5, 5.5)}"
    return Lesion(text, "食管下段代谢增高", d.pick(("考虑炎性改变可能", "考虑反流性食管炎")), 2)


UPPER = {
    "brain": ((_brain_metastasis, 2), (_brain_infarct, 3), (_brain_hypometabolism, 1)),
    "head_neck": ((_thyroid_nodule, 3), (_neck_node, 2), (_sinusitis, 3)),
    "lungs": (
        (_lung_primary, 1),
        (_lung_metastases, 3),
        (_lung_benign_nodule, 4),
        (_lung_inflammation, 2),
        (_pleural_effusion, 1),
    ),
    "mediastinum": ((_mediastinal_metastasis, 2), (_mediastinal_reactive, 3), (_thymus, 1)),
    "esophagus_stomach": ((_gastric_tumour, 1), (_gastric_uptake, 3), (_oesophagitis, 2)),
}
"""Abnormal templates by organ group, each with a relative weight."""
