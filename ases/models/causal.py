"""The model seam for decoder-only models (Llama, SmolLM2, Qwen2.5, Gemma 3): one sequence.

A row is one sequence: the prompt, then the target and its end token; the loss is on the
target and its end only (prompt labels are -100, as TRL's completion-only loss). Two end
tokens: the **segment marker** ends one segment (and is all a dual-path pass writes); the
tokenizer's **end token** ends the whole text (the baseline's CoT; all the uni path's stop
row writes).

Prompts are tokenized piece by piece — the question and its marker, then each written
segment with its leading space followed by the segment marker — so that the prompt of a
CoT's row k+1 begins with row k's prompt and target ids exactly (byte-level BPE would
otherwise merge across the boundaries).
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from functools import cached_property

import numpy as np
import torch
from tqdm.auto import tqdm
from transformers import LogitsProcessorList, PreTrainedModel, PreTrainedTokenizerBase

from ases.models.adapter import EncodedRow, GenerateEach, TokenScores, TrainingRow, Writer, pad
from ases.models.carry import CacheCarry, carries
from ases.models.greedy import HoldEndUntilText, blank_token_ids, neutral_generation
from ases.text.context import Prompt

SEGMENT_TOKEN = "<|segment|>"
"""The segment marker added to a tokenizer that cannot write a newline as one token."""


def prepare_tokenizer(tokenizer: PreTrainedTokenizerBase) -> PreTrainedTokenizerBase:
    """Makes a tokenizer fit for a decoder-only student, in place: a pad token (the end
    token when it has none; padding is masked, so they never mix) and a segment marker
    (see :func:`segment_marker`). Call it before the model is built: the marker may add a
    token."""
    if tokenizer.eos_token_id is None:
        raise ValueError(f"{type(tokenizer).__name__} has no end-of-sequence token; a decoder-only "
                         "student needs one to learn where a text ends")
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    if _newline_id(tokenizer) is None and SEGMENT_TOKEN not in tokenizer.get_vocab():
        tokenizer.add_special_tokens({"additional_special_tokens": [SEGMENT_TOKEN]})
    return tokenizer


def _newline_id(tokenizer: PreTrainedTokenizerBase) -> int | None:
    """The id of ``"\\n"`` when the tokenizer writes it as one token of its own."""
    ids = tokenizer("\n", add_special_tokens=False)["input_ids"]
    if len(ids) == 1 and tokenizer.decode(ids) == "\n":
        return ids[0]
    return None


def segment_marker(tokenizer: PreTrainedTokenizerBase) -> int:
    """The token that ends a segment: a newline where the tokenizer has one (segments never
    contain one: pieces are cut at newlines and joined with spaces), otherwise the added
    :data:`SEGMENT_TOKEN`."""
    newline = _newline_id(tokenizer)
    if newline is not None:
        return newline
    if SEGMENT_TOKEN not in tokenizer.get_vocab():
        raise ValueError("the tokenizer has no segment marker: build it with "
                         "ases.models.causal.prepare_tokenizer")
    return tokenizer.convert_tokens_to_ids(SEGMENT_TOKEN)


class CausalAdapter:
    """The prompt and the target in one sequence, read left to right.

    Args:
        tokenizer: the run's tokenizer, prepared by :func:`prepare_tokenizer`.
    """

    arch = "causal"

    def __init__(self, tokenizer: PreTrainedTokenizerBase):
        self.tokenizer = tokenizer
        self.eos = tokenizer.eos_token_id
        self.pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else self.eos
        self.sep = segment_marker(tokenizer)
        # what the tokenizer itself puts before a text (Llama: BOS; SmolLM2, Qwen: nothing)
        plain = tokenizer("a", add_special_tokens=False)["input_ids"]
        full = tokenizer("a")["input_ids"]
        lead = full.index(plain[0]) if plain and plain[0] in full else 0
        self.bos = [t for t in full[:lead] if t != self.eos]

    # -- token ids ---------------------------------------------------------------------

    def _ids(self, text: str) -> list[int]:
        return self.tokenizer(text, add_special_tokens=False)["input_ids"]

    def prompt_ids(self, prompt: Prompt) -> list[int]:
        """The question and its marker, then each written segment (leading space) and the
        segment marker."""
        ids = self.bos + self._ids(prompt.head)
        for segment in prompt.written:
            ids += self.segment_ids(segment)
        return ids

    def segment_ids(self, segment: str) -> list[int]:
        """A written segment as a prompt holds it: its leading space, its text, the marker."""
        return self._ids(" " + segment.strip()) + [self.sep]

    def target_ids(self, target: str, closes: bool) -> list[int]:
        """The target's ids and its end: the end token when it closes the text, else the
        segment marker. An empty target is its end alone (stop, pass)."""
        return self.text_ids(target) + [self.eos if closes else self.sep]

    def text_ids(self, text: str) -> list[int]:
        """A text's ids as a target holds them: after a space (it follows the prompt's
        marker), without an end token."""
        return self._ids(" " + text.strip()) if text.strip() else []

    def piece_targets(self, pieces: Sequence[str]) -> tuple[list[int], list[int]]:
        """The pieces joined with spaces, tokenized whole as the baseline's target, each
        token owned by the piece its last character stands in (byte-level BPE merges the
        space before a piece into the piece's first token). Needs a fast tokenizer's
        character offsets."""
        text, starts = "", []
        for piece in pieces:
            text += " "
            starts.append(len(text))
            text += piece.strip()
        if not text.strip():
            return [], []
        enc = self.tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
        owners, last = [], 0
        for begin, end in enc["offset_mapping"]:
            if end > begin:  # a token of no characters (an added marker) keeps its neighbour's
                last = bisect.bisect_right(starts, end - 1) - 1
            owners.append(max(last, 0))
        return list(enc["input_ids"]), owners

    def encode_rows(self, rows: Sequence[TrainingRow]) -> tuple[list[list[int]], list[list[int]]]:
        return ([self.prompt_ids(r.prompt) for r in rows],
                [self.target_ids(r.target, r.closes) for r in rows])

    def cut(self, prompt: list[int], target: list[int], max_source_len: int,
            max_target_len: int) -> tuple[list[int], list[int]]:
        """Cuts a long prompt from its start (the question's first tokens go, the segments
        written so far stay) and a long target from its end, keeping its end token."""
        if len(prompt) > max_source_len:
            prompt = self.bos + prompt[len(prompt) - max_source_len + len(self.bos):]
        if len(target) > max_target_len:
            target = target[: max_target_len - 1] + target[-1:]
        return prompt, target

    def collate(self, batch: Sequence[EncodedRow]) -> dict[str, torch.Tensor]:
        """Prompt + target per item, right-padded; labels only on the target tokens.

        ``weights`` (B, L) give each target token ``1 / len(its row's target)``, so every
        row weighs 1 in the loss however long its target, and a packed item (several rows
        of one CoT) weighs as many rows as it holds.
        """
        width = max(len(p) + len(t) for p, t, *_ in batch)
        input_ids = torch.full((len(batch), width), self.pad, dtype=torch.long)  # (B, L)
        attention = torch.zeros((len(batch), width), dtype=torch.long)  # (B, L)
        labels = torch.full((len(batch), width), -100, dtype=torch.long)  # (B, L)
        weights = torch.zeros((len(batch), width), dtype=torch.float)  # (B, L)
        for b, (p, t, _, spans) in enumerate(batch):
            n = len(p) + len(t)
            input_ids[b, :n] = torch.tensor(p + t)
            attention[b, :n] = 1
            labels[b, len(p):n] = torch.tensor(t)
            pos = len(p)
            for span in spans:
                weights[b, pos:pos + span] = 1.0 / span
                pos += span
        is_as = torch.tensor([row[2] for row in batch], dtype=torch.bool)  # (B,)
        return {"input_ids": input_ids, "attention_mask": attention, "labels": labels,
                "weights": weights, "is_as": is_as}

    def loss(self, model: PreTrainedModel, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        """The mean over the batch's rows of each row's mean token cross-entropy (packed or
        not: a packed CoT's rows count one by one)."""
        logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
        logits = logits[:, :-1].float()  # (B, L-1, V): position i predicts token i+1
        labels, weights = batch["labels"][:, 1:], batch["weights"][:, 1:]  # (B, L-1)
        nll = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                                                labels.reshape(-1), ignore_index=-100,
                                                reduction="none").view_as(labels)
        return (nll * weights).sum() / weights.sum()

    # -- teacher-forced scores ---------------------------------------------------------

    def token_scores(self, model: PreTrainedModel, prompts: Sequence[Prompt],
                     targets: Sequence[list[int]], max_source_len: int, batch_size: int = 64,
                     progress: bool = True, desc: str = "scoring") -> list[TokenScores]:
        """Entropy and NLL of every target token given the prompt (cut as in training):
        the logits at the position before each target token (shifted by one)."""
        prompts = [self.cut(self.prompt_ids(p), [], max_source_len, 1)[0] for p in prompts]
        order = sorted(range(len(prompts)), key=lambda i: len(prompts[i]) + len(targets[i]))
        out = [TokenScores(np.zeros(0, np.float32), np.zeros(0, np.float32)) for _ in prompts]
        model.eval()
        for start in tqdm(range(0, len(order), batch_size), desc=desc, disable=not progress,
                          unit="batch"):
            chunk = order[start : start + batch_size]
            seqs = [prompts[i] + list(targets[i]) for i in chunk]
            ids = pad(seqs, self.pad)  # (B, L)
            mask = torch.zeros_like(ids)
            for b, s in enumerate(seqs):
                mask[b, : len(s)] = 1
            with torch.inference_mode():
                logits = model(input_ids=ids.to(model.device),
                               attention_mask=mask.to(model.device)).logits.float()  # (B, L, V)
                logp = torch.log_softmax(logits, dim=-1)  # (B, L, V)
                entropy = -(logp.exp() * logp).sum(-1)  # (B, L)
            for b, i in enumerate(chunk):
                p, t = len(prompts[i]), len(targets[i])
                rows = torch.arange(p - 1, p - 1 + t, device=logp.device)  # predict t from p-1..
                gold = torch.tensor(targets[i], dtype=torch.long, device=logp.device)
                nll = -logp[b, rows, gold]
                out[i] = TokenScores(entropy[b, rows].cpu().numpy().copy(), nll.cpu().numpy().copy())
        return out

    # -- generation --------------------------------------------------------------------

    @cached_property
    def blank_ids(self) -> torch.Tensor:
        """Tokens that write no visible character (see ``generate(must_write=True)``)."""
        return blank_token_ids(self.tokenizer)

    def writer(self, model: PreTrainedModel, max_source_len: int, max_new_tokens: int,
               num_beams: int = 1, min_new_tokens: int = 0, engine: str = "ases") -> Writer:
        """Greedy search keeps each example's cache between calls (:class:`CacheCarry`)
        unless beam search, ``engine=hf``, a generation config that changes logits or a
        sliding-window cache asks for ``generate`` (which reads every prompt whole)."""
        if engine == "ases" and num_beams == 1 and neutral_generation(model) and carries(model):
            return CacheCarry(self, model, max_source_len, max_new_tokens, min_new_tokens)
        return GenerateEach(self, model, max_source_len, max_new_tokens, num_beams,
                            min_new_tokens, engine)

    def generate(self, model: PreTrainedModel, prompts: Sequence[Prompt], max_source_len: int,
                 max_new_tokens: int, num_beams: int = 1, min_new_tokens: int = 0,
                 engine: str = "ases", must_write: bool = False) -> list[str]:
        """The next segment of each prompt: generation stops at the segment marker or the
        end token (either left out of the text). Prompts are left-padded."""
        ids = [self.cut(self.prompt_ids(p), [], max_source_len, 1)[0] for p in prompts]
        input_ids = pad(ids, self.pad, left=True).to(model.device)  # (B, S)
        mask = torch.zeros_like(input_ids)
        for b, row in enumerate(ids):
            mask[b, input_ids.shape[1] - len(row):] = 1
        ends = [self.sep, self.eos]
        hold = [HoldEndUntilText(self.blank_ids, ends, start=input_ids.shape[1])] if must_write else []
        with torch.inference_mode():
            out = model.generate(input_ids=input_ids, attention_mask=mask,
                                 max_new_tokens=max_new_tokens, num_beams=num_beams,
                                 do_sample=False, min_new_tokens=min_new_tokens or None,
                                 eos_token_id=ends, pad_token_id=self.pad,
                                 logits_processor=LogitsProcessorList(hold))
        texts = []
        for row in out[:, input_ids.shape[1]:].tolist():
            cut = next((k for k, t in enumerate(row) if t in ends), len(row))
            texts.append(self.tokenizer.decode(row[:cut], skip_special_tokens=True).strip())
        return texts
