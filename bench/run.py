"""``make bench``: every benchmark, a table, and ``bench/out/results.json``.

Each row compares ases with a baseline side by side in this process (same weights, data,
batch size, precision and greedy settings, runs alternated, medians of repeats), except
``default_job``, which times ``make run``'s job against its 5-minute budget.
``python -m bench.run --only decode_vs_per_example`` runs one row.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from ases.runs.files import write_json_atomic
from bench import decode, job, packed, score, train
from bench.model import load

NAMES = ("default_job", "decode_vs_per_example", "decode_vs_one_pass", "train_vs_seq2seqtrainer",
         "score_vs_fixed_padding", "train_packed_vs_rows", "train_causal_vs_trl",
         "decode_causal_vs_per_example", "decode_causal_vs_one_pass")


def _fmt(x: float | None, unit: str = "") -> str:
    return "—" if x is None else f"{x:.2f}{unit}" if abs(x) < 100 else f"{x:.0f}{unit}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shared", type=Path, default=Path("../shared/data"),
                        help="the real data folder (GSM8K, cPET-11K)")
    parser.add_argument("--out", type=Path, default=Path("bench/out/results.json"))
    parser.add_argument("--only", choices=NAMES, action="append", help="run only these rows")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch threads (default: torch's own, one per core)")
    args = parser.parse_args(argv)
    wanted = args.only or list(NAMES)
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    if "score_vs_fixed_padding" in wanted and not (args.shared / "gsm8k" / "train.jsonl").is_file():
        print(f"bench: no GSM8K under {args.shared}; pass --shared DIR", file=sys.stderr)
        return 2
    started = time.perf_counter()
    results = []
    if "default_job" in wanted:  # first: its peak memory is read from this process's children
        results.append(job.run())
    if {"decode_vs_per_example", "decode_vs_one_pass", "train_vs_seq2seqtrainer"} & set(wanted):
        bench = load()
        if "decode_vs_per_example" in wanted:
            results.append(decode.vs_per_example(bench))
        if "decode_vs_one_pass" in wanted:
            results.append(decode.vs_one_pass(bench))
        if "train_vs_seq2seqtrainer" in wanted:
            results.append(train.run(bench))
    if "score_vs_fixed_padding" in wanted:
        results.append(score.run(args.shared))
    if "train_packed_vs_rows" in wanted:
        results.append(packed.run())
    if "train_causal_vs_trl" in wanted:
        from bench import causal_train

        results.append(causal_train.run())
    if {"decode_causal_vs_per_example", "decode_causal_vs_one_pass"} & set(wanted):
        from bench import causal_decode

        writer = causal_decode.writer()
        if "decode_causal_vs_per_example" in wanted:
            results.append(causal_decode.vs_per_example(writer))
        if "decode_causal_vs_one_pass" in wanted:
            results.append(causal_decode.vs_one_pass(writer))
    rows = [r.as_dict() for r in results]
    write_json_atomic(args.out, rows)
    print(f"\n{'name':<26} {'ases':>9} {'baseline':>9} {'unit':<6} {'ratio':>7} {'target':>8}  met")
    for r in rows:
        sign = ">=" if r["higher_is_better"] else "<="
        print(f"{r['name']:<26} {_fmt(r['ases']):>9} {_fmt(r['baseline']):>9} {r['unit']:<6} "
              f"{_fmt(r['ratio'], 'x'):>7} {sign}{_fmt(r['target']):>6}  {'yes' if r['met'] else 'NO'}")
    print(f"written: {args.out} ({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
