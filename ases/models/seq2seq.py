"""The model seam for encoder-decoder models (T5, mT5, BART): source → target."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property

import numpy as np
import torch
from tqdm.auto import tqdm
from transformers import LogitsProcessorList, PreTrainedModel, PreTrainedTokenizerBase

from ases.models.adapter import EncodedRow, GenerateEach, TokenScores, TrainingRow, Writer, pad
from ases.models.greedy import (
    HoldEndUntilText,
    blank_token_ids,
    end_token_ids,
    greedy_generate,
    plain_greedy,
)
from ases.text.context import Prompt


class Seq2SeqAdapter:
    """The encoder reads the source, the decoder writes the target.

    Args:
        tokenizer: the run's tokenizer (shared by every model of the run).
    """

    arch = "seq2seq"

    def __init__(self, tokenizer: PreTrainedTokenizerBase):
        self.tokenizer = tokenizer

    @cached_property
    def blank_ids(self) -> torch.Tensor:
        """Tokens that write no visible character (see ``generate(must_write=True)``)."""
        return blank_token_ids(self.tokenizer)

    def encode_rows(self, rows: Sequence[TrainingRow]) -> tuple[list[list[int]], list[list[int]]]:
        src = self.tokenizer([r.prompt.text for r in rows])["input_ids"]
        tgt = self.tokenizer(text_target=[r.target for r in rows])["input_ids"]
        return src, tgt

    def cut(self, prompt: list[int], target: list[int], max_source_len: int,
            max_target_len: int) -> tuple[list[int], list[int]]:
        """Keeps the first tokens of each side, and its end token."""
        end = [] if self.tokenizer.eos_token_id is None else [self.tokenizer.eos_token_id]
        if len(prompt) > max_source_len:
            prompt = prompt[: max_source_len - len(end)] + end
        if len(target) > max_target_len:
            target = target[: max_target_len - len(end)] + end
        return prompt, target

    def collate(self, batch: Sequence[EncodedRow]) -> dict[str, torch.Tensor]:
        pad_id = self.tokenizer.pad_token_id
        src_len = max(len(row[0]) for row in batch)
        tgt_len = max(len(row[1]) for row in batch)
        input_ids = torch.full((len(batch), src_len), pad_id, dtype=torch.long)  # (B, S)
        attention = torch.zeros((len(batch), src_len), dtype=torch.long)  # (B, S)
        labels = torch.full((len(batch), tgt_len), -100, dtype=torch.long)  # (B, T)
        for b, (s, t, *_) in enumerate(batch):
            input_ids[b, : len(s)] = torch.tensor(s)
            attention[b, : len(s)] = 1
            labels[b, : len(t)] = torch.tensor(t)
        is_as = torch.tensor([row[2] for row in batch], dtype=torch.bool)  # (B,) which dual model
        return {"input_ids": input_ids, "attention_mask": attention, "labels": labels, "is_as": is_as}

    def loss(self, model: PreTrainedModel, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        """The mean token cross-entropy over the batch's target tokens, or its ``weights``-
        weighted mean where the batch has them (``path.loss_weights``)."""
        out = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"],
                    labels=batch["labels"])
        if "weights" not in batch:
            return out.loss
        logits, labels, weights = out.logits.float(), batch["labels"], batch["weights"]  # (B, T, V), (B, T)
        nll = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                                                labels.reshape(-1), ignore_index=-100,
                                                reduction="none").view_as(labels)
        return (nll * weights).sum() / weights.sum()

    def text_ids(self, text: str) -> list[int]:
        return self.tokenizer(text, add_special_tokens=False)["input_ids"]

    def piece_targets(self, pieces: Sequence[str]) -> tuple[list[int], list[int]]:
        """Each piece tokenized alone: SentencePiece and ases' own BPE never merge across
        white space, so their concatenation is the tokenization of the pieces joined with
        spaces."""
        per_piece = [self.text_ids(p) for p in pieces]
        return ([t for ids in per_piece for t in ids],
                [k for k, ids in enumerate(per_piece) for _ in ids])

    def token_scores(self, model: PreTrainedModel, prompts: Sequence[Prompt],
                     targets: Sequence[list[int]], max_source_len: int, batch_size: int = 64,
                     progress: bool = True, desc: str = "scoring") -> list[TokenScores]:
        """Teacher-forced entropy and NLL of every target token.

        Rows are sorted by length and padded per batch (not to a fixed length), the last
        partial batch included, under ``torch.inference_mode``; sources are truncated to
        ``max_source_len`` as in training. The decoder is causal, so a target token's
        numbers do not depend on what follows it.
        """
        tok = self.tokenizer
        src_ids = tok([p.text for p in prompts], truncation=True,
                      max_length=max_source_len)["input_ids"]
        order = sorted(range(len(prompts)), key=lambda i: len(targets[i]) + len(src_ids[i]))
        out: list[TokenScores] = [TokenScores(np.zeros(0, np.float32), np.zeros(0, np.float32))
                                  for _ in prompts]
        model.eval()
        for start in tqdm(range(0, len(order), batch_size), desc=desc, disable=not progress,
                          unit="batch"):
            chunk = order[start : start + batch_size]
            src = pad([src_ids[i] for i in chunk], tok.pad_token_id)  # (B, S)
            tgt = pad([targets[i] for i in chunk], -100)  # (B, T)
            with torch.inference_mode():
                logits = model(input_ids=src.to(model.device),
                               attention_mask=(src != tok.pad_token_id).long().to(model.device),
                               labels=tgt.to(model.device)).logits.float()  # (B, T, V)
                logp = torch.log_softmax(logits, dim=-1)  # (B, T, V)
                entropy = -(logp.exp() * logp).sum(-1)  # (B, T)
                nll = -logp.gather(-1, tgt.clamp(min=0).to(logp.device).unsqueeze(-1)).squeeze(-1)
            entropy, nll = entropy.cpu().numpy(), nll.cpu().numpy()  # (B, T)
            for row, i in enumerate(chunk):
                n = len(targets[i])
                out[i] = TokenScores(entropy[row, :n].copy(), nll[row, :n].copy())
        return out

    def writer(self, model: PreTrainedModel, max_source_len: int, max_new_tokens: int,
               num_beams: int = 1, min_new_tokens: int = 0, engine: str = "ases") -> Writer:
        """The encoder reads each round's whole context: one :meth:`generate` a round."""
        return GenerateEach(self, model, max_source_len, max_new_tokens, num_beams,
                            min_new_tokens, engine)

    def generate(self, model: PreTrainedModel, prompts: Sequence[Prompt], max_source_len: int,
                 max_new_tokens: int, num_beams: int = 1, min_new_tokens: int = 0,
                 engine: str = "ases", must_write: bool = False) -> list[str]:
        """Greedy decoding that drops finished rows (:func:`greedy_generate`) where it
        writes what ``generate`` would; otherwise ``model.generate``. With ``must_write``
        no output ends before it holds a visible character."""
        enc = self.tokenizer([p.text for p in prompts], padding=True, truncation=True,
                             max_length=max_source_len, return_tensors="pt").to(model.device)
        blank = self.blank_ids if must_write else None
        if engine == "ases" and plain_greedy(model, num_beams):
            out = greedy_generate(model, enc["input_ids"], enc["attention_mask"], max_new_tokens,
                                  min_new_tokens, blank_ids=blank)
        else:
            hold = [] if blank is None else [HoldEndUntilText(blank, end_token_ids(model), start=1)]
            with torch.inference_mode():
                out = model.generate(**enc, max_new_tokens=max_new_tokens, num_beams=num_beams,
                                     do_sample=False, min_new_tokens=min_new_tokens or None,
                                     logits_processor=LogitsProcessorList(hold))
        return [t.strip() for t in self.tokenizer.batch_decode(out, skip_special_tokens=True)]
