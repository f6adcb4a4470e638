"""``make bench-gpu``: a flan-t5-base-sized model and a SmolLM2-360M-sized decoder-only
model (random init, offline) on one GPU.

Reports, for each, training throughput (non-padding tokens/s, bf16 mixed precision, TF32;
the decoder-only model on packed uni-path rows) with its model FLOPs utilization, and
decoding throughput (examples/s) of the seq2seq, uni and dual decoders (the decoder-only
model's iterative decoders carry each example's cache from round to round). Exits at
once, with a message, where no CUDA GPU exists. About 5-8 minutes
on one H100-class GPU; writes ``bench/out/gpu.json``.

``--dry-run`` runs the same code on the CPU with a tiny model, a few steps and a few
problems (its figures mean nothing; a test runs it so that a session with a GPU does not
find a broken script).

MFU = 6 x (encoder parameters x source tokens + decoder parameters x target tokens) per
second over the GPU's dense bf16 peak, or 6 x parameters x sequence tokens for the
decoder-only model (embedding lookups and attention FLOPs left out: a lower bound).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

# dense bf16 peak FLOP/s by GPU name (vendor data sheets); --peak-tflops overrides
PEAK_TFLOPS = {"H200": 989.0, "H100": 989.0, "A100": 312.0, "L40S": 362.0, "A10": 125.0, "L4": 121.0}


def no_gpu(name: str) -> int:
    """Says that ``name`` needs a CUDA GPU this machine lacks; the exit status to return."""
    print(f"{name}: no CUDA GPU here (torch.cuda.is_available() is False); run it on a "
          "machine with an NVIDIA GPU and a CUDA build of torch", file=sys.stderr)
    return 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=60, help="timed training steps")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--examples", type=int, default=256, help="test problems per decoder")
    parser.add_argument("--peak-tflops", type=float, default=None)
    parser.add_argument("--out", type=Path, default=Path("bench/out/gpu.json"))
    parser.add_argument("--cache", type=Path, default=Path(".cache/ases"),
                        help="where the tokenizer is cached")
    parser.add_argument("--dry-run", action="store_true",
                        help="the same code on the CPU, tiny model and sizes: checks the script")
    args = parser.parse_args(argv)

    import torch
    dry = args.dry_run
    if not dry and not torch.cuda.is_available():
        return no_gpu("bench-gpu")
    import lightning as L

    from ases.data.synthetic import load_synthetic
    from ases.data.synthetic.mwp import generate_mwp
    from ases.decoding.loops import DecodeSettings, decode_dual, decode_iterative, decode_one_pass
    from ases.models.factory import build_adapter, build_llama, build_t5, build_tokenizer
    from ases.models.spec import ModelSpec
    from ases.paths.rows import segment_rows
    from ases.paths.single import SingleModelPath
    from ases.runs.files import write_json_atomic
    from ases.segment.location import LocationSegmenter
    from ases.segmenting import segment
    from ases.tasks.mwp import MWPTask
    from ases.training.datamodule import RowsDataModule

    torch.backends.cuda.matmul.allow_tf32 = True
    torch.backends.cudnn.allow_tf32 = True
    device = "cpu" if dry else "cuda"

    def sync() -> None:
        if not dry:
            torch.cuda.synchronize()

    name = "cpu (dry run, figures mean nothing)" if dry else torch.cuda.get_device_name(0)
    peak = None if dry else args.peak_tflops or next(
        (v for k, v in PEAK_TFLOPS.items() if k in name), None)
    print(f"bench-gpu on {name}")
    if dry:
        args.steps, args.batch_size, args.examples = 3, 8, 16

    task = MWPTask()
    splits = load_synthetic(generate_mwp, "mwp", 300 if dry else 4000, 10, args.examples)
    spec = ModelSpec(vocab_size=8000, max_source_len=384, max_target_len=256)
    tok = build_tokenizer(spec, [t for ex in splits.train for t in (ex.question, ex.cot)],
                          args.cache)
    def measure(model, adapter, batch_flops, packed: bool) -> dict:
        """Training tokens/s and MFU, then decoding examples/s of the three decoders
        (``packed``: the decoder-only model, whose sequences hold the targets)."""

        class Clock(L.Callback):
            """Times training steps after a warm-up, with the tokens they processed."""

            def __init__(self, warmup: int):
                self.warmup, self.t0, self.tokens, self.flops = warmup, None, 0, 0

            def on_train_batch_start(self, trainer, module, batch, batch_idx):
                if batch_idx == self.warmup:
                    sync()
                    self.t0 = time.perf_counter()
                if batch_idx >= self.warmup:
                    self.tokens += int(batch["attention_mask"].sum())
                    if not packed:  # the encoder-decoder: targets are a second sequence
                        self.tokens += int((batch["labels"] != -100).sum())
                    self.flops += batch_flops(batch)

            def on_train_end(self, trainer, module):
                sync()
                self.seconds = time.perf_counter() - self.t0

        clock = Clock(warmup=1 if dry else 10)
        module = SingleModelPath(model, adapter, task, DecodeSettings(), iterative=True,
                                 max_source_len=384, max_target_len=256, lr=3e-4)
        dm = RowsDataModule(rows, rows[:64], splits.test, adapter, 384, 256,
                            batch_size=args.batch_size, packed=packed)
        trainer = L.Trainer(accelerator="cpu" if dry else "gpu", devices=1,
                            precision="32-true" if dry else "bf16-mixed",
                            max_steps=clock.warmup + args.steps, logger=False,
                            enable_checkpointing=False, enable_progress_bar=False,
                            limit_val_batches=0, num_sanity_val_steps=0, callbacks=[clock])
        trainer.fit(module, datamodule=dm)
        flops_s = clock.flops / clock.seconds  # the work done, padding included
        mfu = flops_s / (peak * 1e12) if peak else None
        out = {"batch_size": args.batch_size, "packed": packed,
               "train_tokens_per_s": round(clock.tokens / clock.seconds),
               "train_tflops": round(flops_s / 1e12, 1), "mfu": round(mfu, 3) if mfu else None}
        model = model.to(device).eval().to(torch.float32 if dry else torch.bfloat16)
        questions = [ex.question for ex in splits.test]
        settings = DecodeSettings(num_beams=1, max_new_tokens=64, max_rounds=4)
        decoders = {
            "seq2seq": lambda qs: decode_one_pass(adapter, model, qs, 384, 256, settings),
            "uni": lambda qs: decode_iterative(adapter, model, qs, task.is_finished, 384, settings),
            "dual": lambda qs: decode_dual(adapter, model, model, qs, task.is_finished, 384, settings),
        }
        for path, decode in decoders.items():
            decode(questions[:8])  # warm-up
            sync()
            start = time.perf_counter()
            for i in range(0, len(questions), 64):
                decode(questions[i: i + 64])
            sync()
            out[f"decode_{path}_ex_per_s"] = round(len(questions) / (time.perf_counter() - start), 1)
        return out

    rows = segment_rows(segment(splits.train, task, LocationSegmenter(), 1.0, True))
    # flan-t5-base's shape: 12+12 layers, d_model 768, gated-GELU FFN 2048, 32128 vocabulary
    spec = ModelSpec(vocab_size=8000, max_source_len=384, max_target_len=256)
    texts = [t for ex in splits.train for t in (ex.question, ex.cot)]
    tok = build_tokenizer(spec, texts, args.cache)
    shape = (dict(vocab_size=len(tok), d_model=64, d_ff=128, d_kv=16, num_heads=4, num_layers=2,
                  num_decoder_layers=2) if dry else
             dict(vocab_size=32128, d_model=768, d_ff=2048, d_kv=64, num_heads=12, num_layers=12,
                  num_decoder_layers=12))
    torch.manual_seed(0)
    model = build_t5(tok, **shape, feed_forward_proj="gated-gelu", dropout_rate=0.1,
                     tie_word_embeddings=False)
    embed = model.shared.weight.numel()  # a lookup, not a matmul: left out of the FLOPs
    n_enc = sum(p.numel() for p in model.encoder.parameters()) - embed
    n_dec = sum(p.numel() for p in model.decoder.parameters()) - embed + model.lm_head.weight.numel()
    results = {"gpu": name, "dry_run": dry,
               "model": "tiny T5, random init" if dry else "flan-t5-base shape, random init",
               "params_m": round((n_enc + n_dec) / 1e6, 1), "peak_tflops": peak}
    results.update(measure(model, build_adapter(spec, tok), lambda batch: 6 * (
        batch["input_ids"].numel() * n_enc + batch["labels"].numel() * n_dec), packed=False))

    # a decoder-only student: SmolLM2-360M's shape (32 layers, width 960, 15 query and 5
    # key/value heads, FFN 2560, 49152 vocabulary), packed uni-path rows, the cache carry
    causal_spec = ModelSpec(arch="causal", vocab_size=8000, max_source_len=384, max_target_len=256)
    causal_tok = build_tokenizer(causal_spec, texts, args.cache)
    causal_shape = (dict(vocab_size=len(causal_tok), hidden_size=64, intermediate_size=128,
                         num_attention_heads=4, num_key_value_heads=4, head_dim=16,
                         num_hidden_layers=2) if dry else
                    dict(vocab_size=49152, hidden_size=960, intermediate_size=2560,
                         num_attention_heads=15, num_key_value_heads=5, head_dim=64,
                         num_hidden_layers=32))
    torch.manual_seed(0)
    causal = build_llama(causal_tok, **causal_shape)
    n_causal = sum(p.numel() for p in causal.model.layers.parameters()) + causal.lm_head.weight.numel()
    results["causal"] = {"model": ("tiny Llama, random init" if dry else
                                   "SmolLM2-360M shape, random init"),
                         "params_m": round(n_causal / 1e6, 1)}
    results["causal"].update(measure(causal, build_adapter(causal_spec, causal_tok),
                                     lambda batch: 6 * batch["input_ids"].numel() * n_causal,
                                     packed=True))
    write_json_atomic(args.out, results)
    for key, value in results.items():
        if isinstance(value, dict):
            for sub, v in value.items():
                print(f"causal {sub:<19} {v}")
        else:
            print(f"{key:<26} {value}")
    print(f"written: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
