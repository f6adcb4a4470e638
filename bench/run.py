"""``make bench``: every benchmark, a table, and ``bench/out/results.json``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ases.io import write_json_atomic
from bench import score


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shared", type=Path, default=Path("../shared/data"),
                        help="the real data folder (GSM8K, cPET-11K)")
    parser.add_argument("--out", type=Path, default=Path("bench/out/results.json"))
    args = parser.parse_args(argv)
    if not (args.shared / "gsm8k" / "train.jsonl").is_file():
        print(f"bench: no GSM8K under {args.shared}; pass --shared DIR", file=sys.stderr)
        return 2
    results = [score.run(args.shared)]
    rows = [r.as_dict() for r in results]
    write_json_atomic(args.out, rows)
    print(f"{'name':<26} {'ases':>10} {'baseline':>10} {'unit':<8} {'ratio':>7} {'target':>7}  met")
    for r in rows:
        print(f"{r['name']:<26} {r['ases']:>10.1f} {r['baseline']:>10.1f} {r['unit']:<8} "
              f"{r['ratio']:>6.2f}x {r['target']:>6.1f}x  {'yes' if r['met'] else 'NO'}")
    print(f"written: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
