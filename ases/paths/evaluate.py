"""What every path shares at test time: records, progress files, gathered metrics."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

import lightning as L

from ases.data.example import Example
from ases.decoding.loops import EMPTY, END, MAX_ROUNDS, ONE_PASS, STOP_RULE, Trace
from ases.runs.distributed import gather_objects
from ases.tasks.base import Task
from ases.text.turns import AS, ES


def trace_record(example: Example, trace: Trace, task: Task) -> dict:
    """One ``predictions.jsonl`` line: the problem, what was generated round by round,
    why decoding stopped, and the task's judgement."""
    return {
        "qid": example.qid,
        "question": example.question,
        "gold_cot": example.cot,
        "segments": trace.segments,
        "segment_types": trace.types,
        "segment_chars": [len(s) for s in trace.segments],
        "rounds": trace.rounds,
        "stop_reason": trace.stop_reason,
        **({"turns": [model if wrote else f"{model}:pass" for model, wrote in trace.turns],
            "passes": sum(not wrote for _, wrote in trace.turns)} if trace.turns else {}),
        "generated": trace.text,
        **task.judge(example, trace.text),
        **task.diagnose(example, trace.segments),
    }


def test_metrics(records: list[dict], examples: Sequence[Example], task: Task) -> tuple[list[dict], dict]:
    """Sorts records by qid (one per qid: a DDP sampler repeats examples to even out its
    shards) and computes the task's metrics plus decoding diagnostics."""
    by_id = {ex.qid: ex for ex in examples}
    records = sorted({r["qid"]: r for r in reversed(records)}.values(), key=lambda r: r["qid"])
    n = max(len(records), 1)
    metrics = task.metrics([by_id[r["qid"]] for r in records], [r["generated"] for r in records], records)
    metrics["test/rounds_mean"] = sum(r["rounds"] for r in records) / n
    metrics["test/stop_max_rounds_rate"] = sum(r["stop_reason"] == MAX_ROUNDS for r in records) / n
    if any(r["stop_reason"] != ONE_PASS for r in records):  # the iterative paths
        for reason, name in ((STOP_RULE, "rule"), (EMPTY, "empty"), (END, "end")):
            metrics[f"test/stop_{name}_rate"] = sum(r["stop_reason"] == reason for r in records) / n
    dual = [r for r in records if "turns" in r]
    if dual:  # the dual path: passes, and how often each model's turn wrote text
        metrics["test/passes_mean"] = sum(r["passes"] for r in dual) / len(dual)
        for model in (ES, AS):
            taken = sum(t.split(":")[0] == model for r in dual for t in r["turns"])
            wrote = sum(t == model for r in dual for t in r["turns"])
            metrics[f"test/turns_wrote_rate_{model.lower()}"] = wrote / max(taken, 1)
    metrics["test/n"] = float(len(records))
    checked = [r for r in records if "first_wrong_round" in r]
    if checked:  # where the task can check intermediate numbers (MWP)
        metrics["test/wrong_step_rate"] = sum(r["first_wrong_round"] is not None for r in checked) / len(checked)
    return records, metrics


PROGRESS = "predictions.partial.rank{rank}.jsonl"


def _progress_file(module: L.LightningModule) -> Path | None:
    folder = getattr(module, "progress_dir", None)
    return None if folder is None else Path(folder) / PROGRESS.format(rank=module.global_rank)


def start_test_epoch(module: L.LightningModule) -> None:
    """Starts from the records a killed test epoch already wrote (``resume``), if any."""
    path = _progress_file(module)
    module.records = []
    if path is not None and path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                module.records.append(json.loads(line))
            except ValueError:  # the line a kill cut short: decoded again
                break


def still_to_decode(module: L.LightningModule, examples: list[Example]) -> list[Example]:
    """The batch's problems without a record yet."""
    done = {r["qid"] for r in module.records}
    return [ex for ex in examples if ex.qid not in done]


def add_records(module: L.LightningModule, records: list[dict]) -> None:
    """Keeps a batch's records, and appends them to the progress file at once, so a kill
    loses at most the batch being decoded."""
    module.records += records
    path = _progress_file(module)
    if path is not None:
        with open(path, "a", encoding="utf-8") as f:
            f.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
            f.flush()
            os.fsync(f.fileno())


def end_test_epoch(module: L.LightningModule) -> None:
    """Gathers every rank's test records (each rank decoded its shard), then computes and
    logs the metrics, the same on every rank, into ``module.records``/``test_metrics``."""
    module.records, module.test_metrics = test_metrics(
        gather_objects(module.records, module.trainer.world_size),
        module.trainer.datamodule.test_examples, module.task)
    module.log_dict(module.test_metrics, rank_zero_only=True)
