"""Normal findings sentences of ENGLISH radiology and PET/CT reports, and their splitter.

The English counterpart of :mod:`ases.tasks.report.normality`: :class:`EnglishNormalDetector`
satisfies its :class:`~ases.tasks.report.normality.NormalityDetector` protocol ("No pleural
effusion." and "The liver is unremarkable." are normal; "Stable 5 mm nodule." is not), and
:func:`split_sentences_en` cuts English findings into the sentences it judges. Every pattern
is matched case-insensitively, on word boundaries ("no" never matches inside "node").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Besides , ; . : ! ? these words close a clause: "No pleural effusion, but a nodule…".
_CLAUSE_WORDS = r"but|however|(?:al)?though|whereas|while|except|apart\s+from|other\s+than"
# A clause of a nominal negation ("no", "without", …) runs to the next clause end. After
# "not" (a verb's negation) "with" also closes it: "The heart is not enlarged with a
# small pericardial effusion". After "no" it does not: "No lymph nodes with increased
# uptake" negates the nodes *and* their uptake.
# A list whose last item follows "or"/"nor" stays in the scope across its commas: "No
# nodules, masses, or consolidation".
_ITEM_WORDS = rf"(?:(?!\b(?:{_CLAUSE_WORDS})\b)[^,;.:!?])*"
_OR_LIST = rf"(?:(?:,{_ITEM_WORDS})*?,?\s*\b(?:or|nor)\b{_ITEM_WORDS})?"
_SCOPE = _ITEM_WORDS + _OR_LIST
_VERB_SCOPE = rf"(?:(?!\b(?:{_CLAUSE_WORDS}|with)\b)[^,;.:!?])*" + _OR_LIST

_UPTAKE = r"(?:uptake|activity|distribution|accumulation|excretion|concentration|metabolism)"

# Physiological uptake and normal uptake read like findings ("physiological FDG uptake
# in the bowel", "symmetric uptake in the tonsils"): they count as normal and are blanked
# before abnormal markers are looked for.
PHYSIOLOGICAL = (
    # "normal physiologic distribution", "mild physiological bowel activity"
    r"(?:(?:normal|mild(?:ly)?|moderate(?:ly)?|intense|diffuse|expected|usual|low[\s-]grade)\s+)*"
    r"physiologic(?:al)?(?:ly)?(?:\s+[\w-]+){0,3}?\s+" + _UPTAKE,
    r"physiologic(?:al)?(?:ly)?",  # "…, which is physiologic"
    # "normal FDG uptake", "symmetric tracer distribution" (four words between at most, none of them "with")
    r"(?:normal|symmetric(?:al)?|homogeneous|uniform|expected|usual)\s+"
    r"(?:(?!with\b)[\w-]+\s+){0,4}?" + _UPTAKE,
)
# "Uptake in the bowel is physiologic": the uptake word and the predicate are blanked, the
# words between them are kept (and still looked at for markers).
_UPTAKE_IS_NORMAL = re.compile(
    rf"\b{_UPTAKE}\b(?P<between>[^,;.:!?]{{0,80}}?)\b(?:is|are|appears?|remains?|seems?)\s+"
    r"(?:\w+ly\s+)?(?:normal|physiologic\w*|symmetric\w*|homogeneous\w*|unremarkable"
    r"|within\s+normal\s+limits|as\s+expected)\b",
    re.IGNORECASE,
)

# Markers of an abnormal finding that must be matched BEFORE negations are blanked,
# because they contain a negation word: "cannot exclude", "no change in", "no longer".
NEGATED_ABNORMAL = (
    r"(?:can\s*not|can['’]t|could\s+not|couldn['’]t|may\s+not|not)\s+(?:be\s+)?(?:\w+ly\s+)?"
    r"(?:exclude[ds]?|ruled?\s+out)",
    r"no\s+(?:evidence\s+of\s+)?(?:(?:significant|interval|appreciable|substantial|definite|"
    r"major|marked|relevant|obvious|further|notable|apparent|measurable|morphologic(?:al)?|"
    r"metabolic|size|disease)\s+)*"
    r"(?:change|changes|progression|regression|improvement|growth|resolution)",
    r"not\s+(?:\w+ly\s+)?(?:changed|resolved|improved|progressed|regressed)",
    r"no\s+longer",
    r"not\s+well\s+(?:seen|visuali[sz]ed|demonstrated|defined|delineated|evaluated|assessed)",
    r"(?:can\s*not|could\s+not|not)\s+(?:be\s+)?(?:\w+ly\s+)?(?:assessed|evaluated)",
)

# Negations that FOLLOW what they negate: "Pleural effusion is not seen", "Lymphadenopathy:
# none". "…: none/negative/no/nil" negates its clause whatever it names; "is not seen/
# visualized/identified/present…" and "is absent" negate the clause when it names a
# finding (a marker of ABNORMAL, or lymph nodes) and otherwise say that an organ which
# should be seen is missing: "The gallbladder is not visualized" is abnormal.
_NOT_SEEN = (
    r"(?:not\s+(?:\w+ly\s+)?(?:seen|identified|visuali[sz]ed|demonstrated|detected|present|"
    r"noted|appreciated|evident|observed|found|depicted|apparent)|absent)"
)
_POSTPOSED = re.compile(
    rf"(?P<colon>:\s*(?:none|negative|no|nil)\b(?=\s*(?:[,;.!?]|$)))"
    rf"|\b(?:(?:is|are|was|were|has\s+been|have\s+been)\s+)?{_NOT_SEEN}\b",
    re.IGNORECASE,
)
# Where the clause a postposed negation closes begins (a clause already blanked is a ";").
_SUBJECT_START = re.compile(rf"[,;.:!?]|\b(?:{_CLAUSE_WORDS})\b", re.IGNORECASE)

# Negations: from the negation word to the end of its clause ("There is no evidence of
# metastatic disease", "Negative for pulmonary nodules").
NEGATIONS = (
    r"(?:no|none|nor|neither|without|negative\s+for|free\s+of|absence\s+of)\b" + _SCOPE,
)
VERB_NEGATIONS = (r"(?:not|\w+n['’]t)\b" + _VERB_SCOPE,)


def _words(text: str) -> tuple[str, ...]:
    """A lexicon written as white-space separated patterns."""
    return tuple(text.split())


# Normal cues: a sentence must match one to be normal (plus the physiological phrases).
NORMAL_CUES = (
    *_words(r"no none nor neither without negative free nil absent not \w+n['’]t"),
    *_words(r"normal\w* unremarkable preserved symmetric\w* intact patent clear homogeneous\w*"),
    *_words(r"uniform\w* regular\w* smooth\w* midline expected satisfactory maintained"),
    *_words(r"aerated expanded age[\s-]appropriate"),
    *PHYSIOLOGICAL,
)

# Abnormal markers, looked for after physiological phrases and negations are blanked.
ABNORMAL = (
    # uptake and its change
    *_words(r"uptake accumulation avid\w* hypermetabol\w* hypometabol\w* hot\s*spots?"),
    r"metabolically\s+active",
    *_words(r"increas\w* decreas\w* elevat\w* reduc\w* diminish\w* abnormal\w* heterogene\w*"),
    *_words(r"inhomogene\w* asymmetr\w* irregular\w* coarse\w* poorly"),
    # lesions and what the reader makes of them
    *_words(r"lesions? mass(?:es|like)? nodul\w* foc(?:us|uses|i|al|ally) opaci\w* tumou?r\w*"),
    *_words(r"neoplas\w* cancer\w* malignan\w* metasta\w* deposits? lymphadenopathy adenopathy"),
    *_words(r"disease\w* patholog\w* recurren\w* residual\w* infiltrat\w* invasi\w* invad\w*"),
    *_words(r"encas\w* cysts? cystic(?!\s+duct) hernia\w* diverticul\w* polyp\w* calcif\w*"),
    *_words(r"stones? calcul\w* fractur\w* sclero\w* \w*lytic \w*blastic fatty steato\w*"),
    r"\w+oma(?:s|ta)?",  # carcinoma, lymphoma, adenoma, hemangioma, hematoma
    r"(?!(?:diagnosis|prognosis|kyphosis|lordosis)\b)\w+osis",  # fibrosis, stenosis; not kyphosis
    *_words(r"\w+itis \w+iasis \w+megaly \w+ectomy \w+ostomy \w+otomy \w*listhesis hydro\w+"),
    *_words(r"suspicio\w* suspect\w* concerning worrisome worrying indeterminate equivocal"),
    *_words(r"non-?specific atypical likely probabl\w* possibl\w* questionabl\w* uncertain"),
    *_words(r"unclear differential suggest\w* represent\w* favou?r\w* might remarkable"),
    r"(?:consistent|compatible|in\s+keeping)\s+with",
    r"(?:may|could)\s+(?:be|represent|reflect|indicate)",
    # size, shape, wall, vessels
    *_words(r"enlarg\w* dilat\w* widen\w* narrow\w* thicken\w* prominen\w* bulky swell\w*"),
    *_words(r"swollen distort\w* deform\w* retract\w* displace\w* deviat\w* shift\w* atroph\w*"),
    *_words(r"hypertroph\w* hyperplas\w* hypoplas\w* ectasia ectatic tortuous aneurysm\w*"),
    *_words(r"stenos\w* occlu\w* obstruct\w* thromb\w* embol\w* plaques? atherom\w* loss"),
    *_words(r"collapse\w* compress\w* larger smaller mild(?:ly)? moderate(?:ly)? severe(?:ly)?"),
    *_words(r"tiny punctate sub-?centimet\w* borderline"),
    # density, fluid, lungs, tissue
    r"hyp(?:o|er)-?(?:dens|attenuat|echo|intens|metabol|vascular|enhanc|lucen|troph|aerat"
    r"|inflat|perfus)\w*",
    r"\w*lucen(?:t|cy|cies)",
    r"ground[\s-]glass",
    r"free\s+fluid",
    *_words(r"collections? effusion\w* ascites pneumothora\w* pneumoperitoneum edema oedema"),
    *_words(r"pneumomediastinum congest\w* consolidat\w* atelecta\w* emphysema\w* fibrotic"),
    *_words(r"bronchiecta\w* scar(?:s|ring|red)? infect\w* inflamm\w* abscess\w* infarct\w*"),
    *_words(r"isch(?:a)?emi\w* h(?:a)?emorrhag\w* bleed\w* contusion\w* laceration\w* injur\w*"),
    *_words(r"trauma\w* necro\w* pneumonia\w* \w*varic\w* degenerat\w* osteophyt\w* erosi\w*"),
    *_words(r"destruct\w*"),
    # comparison with an earlier scan
    *_words(r"stable stability unchanged new(?:ly)? known interval persist\w* redemonstrat\w*"),
    *_words(r"re-demonstrat\w* resolv\w* resolution improv\w* worsen\w* progress\w* regress\w*"),
    # surgery, treatment, devices, variants
    r"post[\s-]?(?:surgical|operative|op|treatment|therapy|therapeutic|radiation|chemotherapy"
    r"|inflammatory|traumatic|infectious|procedural|biopsy)",
    r"status\s+post",
    r"s/p",
    *_words(r"surg\w* operat\w* resect\w* excis\w* ablat\w* biops\w* treat\w* radiotherap\w*"),
    *_words(r"chemotherap\w* irradiat\w* prosthe\w* stents? catheters? clips? pacemaker\w*"),
    *_words(r"drains? implant\w* devices? sutures? graft\w* removed absent accessory ectopic"),
    *_words(r"horseshoe duplicat\w* limited suboptimal\w*"),
)

# A measurement is a finding wherever it stands, even inside a negated clause ("No change
# in the 8 mm nodule"): a size (8 mm, 2 cm, 5-mm, 1.2 x 0.8) or an uptake value (SUVmax).
_MEASURED = re.compile(
    r"\d(?:[.,]\d+)?\s*-?\s*(?:mm|cm|millimet(?:er|re)s?|centimet(?:er|re)s?)\b"
    r"|\d(?:\.\d+)?\s*[x×*]\s*\d"
    r"|\bSUV",
    re.IGNORECASE,
)


def _any(patterns: tuple[str, ...]) -> re.Pattern[str]:
    # \b on both sides: a word of the lexicon is never part of a longer word
    return re.compile("|".join(rf"\b(?:{p})\b" for p in patterns), re.IGNORECASE)


@dataclass
class EnglishNormalDetector:
    """Normal = a normal cue and no abnormal marker outside a negation (English findings).

    The rule, in order, on one sentence (case-insensitive, whole words only):

    0. a measurement anywhere → abnormal: a size ("8 mm", "2 cm", "1.2 x 0.8 cm") or an
       uptake value ("SUV", "SUVmax"), even inside a negation ("No change in the 8 mm
       nodule");
    1. physiological phrases (:data:`PHYSIOLOGICAL`: "physiological FDG uptake", "normal
       physiologic distribution", "normal FDG uptake", "symmetric uptake"; and "uptake …
       is physiologic", the words between kept) are normal cues; blank them;
    2. negated-abnormal markers, which contain a negation word, → abnormal
       (:data:`NEGATED_ABNORMAL`: "cannot be excluded", "cannot exclude", "not excluded",
       "no change in", "no significant interval change", "not significantly changed",
       "no longer", "not well seen", "could not be assessed"); then the negations that
       follow what they negate: "Lymphadenopathy: none" and "Pleural effusion is not
       seen / is absent" blank their clause, but "is not visualized / not seen / absent"
       after a clause that names no finding ("The gallbladder is not visualized": an
       organ that should be seen) → abnormal;
    3. blank every negation to the end of its clause (:data:`NEGATIONS`: "no", "there is
       no", "no evidence of", "without", "negative for", "free of", "absence of", "none",
       "nor"; :data:`VERB_NEGATIONS`: "not", "isn't"). A clause ends at , ; . : ! ? or at
       "but", "however", "although", "whereas", "while", "except", "apart from", "other
       than"; the scope of "not" also ends at "with" ("not enlarged, with …"), that of
       "no" does not ("No lymph nodes with increased uptake" negates the uptake too);
       and a list whose last item follows "or"/"nor" stays in the scope across its
       commas ("No nodules, masses, or consolidation");
    4. a marker in :data:`ABNORMAL` in what is left (lesion, nodule, focus, effusion,
       enlarged, increased, uptake, avid, hypodense, metastatic, cyst, stable, unchanged,
       new, known, sclerotic, fracture, calcified, suspicious, consistent with, likely,
       "-oma", "-itis", "-osis", surgery and devices, …) → abnormal;
    5. otherwise normal when the sentence has a cue in :data:`NORMAL_CUES` (no, not,
       without, negative, normal, unremarkable, within normal limits, preserved,
       symmetric, clear, intact, physiological, …); a sentence with neither cue nor marker
       counts as abnormal, so an unknown kind of finding is kept rather than dropped.
    """

    def __post_init__(self) -> None:
        self._physio = _any(PHYSIOLOGICAL)
        self._neg_abnormal = _any(NEGATED_ABNORMAL)
        self._negation = _any(NEGATIONS + VERB_NEGATIONS)
        self._cue = _any(NORMAL_CUES)
        self._abnormal = _any(ABNORMAL)
        self._finding = _any((*ABNORMAL, r"(?:lymph\s+)?nodes?"))

    def _blank_postposed(self, text: str) -> str | None:
        """Blanks the clauses that a following negation negates (rule 2, second half).

        None when "is not seen"-like words follow a clause that names no finding.
        """
        floor = 0  # no clause starts before the ";" of the last blanked one
        while match := _POSTPOSED.search(text, floor):
            ends = _SUBJECT_START.finditer(text, floor, match.start())
            start = max((m.end() for m in ends), default=floor)
            if match["colon"] is None and not self._finding.search(text, start, match.start()):
                return None  # "The gallbladder is not visualized": the organ is missing
            text = text[:start] + ";" + text[match.end() :]
            floor = start
        return text

    def is_normal(self, sentence: str) -> bool:
        """True when ``sentence`` has a normal cue and no abnormal marker."""
        if _MEASURED.search(sentence):
            return False
        rest = _UPTAKE_IS_NORMAL.sub(lambda m: f"|{m['between']}|", sentence)
        rest = self._physio.sub("|", rest)
        if self._neg_abnormal.search(rest):
            return False
        rest = self._blank_postposed(rest)
        if rest is None:
            return False
        rest = self._negation.sub("|", rest)
        if self._abnormal.search(rest):
            return False
        return bool(self._cue.search(sentence))


# Line breaks as str.splitlines sees them: each one ends a sentence.
_LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
# Abbreviations that never end a sentence, and two that do unless a lower-case word or a
# digit follows ("No. 4 station", "etc. and"; but "Pleural effusion: no. The liver…").
_ABBREV = re.compile(r"(?<![\w.])(?:e\.g|i\.e|approx|vs|dr|cf)\.$", re.IGNORECASE)
_ABBREV_BEFORE_LOWER = re.compile(r"(?<![\w.])(?:no|etc)\.$", re.IGNORECASE)
_ITEM = re.compile(r"\d{1,3}\.")  # "1." opening a numbered item


def _tokens(text: str) -> list[tuple[str, bool]]:
    """The words of ``text`` as ``str.split()`` cuts them, each with whether a line break
    stands in the white space before it."""
    out: list[tuple[str, bool]] = []
    start: int | None = None
    broken = after_break = False
    for i, char in enumerate(text):
        if char.isspace():
            if start is not None:
                out.append((text[start:i], after_break))
                start = None
            broken = broken or char in _LINE_BREAKS
        elif start is None:
            start, after_break, broken = i, broken, False
    if start is not None:
        out.append((text[start:], after_break))
    return out


def _ends(sentence: list[str], following: str | None) -> bool:
    """Whether the last word of ``sentence`` closes it, given the word after it."""
    word = sentence[-1]
    if word[-1] not in ".!?":
        return False
    if word[-1] != ".":
        return True
    if _ABBREV.search(word):
        return False
    lower_or_digit = bool(following) and (following[0].islower() or following[0].isdigit())
    if lower_or_digit and _ABBREV_BEFORE_LOWER.search(word):
        return False
    # "1." opens a numbered item at the start of a sentence, or after "Findings:"
    opens_item = len(sentence) == 1 or sentence[-2].endswith(":")
    return not (opens_item and _ITEM.fullmatch(word))


def split_sentences_en(findings: str) -> list[str]:
    """Splits English findings into sentences, each stripped and keeping its closing period.

    A sentence ends at a word that ends with ``.``, ``!`` or ``?`` (the mark is followed by
    white space or the end of the text), and at every line break. A period ends nothing
    inside a number ("1.2", "3.5 x 2.0 cm": no white space follows it), after ``e.g.``,
    ``i.e.``, ``approx.``, ``vs.``, ``Dr.`` or ``cf.``, after ``No.`` or ``etc.`` when a
    lower-case word or a digit follows, nor after a numbered-item marker (``1.``; ``2)``
    ends nothing anyway) that opens a sentence or follows a word ending in ``:``.

    The words inside a sentence are joined by one space, whatever white space stood
    between them, so ``" ".join(split_sentences_en(t)) == " ".join(t.split())``; a text
    of white space only has no sentences.
    """
    tokens = _tokens(findings)
    out: list[str] = []
    sentence: list[str] = []
    for i, (word, after_break) in enumerate(tokens):
        if after_break and sentence:
            out.append(" ".join(sentence))
            sentence = []
        sentence.append(word)
        following = tokens[i + 1][0] if i + 1 < len(tokens) else None
        if _ends(sentence, following):
            out.append(" ".join(sentence))
            sentence = []
    if sentence:
        out.append(" ".join(sentence))
    return out
