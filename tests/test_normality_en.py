"""The English normal-sentence detector and sentence splitter (ases/tasks/report/normality_en.py)."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ases.tasks.report.normality import NormalityDetector
from ases.tasks.report.normality_en import EnglishNormalDetector, split_sentences_en

# As tests/test_fuzz.py's FUZZ: the same examples every run (derandomize), no deadline.
FUZZ = settings(max_examples=100, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow])

DETECTOR: NormalityDetector = EnglishNormalDetector()

NORMAL = [
    "No pleural effusion.",
    "There is no pneumothorax.",
    "No focal liver lesion.",
    "No suspicious FDG uptake.",
    "No lymphadenopathy.",
    "The liver is unremarkable.",
    "The kidneys are within normal limits.",
    "The spleen is normal in size.",
    "Heart size is normal.",
    "The brain shows physiological FDG uptake.",
    "Unremarkable adrenal glands.",
    "Negative for pulmonary nodules.",
    "Without evidence of metastatic disease.",
    "NO PLEURAL EFFUSION OR PNEUMOTHORAX.",  # case-insensitive
    "There is no evidence of recurrent or metastatic disease.",
    "No lymph nodes with increased FDG uptake.",  # "with" stays inside the scope of "no"
    "No FDG-avid lymph nodes in the neck, chest, abdomen or pelvis.",
    "Mediastinal lymph nodes are not enlarged.",
    "Normal physiologic distribution of FDG in the brain, myocardium and bowel.",
    "Physiological excretion of tracer in the kidneys and bladder.",
    "Uptake in the bowel is physiologic.",  # the predicate follows the uptake
    "Normal FDG uptake in the liver.",
    "Symmetric uptake in the palatine tonsils.",
    "Pleural effusion is not seen.",  # a negation after what it negates
    "Hypermetabolic lymph nodes are not identified.",
    "Lymphadenopathy: none.",
    "Liver: negative.",
    "Lymphadenopathy is not seen and pleural effusion is absent.",
    "There isn't any pleural effusion.",
    "No nodules, masses, or consolidation.",  # a list ending in "or" keeps the scope
    "No pleural effusion, pneumothorax or focal consolidation.",
    "The kidneys are not enlarged, thickened, or dilated.",
    "The fallopian tubes are normal.",
    "The lungs are clear.",
    "The trachea is midline.",
    "The osseous structures are intact.",
    "Normal thoracic kyphosis.",  # -osis, but not a disease
    "The cystic duct is normal.",  # cystic, but not a cyst
    "Otherwise unremarkable.",
    "Bone marrow renewal pattern is normal.",  # "new" is not in "renewal"
]
ABNORMAL = [
    "No change in the 8 mm nodule.",
    "No pleural effusion, but a 1.2 x 0.8 cm nodule in the right upper lobe.",
    "The liver is normal in size with a 2 cm hypodense lesion.",
    "No new lesions; the known sclerotic focus is unchanged.",
    "Stable 5 mm nodule.",
    "Mild FDG uptake in a mediastinal node (SUVmax 3.1).",
    "Cannot exclude malignancy.",
    "Small pleural effusion.",
    "SMALL PLEURAL EFFUSION.",
    # 0: a measurement, wherever it stands
    "No lymph nodes larger than 1 cm.",
    "Physiological uptake in the bowel, SUVmax 2.1.",
    "A 5-mm nodule in the left lower lobe.",
    # 2: markers that contain a negation word
    "No change in the nodule in the left lower lobe.",
    "No significant interval change.",
    "Metastatic disease cannot be excluded.",
    "The sclerotic lesion is not significantly changed.",
    "The right adrenal nodule is no longer seen.",
    "The pancreatic tail is not well seen.",
    "The gallbladder is not visualized.",  # an organ that should be seen
    "The left kidney is absent.",
    "Gallbladder: absent.",
    "Absent gallbladder.",
    "Lymphadenopathy is not seen and the gallbladder is absent.",
    # 3: a clause ends the scope of a negation
    "No pleural effusion, however there is a right lower lobe consolidation.",
    "No lymphadenopathy except for a mildly prominent right hilar node.",
    "No pleural effusion, small pericardial effusion.",  # no "or": the comma ends "no"
    "The heart is not enlarged with a small pericardial effusion.",  # "with" ends "not"
    # 4: markers
    "Focal uptake in the sigmoid colon.",
    "Diffusely increased uptake in the bone marrow.",
    "Post-surgical changes in the right breast without evidence of recurrence.",
    "Findings consistent with pneumonia.",
    "Status post cholecystectomy.",
    "Degenerative changes of the lumbar spine.",
    "Hepatic steatosis.",
    "Moderate hydronephrosis on the left.",
    "Bibasilar atelectasis.",
    "Mildly prominent but non-enlarged lymph nodes.",
    # 5: neither cue nor marker, and word boundaries
    "A node in the left axilla.",  # "no" is not in "node"
    "Hilar nodes are enlarged.",
    "Findings:",
]


@pytest.mark.parametrize("sentence", NORMAL)
def test_normal_sentences(sentence):
    assert DETECTOR.is_normal(sentence)


@pytest.mark.parametrize("sentence", ABNORMAL)
def test_abnormal_sentences(sentence):
    assert not DETECTOR.is_normal(sentence)


def test_tables_are_disjoint_and_large():
    assert len(NORMAL) + len(ABNORMAL) >= 30
    assert not set(NORMAL) & set(ABNORMAL)


@FUZZ
@given(st.one_of(st.text(), st.text("no not, or:with nodule is seen SUV1.2", max_size=60)))
def test_is_normal_answers_for_any_text(text):
    assert DETECTOR.is_normal(text) in (True, False)


# --- split_sentences_en -------------------------------------------------------------------

SPLITS = [
    ("No effusion. The liver is normal.", ["No effusion.", "The liver is normal."]),
    ("Lungs clear! Heart normal? Yes.", ["Lungs clear!", "Heart normal?", "Yes."]),
    # numbers and sizes never end a sentence
    ("Nodule of 1.2 cm. Mass 3.5 x 2.0 cm in the liver.",
     ["Nodule of 1.2 cm.", "Mass 3.5 x 2.0 cm in the liver."]),
    ("SUVmax 3.1. No other foci.", ["SUVmax 3.1.", "No other foci."]),
    # abbreviations
    ("Small nodes, e.g. in the hilum. Liver normal.",
     ["Small nodes, e.g. in the hilum.", "Liver normal."]),
    ("Lesion, i.e. a cyst, approx. 2 cm. Dr. Smith was informed.",
     ["Lesion, i.e. a cyst, approx. 2 cm.", "Dr. Smith was informed."]),
    ("Cyst vs. hemangioma, cf. prior CT. Done.", ["Cyst vs. hemangioma, cf. prior CT.", "Done."]),
    ("Node at No. 4 station. Spleen normal.", ["Node at No. 4 station.", "Spleen normal."]),
    ("Pleural effusion: No. The liver is normal.", ["Pleural effusion: No.", "The liver is normal."]),
    ("Liver, spleen, etc. are normal. Etc. Next.", ["Liver, spleen, etc. are normal.", "Etc.", "Next."]),
    # numbered items
    ("1. No effusion. 2. Liver normal.", ["1. No effusion.", "2. Liver normal."]),
    ("Findings: 1. No effusion.", ["Findings: 1. No effusion."]),
    ("2) Liver normal. 3) Spleen normal.", ["2) Liver normal.", "3) Spleen normal."]),
    ("The nodule measures 12. Liver normal.", ["The nodule measures 12.", "Liver normal."]),
    # line breaks end a sentence, white space collapses
    ("LUNGS: clear\nHEART:  normal size\r\n\r\nBONES: intact",
     ["LUNGS: clear", "HEART: normal size", "BONES: intact"]),
    ("No\teffusion.\u2028Liver\xa0normal.", ["No effusion.", "Liver normal."]),
    ("  \n\t ", []),
    ("", []),
    ("effusion.No space after the period.", ["effusion.No space after the period."]),
]


@pytest.mark.parametrize(("text", "expected"), SPLITS)
def test_split_sentences_en(text, expected):
    assert split_sentences_en(text) == expected


def _joins_back(text: str) -> list[str]:
    sentences = split_sentences_en(text)
    assert " ".join(sentences) == " ".join(text.split())
    assert all(s and s == s.strip() and s.split() for s in sentences)
    return sentences


@FUZZ
@given(st.text())
@example("1.\n\n2.")
@example("e.g.\u2028x")
def test_split_sentences_en_joins_back_any_text(text):
    _joins_back(text)


_WORDS = ["The", "liver", "is", "normal", "no", "No", "nodule", "effusion", "with", "in", "and",
          "1.2", "3.5 x 2.0 cm", "8 mm", "SUVmax 3.1", "(SUVmax 4.2)", "e.g.", "i.e.", "approx.",
          "vs.", "Dr.", "cf.", "etc.", "No.", "1.", "2)", "Findings:", "lesion,", "x"]
_ENDS = [".", "!", "?", "", "", ""]
_GAPS = [" ", " ", " ", "  ", "\t", "\xa0", "\n", "\r\n", "\u2028"]


@st.composite
def findings(draw) -> str:
    """English-like findings: words, numbers, sizes and abbreviations, sentence ends, and
    white space of every kind between them."""
    out = []
    for _ in range(draw(st.integers(0, 25))):
        out.append(draw(st.sampled_from(_WORDS)) + draw(st.sampled_from(_ENDS)))
        out.append(draw(st.sampled_from(_GAPS)))
    return "".join(out)


_ALWAYS_ABBREV = re.compile(r"(?:^|\s)(?:e\.g|i\.e|approx|vs|Dr|cf)\.$")


@FUZZ
@given(findings())
def test_split_sentences_en_joins_back_findings(text):
    sentences = _joins_back(text)
    lines = [line.split() for line in re.split(r"[\n\r\u2028]", text)]
    for sentence in sentences:  # a sentence never spans a line break
        assert any(" ".join(sentence.split()) in " ".join(words) for words in lines)
    if not any(c in text for c in "\n\r\u2028"):
        for sentence in sentences[:-1]:  # cut only after . ! ? but never after e.g.
            assert sentence[-1] in ".!?", sentences
            assert not _ALWAYS_ABBREV.search(sentence), sentences
            assert not re.search(r"\d\.\d$", sentence)
