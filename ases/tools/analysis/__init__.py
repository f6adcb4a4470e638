"""Where AS-ES learning helps: the NLL of the gold test CoTs on ES tokens and on AS tokens.

    ases-analysis RUN_DIR [RUN_DIR ...] [--out DIR] [--max-examples N] [--reference RUN_DIR]

Every run (seq2seq, uni, dual; one task, one data config) scores the same gold test CoTs,
teacher-forced. One reference segmentation (``--reference``, default: the first given run
that uses segments, with its own ``seg`` config) cuts each gold CoT into ES and AS pieces;
each gold token counts as ES or AS by the piece it belongs to. The baseline reads the
question and scores the whole CoT; uni and dual score each reference segment k given
``context(question, segments[:k])`` (dual: the ES model the ES segments, the AS model the
AS segments). Only the CoT's own tokens count: no end-of-sequence or stop decision, and on
the tagged uni path not the ``[ES]``/``[AS]`` marker tokens, so every path is scored on
the same tokens.

- ``runs.py``: load finished runs, check they share task and data, segment the gold CoTs.
- ``nll.py``: the per-token NLL of the gold CoTs, split into ES and AS tokens.
- ``report.py``: loss curves from ``csv/metrics.csv``, the markdown table, the plots.
- ``cli.py``: the command.
"""

from ases.tools.analysis.cli import main
from ases.tools.analysis.nll import gold_nll
from ases.tools.analysis.report import loss_curves
from ases.tools.analysis.runs import (
           AnalysisError,
           Run,
           check_compatible,
           load_run,
           reference_segmentation,
)

__all__ = ["AnalysisError", "Run", "check_compatible", "gold_nll", "load_run", "loss_curves",
           "main", "reference_segmentation"]
