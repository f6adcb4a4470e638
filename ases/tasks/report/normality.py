"""Normal findings sentences, and γ: how many of them the model input keeps.

γ is our reading of the paper's "normality inclusion ratio": PET/CT findings are long
and mostly normal ("未见异常…"), so the input keeps every *abnormal* sentence and a
fraction γ of the *normal* ones. γ = 1 is the whole report, γ = 0 only the abnormal
sentences. Which sentences are normal is decided by a pluggable
:class:`NormalityDetector`; the default is a lexicon.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

# A clause ends at ，。；; (the scope of a negation never crosses one).
_CLAUSE = r"[^，。；;]*"

# Physiological uptake and normal variants that read like findings ("心肌显影欠清晰",
# "结肠显影尤著", "肝实质内放射性分布稍欠均匀"): they count as normal and are blanked
# before abnormal markers are looked for.
PHYSIOLOGICAL = (
    r"注射示踪剂" + _CLAUSE + r"显像",
    r"心肌[^，。；;]{0,4}显影(?:清晰|欠清晰?|不清晰?|淡|尚可|可)?|心肌未清晰",
    r"条索状肠影",
    r"肠" + _CLAUSE + r"显影[较稍尤]?[著淡]",
    r"肠影浅淡",
    r"胃充盈(?:好|可|尚可|欠佳|不佳|差)",
    r"放射性分布稍欠均匀",
    r"放射性滞留",
    r"轻度显影",
    r"放射性浓聚如常",
    r"生理性" + _CLAUSE,
)

# Markers of an abnormal finding that must be matched BEFORE negations are blanked,
# because they contain a negation word: "胆囊未见显示" (not seen = removed), "不除外".
NEGATED_ABNORMAL = (
    r"未见?(?:明确|明显)?显[示影]",
    r"未见(?=[，。；;]|$)",  # "右肾未见": the organ is missing
    r"[不未]除外",
    r"不[能可]?排除",
    r"无(?:明显)?(?:代谢|放射性摄取)" + r"[^，。；;]{0,4}(?:结节|肿块|病灶|密度影|囊)",
)

# Negations: from the negation word to the end of its clause ("未见异常放射性增高灶",
# "脑室无扩大"). "不" negates only size words: "不均匀" and "不规则" are findings.
NEGATIONS = (
    r"未见" + _CLAUSE,
    r"未(?=[扩增见肿显])" + _CLAUSE,
    r"无" + _CLAUSE,
    r"没有" + _CLAUSE,
    r"不(?:大|宽|厚|高|扩张?|扩大|增厚|增高|肿大)",
)


def _words(text: str) -> tuple[str, ...]:
    """A lexicon written as white-space separated patterns."""
    return tuple(text.split())


# Normal cues: a sentence must match one to be normal (plus the physiological phrases).
NORMAL_CUES = (
    *_words("未见 无 不大 不扩 如常 均匀 对称 清晰 居中 阴性 正常 尚好 光整 光滑 规整 通畅"),
    r"(?:形态|显影|大小|体积|充盈)尚?[可好](?=[，。；;、]|$)",  # 形态可, 充盈好
    *PHYSIOLOGICAL,
)

# Abnormal markers, looked for after physiological phrases and negations are blanked.
ABNORMAL = (
    # uptake and its change
    *_words("增高 升高 浓聚 摄取 减低 降低 缺损 异常"),
    # lesions and what the reader makes of them
    *_words("肿块 结节 占位 病灶 病变 转移 侵犯 包绕 炎 瘤 癌 考虑 可能 淋巴结 囊肿 囊性 囊状"),
    *_words("憩室 副脾"),
    # size, shape, wall
    *_words("增厚 增粗 壁厚 肥厚 扩张 扩大 增宽 增大 肿大 [稍略偏较]大 体积大 胆囊大 脾大 饱满"),
    *_words("增生 缩小 减小 [较体积]小 萎缩 变薄 变尖 形变 变形 失常 受压 移位 迂曲 狭窄 梗阻"),
    *_words("突起 侧弯 骨赘 退行"),
    # density and texture
    *_words("低密度 高密度 密度影 软组织(?:密度|影) 致密 斑片 条索 索条 磨玻璃 实变 渗出 水肿"),
    *_words("积液 积气 积水 液体 液样 腹水(?!征) 结石 钙化 含气 大泡 大疱 透亮 疏松 硬化 骨折"),
    *_words("破坏 不连续 不均 欠均匀 不规则 欠清 不清 模糊 欠对称 不对称 脂肪肝"),
    # surgery, devices, comparison with an earlier scan
    *_words("术后 术区 切除 缺如 吻合 置管 引流 支架 金属 节育 置换 置入 植入 残留 改变"),
    *_words("较前 新增 同前 相仿 本次"),
    r"(?<!显)影(?!像)",  # any other shadow: 斑索影, 节育环影 (not 显影, 影像)
)


# A measured uptake value is a finding wherever it stands, even inside a negated or
# physiological clause ("生理性摄取SUVmax：3.1").
_MEASURED = re.compile(r"SUV", re.IGNORECASE)


def _any(patterns: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


class NormalityDetector(Protocol):
    """Decides whether one findings sentence describes normal anatomy."""

    def is_normal(self, sentence: str) -> bool:
        """True when the sentence reports nothing abnormal."""
        ...


@dataclass
class LexiconNormalDetector:
    """Normal = a normal cue and no abnormal marker outside a negation.

    The rule, in order, on one sentence:

    0. a measured uptake value (``SUV``, ``SUVmax``) anywhere → abnormal;
    1. physiological phrases (:data:`PHYSIOLOGICAL`) are normal cues; blank them;
    2. a marker in :data:`NEGATED_ABNORMAL` (e.g. "胆囊未见显示", "不除外") → abnormal;
    3. blank every negation to the end of its clause (:data:`NEGATIONS`: "未见异常放射性
       增高灶" says nothing is raised);
    4. a marker in :data:`ABNORMAL` in what is left (增高, 结节, 扩张, 考虑, …) →
       abnormal;
    5. otherwise normal when the sentence has a cue in :data:`NORMAL_CUES` (未见, 无,
       如常, 对称, 阴性, 正常, …); a sentence with neither cue nor marker counts as
       abnormal, so an unknown kind of finding is kept rather than dropped.
    """

    def __post_init__(self) -> None:
        self._physio = _any(PHYSIOLOGICAL)
        self._neg_abnormal = _any(NEGATED_ABNORMAL)
        self._negation = _any(NEGATIONS)
        self._cue = _any(NORMAL_CUES)
        self._abnormal = _any(ABNORMAL)

    def is_normal(self, sentence: str) -> bool:
        """True when ``sentence`` has a normal cue and no abnormal marker."""
        if _MEASURED.search(sentence):
            return False
        rest = self._physio.sub("|", sentence)
        if self._neg_abnormal.search(rest):
            return False
        rest = self._negation.sub("|", rest)
        if self._abnormal.search(rest):
            return False
        return bool(self._cue.search(sentence))


# A sentence ends after 。 or at a line break.
_SENTENCE_END = re.compile(r"(?<=。)|\n")
_SPACE = re.compile(r"\s+")
_PUNCT_ONLY = re.compile(r"[^\w]+")  # no letter, digit or ideograph


def split_sentences_zh(findings: str) -> list[str]:
    """Splits findings into sentences, each keeping its closing ``。``.

    Sentences end after ``。`` and at line breaks. Every white-space character is dropped
    (the CSV lays out organ paragraphs with long runs of spaces; a space between two Latin
    words goes too), and so is a sentence that is nothing but white space; a sentence of
    punctuation only (the second ``。`` of ``。。``) joins the one before it. So
    ``"".join(split_sentences_zh(t))`` is ``t`` without white space.
    """
    out: list[str] = []
    for part in _SENTENCE_END.split(findings):
        part = _SPACE.sub("", part)
        if out and _PUNCT_ONLY.fullmatch(part):
            out[-1] += part  # the second 。 of "。。" closes the sentence before it
        elif part:
            out.append(part)
    return out


def _rank(seed_key: str, index: int) -> str:
    # A stable hash (not hash(): salted per process) orders the normal sentences.
    return hashlib.sha256(f"{seed_key}\x00{index}".encode()).hexdigest()


def apply_gamma(
    findings: str, gamma: float, detector: NormalityDetector, seed_key: str,
    split: Callable[[str], list[str]] = split_sentences_zh, joiner: str = "",
) -> tuple[str, dict]:
    """Keeps every abnormal sentence and a fraction ``gamma`` of the normal ones.

    ``round(gamma * n_normal)`` normal sentences survive (Python's ``round``: halves go
    to the even number). Which ones is fixed by ``seed_key`` (a report's id): the normal
    sentences with the smallest SHA-256 of ``(seed_key, sentence index)``. The kept
    sentences stay in their original order and are joined with ``joiner``.

    Args:
        findings: the findings text.
        gamma: share of normal sentences kept, in [0, 1].
        detector: decides which sentences are normal.
        seed_key: fixes the choice; the same key always keeps the same sentences.
        split: the findings' sentences (Chinese: :func:`split_sentences_zh`, which drops
            white space; English: ``split_sentences_en``, which keeps it).
        joiner: what goes between two kept sentences (``""`` Chinese, ``" "`` English).

    Returns:
        The reduced findings and ``{"n_sentences", "n_normal", "n_kept_normal",
        "chars_before", "chars_after"}``, where the character counts are of the
        sentences joined before and after.

    Raises:
        ValueError: ``gamma`` is not a number in [0, 1].
    """
    if not isinstance(gamma, (int, float)) or math.isnan(gamma) or not 0.0 <= gamma <= 1.0:
        raise ValueError(f"task.gamma must be in [0, 1], got {gamma!r}")
    sentences = split(findings)
    normal = [i for i, s in enumerate(sentences) if detector.is_normal(s)]
    n_keep = round(gamma * len(normal))
    kept_normal = set(sorted(normal, key=lambda i: _rank(seed_key, i))[:n_keep])
    normal_set = set(normal)
    kept = [s for i, s in enumerate(sentences) if i not in normal_set or i in kept_normal]
    text = joiner.join(kept)
    stats = {
        "n_sentences": len(sentences),
        "n_normal": len(normal),
        "n_kept_normal": n_keep,
        "chars_before": len(joiner.join(sentences)),
        "chars_after": len(text),
    }
    return text, stats
