"""Abnormal findings of the liver and gallbladder, pancreas, spleen, kidneys and adrenals.

The pancreas templates dominate: the real reports come from pancreatic cancer patients, so a
pancreatic mass (or its treated or resected state) is the usual main finding.
"""

from __future__ import annotations

from ases.data.synthetic.report.draw import Draw, Lesion

_LIVER = ("肝右叶", "肝左叶", "肝S4段", "肝S6段", "肝S7段", "肝S8段")
_PANCREAS = ("胰头部", "胰颈部", "胰体部", "胰尾部", "胰体尾部", "胰腺钩突部")


def _liver_metastases(d: Draw) -> Lesion:
    text = (
        f"肝内见多发低密度灶，较大者位于{d.pick(_LIVER)}，大小约{d.size(0.8, 4.5)}，"
        f"放射性摄取异常增高，{d.suv(4, 16)}"
    )
    return Lesion(
        text,
        d.pick(("肝内多发低密度灶，代谢增高", "肝内多发高代谢灶")),
        d.pick(("考虑转移", "考虑肝转移瘤")),
        1,
    )


def _liver_single_metastasis(d: Draw) -> Lesion:
    site = d.pick(_LIVER)
    text = f"{site}见一稍低密度结节，边界欠清，大小约{d.size(0.8, 3.0)}，放射性摄取增高，{d.suv(3.5, 12)}"
    return Lesion(
        text, f"{site}高代谢结节", d.pick(("考虑转移可能大", "转移待排，建议增强MRI检查")), 1
    )


def _liver_cyst(d: Draw) -> Lesion:
    site = d.pick(_LIVER)
    text = f"{site}见一类圆形低密度影，边界清楚，大小约{d.size(0.5, 4.0)}，放射性摄取不高"
    return Lesion(text, f"{site}无代谢低密度灶", d.pick(("考虑肝囊肿", "多考虑囊肿")), 2)


def _bile_obstruction(d: Draw) -> Lesion:
    text = (
        f"肝内外胆管扩张，胆总管最宽处约{d.length(1.0, 2.2)}，胆囊增大，大小约{d.size(5.5, 8.0)}，"
        "胆囊壁放射性摄取不高"
    )
    return Lesion(
        text, "肝内外胆管扩张，胆囊增大", d.pick(("考虑胆道梗阻所致", "考虑低位胆道梗阻")), 2
    )


def _biliary_drain(d: Draw) -> Lesion:
    text = f"肝内胆管见引流管影，管周放射性摄取轻度增高，{d.suv(2, 4.5)}，周围胆管稍扩张，宽约{d.length(0.5, 1.0)}"
    return Lesion(
        text, "胆道引流术后，引流管周围代谢稍高", d.pick(("考虑炎性摄取", "多考虑术后改变")), 2
    )


def _pancreas_mass(d: Draw) -> Lesion:
    site, obj = d.pick(_PANCREAS), d.pick(("肿块", "结节"))
    extra = d.pick(("", "，与周围血管分界不清", "，远端胰管扩张", "，病灶包绕邻近血管"))
    text = f"{site}见一软组织密度{obj}，大小约{d.size(1.5, 6.0)}，放射性摄取异常增高，{d.suv(4, 20)}{extra}"
    conclusion = d.pick(("考虑胰腺癌可能大", "考虑恶性肿瘤", "考虑胰腺癌"))
    if extra.endswith("血管"):
        conclusion += "，周围血管受侵可能"
    return Lesion(
        text, f"{site}软组织{obj}，{d.pick(('FDG代谢异常增高', '代谢异常增高'))}", conclusion, 0
    )


def _pancreas_postop(d: Draw) -> Lesion:
    part = d.pick(("胰体尾部", "胰头部"))
    text = f"{part}术后缺如，术区见软组织密度影，大小约{d.size(1.0, 3.5)}，放射性摄取增高，{d.suv(2.5, 9)}"
    conclusion = d.pick(("考虑肿瘤复发可能", "复发待排，建议密切随访", "术后改变与复发鉴别"))
    return Lesion(text, f"{part}术后，术区软组织影伴代谢增高", conclusion, 0)


def _pancreas_treated(d: Draw) -> Lesion:
    site = d.pick(_PANCREAS)
    text = (
        f"{site}见稍低密度影，边界模糊，大小约{d.size(1.5, 4.0)}，放射性摄取轻度增高，{d.suv(2, 5)}"
    )
    conclusion = d.pick(("考虑治疗后改变，残余肿瘤活性不除外", "考虑胰腺癌治疗后，仍有肿瘤活性"))
    return Lesion(text, f"{site}病灶代谢轻度增高", conclusion, 0)


def _pancreatitis(d: Draw) -> Lesion:
    text = f"胰腺体积弥漫性肿大，胰周脂肪间隙模糊，放射性摄取弥漫性轻度增高，{d.suv(2, 4.5)}"
    return Lesion(
        text, "胰腺弥漫性肿大伴代谢轻度增高", d.pick(("考虑胰腺炎可能", "考虑炎性病变")), 2
    )


def _splenomegaly(d: Draw) -> Lesion:
    text = f"脾脏体积增大，厚约{d.length(4.5, 7.0)}，放射性摄取弥漫性增高，{d.suv(2.5, 5)}"
    return Lesion(
        text, "脾大，代谢弥漫性增高", d.pick(("考虑反应性改变", "考虑骨髓及脾脏反应性增生")), 2
    )


def _spleen_metastasis(d: Draw) -> Lesion:
    text = f"脾脏内见一低密度结节，大小约{d.size(0.8, 3.0)}，放射性摄取增高，{d.suv(4, 12)}"
    return Lesion(text, "脾脏高代谢结节", d.pick(("考虑转移可能", "转移待排")), 1)


def _renal_cyst(d: Draw) -> Lesion:
    side = d.side()
    text = f"{side}肾见一类圆形低密度影，边界清楚，大小约{d.size(0.8, 5.0)}，放射性摄取不高"
    return Lesion(text, f"{side}肾无代谢低密度灶", "考虑肾囊肿", 2)


def _adrenal_nodule(d: Draw) -> Lesion:
    side = d.side()
    hot = d.chance(0.5)
    uptake = f"放射性摄取增高，{d.suv(4, 12)}" if hot else f"放射性摄取不高，{d.suv(1.5, 2.5)}"
    text = f"{side}侧肾上腺见一结节，大小约{d.size(0.8, 3.0)}，{uptake}"
    if hot:
        return Lesion(text, f"{side}侧肾上腺高代谢结节", d.pick(("考虑转移可能", "转移待排")), 1)
    return Lesion(text, f"{side}侧肾上腺结节，代谢不高", d.pick(("考虑腺瘤可能", "多考虑良性")), 2)


def _hydronephrosis(d: Draw) -> Lesion:
    side = d.side()
    text = f"{side}肾盂肾盏扩张，肾盂宽约{d.length(1.0, 3.0)}，{side}侧输尿管上段稍扩张"
    return Lesion(
        text, f"{side}肾盂肾盏扩张", d.pick((f"考虑{side}肾积水", f"{side}肾积水，请结合临床")), 2
    )


def _kidney_stone(d: Draw) -> Lesion:
    side = d.side()
    text = f"{side}肾盂内见高密度影，大小约{d.size(0.5, 1.2)}，放射性摄取不高"
    return Lesion(text, f"{side}肾盂内高密度影", f"考虑{side}肾结石", 2)


ABDOMEN = {
    "liver_gallbladder": (
        (_liver_metastases, 4),
        (_liver_single_metastasis, 2),
        (_liver_cyst, 3),
        (_bile_obstruction, 2),
        (_biliary_drain, 1),
    ),
    "pancreas": (
        (_pancreas_mass, 7),
        (_pancreas_postop, 2),
        (_pancreas_treated, 2),
        (_pancreatitis, 1),
    ),
    "spleen": ((_splenomegaly, 2), (_spleen_metastasis, 1)),
    "kidneys_adrenals": (
        (_renal_cyst, 4),
        (_adrenal_nodule, 2),
        (_hydronephrosis, 1),
        (_kidney_stone, 2),
    ),
}
"""Abnormal templates by organ group, each with a relative weight."""
