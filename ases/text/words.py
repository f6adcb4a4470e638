"""The one word tokenizer for overlap measures (similarity segmentation, ROUGE): numbers
whole, every CJK character a token of its own, punctuation dropped.

rouge-score's default tokenizer lower-cases and keeps only ``[a-z0-9]``: every Chinese
character disappears (a Chinese pair scores 0 however close it is), and so do the dots in
``3.5``. sacrebleu's BLEU has its own tokenizers and does not use this one.
"""

from __future__ import annotations

import re
import unicodedata

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # kana + CJK ideographs
_TOKEN = re.compile(
    rf"[{_CJK}]"  # one CJK character per token: Chinese and Japanese have no spaces
    r"|\d+(?:[.,:]\d+)*"  # 3.5, 1,200, 2:30 stay whole; a sentence-final "." does not stick
    rf"|[^\W\d_{_CJK}]+"  # a run of letters (any script)
)


def words(text: str, lowercase: bool = True) -> list[str]:
    """Splits text into the tokens overlap measures compare.

    The text is NFKC-normalized first (full-width ``３`` and ``Ｃ`` become ``3`` and ``C``),
    then optionally lower-cased. Numbers keep their inner ``.``, ``,`` and ``:``; each
    CJK character is a token; punctuation, symbols (``$``, ``=``, ``%``) and white space
    are dropped.

    Args:
        text: English, Chinese or mixed text.
        lowercase: whether to lower-case it.

    Returns:
        The tokens in order, e.g. ``words("Pay $1,200 at 2:30.") == ["pay", "1,200",
        "at", "2:30"]`` and ``words("未见异常") == ["未", "见", "异", "常"]``.
    """
    text = unicodedata.normalize("NFKC", text)
    return _TOKEN.findall(text.lower() if lowercase else text)


class WordTokenizer:
    """The ``tokenize(text)`` object rouge-score accepts in place of its own."""

    def __init__(self, lowercase: bool = True):
        self.lowercase = lowercase

    def tokenize(self, text: str) -> list[str]:
        """See :func:`words`."""
        return words(text, self.lowercase)
