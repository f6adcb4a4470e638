"""The organ groups of a report, in reading order, and the normal wordings for each."""

from __future__ import annotations

from ases.data.synthetic.report.draw import Draw

ORGANS: tuple[str, ...] = (
    "brain",
    "head_neck",
    "lungs",
    "mediastinum",
    "esophagus_stomach",
    "liver_gallbladder",
    "pancreas",
    "spleen",
    "kidneys_adrenals",
    "intestines",
    "lymph_nodes",
    "pelvis",
    "bones",
)
"""Organ groups in the fixed anatomical order of the findings; one findings sentence each."""

ORGAN_ANCHORS: dict[str, tuple[str, ...]] = {
    "brain": ("脑", "颅"),
    "head_neck": ("鼻咽", "甲状腺", "颈", "上颌窦"),
    "lungs": ("肺", "胸腔"),
    "mediastinum": ("纵隔",),
    "esophagus_stomach": ("食管", "胃"),
    "liver_gallbladder": ("肝", "胆"),
    "pancreas": ("胰",),
    "spleen": ("脾",),
    "kidneys_adrenals": ("肾",),
    "intestines": ("肠",),
    "lymph_nodes": ("淋巴结", "腹膜"),
    "pelvis": ("盆腔", "膀胱"),
    "bones": ("骨",),
}
"""Words of which every findings sentence about the group holds at least one."""

NORMAL_PHRASES: tuple[str, ...] = (
    "形态如常",
    "大小如常",
    "显影如常",
    "放射性分布均匀",
    "放射性分布对称",
    "未见异常放射性浓聚",
    "未见异常放射性摄取",
    "未见异常高代谢灶",
    "未见明显异常密度影",
    "未见明显异常",
    "未见明显扩张",
    "未见明显增厚",
    "未见明显肿大淋巴结",
    "未见骨质破坏",
    "未见积液",
)
"""The normal-statement wordings: every normal findings sentence holds at least one, and no
abnormal findings sentence holds any, so a detector keyed on them is exact on this data."""

# Each normal sentence is one lead clause (names the organ, states normality) and one to three
# extra clauses kept in the listed order, so the sentence reads top-down like a real report.
_NORMAL: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "brain": (
        ("大脑形态如常", "脑实质形态如常，灰白质分界清楚", "双侧大脑半球对称，形态如常"),
        (
            "双侧大脑皮质放射性分布均匀",
            "基底节及丘脑放射性分布对称",
            "小脑显影如常",
            "脑室系统大小如常",
            "中线结构居中，脑内未见异常放射性浓聚",
        ),
    ),
    "head_neck": (
        (
            "鼻咽部及口咽部两侧对称，未见异常放射性浓聚",
            "鼻咽顶后壁未见明显增厚，双侧咽隐窝对称",
            "鼻咽及口咽部显影如常",
        ),
        (
            "双侧腮腺及颌下腺显影如常",
            "甲状腺两叶大小如常，放射性分布均匀",
            "甲状腺未见异常放射性摄取",
            "双侧颈部未见明显肿大淋巴结",
            "喉部未见明显异常",
        ),
    ),
    "lungs": (
        (
            "双肺纹理清晰，肺实质内未见异常放射性浓聚",
            "两肺野透亮度可，未见明显异常密度影",
            "双肺形态如常，肺内未见异常高代谢灶",
        ),
        ("气管及主支气管显影如常", "双侧胸膜未见明显增厚", "双侧胸腔未见积液"),
    ),
    "mediastinum": (
        (
            "纵隔居中，未见明显肿大淋巴结",
            "纵隔及双侧肺门未见明显肿大淋巴结",
            "纵隔内未见异常放射性浓聚",
        ),
        ("心脏大小如常", "心包未见积液", "大血管走行未见明显异常"),
    ),
    "esophagus_stomach": (
        (
            "食管走行自然，管壁未见明显增厚",
            "胃充盈尚可，胃壁未见明显增厚",
            "食管及胃未见异常放射性浓聚",
        ),
        ("胃壁放射性分布均匀", "贲门及胃底显影如常", "胃周未见明显肿大淋巴结"),
    ),
    "liver_gallbladder": (
        ("肝脏大小如常，轮廓光整", "肝脏形态如常，各叶比例适中", "肝脏显影如常"),
        (
            "肝实质放射性分布均匀",
            "肝内未见异常放射性浓聚",
            "肝内外胆管未见明显扩张",
            "胆囊大小如常，壁未见明显增厚",
        ),
    ),
    "pancreas": (
        ("胰腺形态如常", "胰腺大小如常", "胰腺显影如常"),
        ("放射性分布均匀", "胰管未见明显扩张", "胰周脂肪间隙清晰，未见异常放射性浓聚"),
    ),
    "spleen": (
        ("脾脏大小如常", "脾脏形态如常", "脾脏显影如常"),
        ("放射性分布均匀", "实质内未见异常放射性浓聚", "脾门区未见明显异常"),
    ),
    "kidneys_adrenals": (
        ("双肾大小如常，形态规整", "双侧肾脏显影如常", "双肾形态如常，皮髓质分界清楚"),
        ("肾盂肾盏未见明显扩张", "双侧输尿管未见明显扩张", "双侧肾上腺未见明显异常"),
    ),
    "intestines": (
        (
            "肠道形态如常，部分结肠可见生理性显影",
            "肠管未见异常放射性浓聚",
            "腹部肠管显影如常，放射性分布未见明显异常",
        ),
        ("肠壁未见明显增厚", "腹腔内未见积液"),
    ),
    "lymph_nodes": (
        (
            "腹膜后未见明显肿大淋巴结",
            "腹主动脉旁及肠系膜区未见明显肿大淋巴结",
            "腹膜后淋巴结未见异常放射性摄取",
        ),
        ("腹膜未见明显增厚", "腹壁软组织未见明显异常"),
    ),
    "pelvis": (
        ("膀胱充盈尚可，膀胱壁未见明显增厚", "盆腔内未见异常放射性浓聚", "膀胱显影如常"),
        ("{sex}", "盆腔内未见积液", "双侧腹股沟区未见明显肿大淋巴结"),
    ),
    "bones": (
        ("全身骨骼放射性分布均匀", "视野内诸骨未见骨质破坏", "脊柱骨质形态如常"),
        ("未见异常放射性浓聚", "椎体序列整齐", "四肢骨关节显影如常"),
    ),
}
_SEX_CLAUSE = {
    "m": ("前列腺大小如常", "前列腺放射性分布均匀"),
    "f": ("子宫及双侧附件区未见明显异常", "子宫显影如常"),
}


def normal_sentence(organ: str, d: Draw) -> str:
    """A normal findings sentence for ``organ``, without the closing ``。``."""
    leads, extras = _NORMAL[organ]
    k = d.rng.randint(1, min(3, len(extras)))
    chosen = sorted(d.rng.sample(range(len(extras)), k))
    parts = [d.pick(leads)]
    for j in chosen:
        clause = extras[j]
        parts.append(d.pick(_SEX_CLAUSE[d.sex]) if clause == "{sex}" else clause)
    return "，".join(parts)
