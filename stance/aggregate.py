"""Aggregate sentence labels per outlet or per article, with uncertainty.

``net_stance = (pro - anti) / (pro + anti)`` (0 when both are 0): +1 means every
stance-taking sentence is pro, -1 every one is anti.

The 95% interval comes from a two-stage (hierarchical) bootstrap: articles are
resampled with replacement within the group, then sentences within each drawn
article. Sentences of one article are not independent, and the first stage
carries that; the second stage keeps a one-article group from getting a
zero-width interval.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

GROUP_KEYS = ("outlet", "doc_id")
N_BOOTSTRAP = 2000
BOOTSTRAP_SEED = 0


def filter_sentences(labels: pd.DataFrame, own_voice: bool = False, exclude_boilerplate: bool = True) -> pd.DataFrame:
    """Drop boilerplate (by default) and, with ``own_voice``, attributed sentences."""
    keep = pd.Series(True, index=labels.index)
    if exclude_boilerplate and "boilerplate" in labels:
        keep &= ~labels["boilerplate"].astype(bool)
    if own_voice:
        keep &= ~labels["attributed"].astype(bool)
    return labels[keep]


def net_stance(n_pro, n_anti):
    """(pro - anti) / (pro + anti), 0 where both are 0; works on scalars and arrays."""
    n_pro, n_anti = np.asarray(n_pro, dtype=float), np.asarray(n_anti, dtype=float)
    total = n_pro + n_anti
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, (n_pro - n_anti) / np.where(total > 0, total, 1), 0.0)


def per_article_counts(labels: pd.DataFrame) -> pd.DataFrame:
    counts = pd.crosstab(labels["doc_id"], labels["label"])
    for label in ("pro", "anti", "neutral"):
        if label not in counts:
            counts[label] = 0
    return counts[["pro", "anti", "neutral"]]


def bootstrap_interval(article_counts: np.ndarray, n_boot: int = N_BOOTSTRAP, seed: int = BOOTSTRAP_SEED,
                       level: float = 0.95) -> tuple[float, float]:
    """Two-stage bootstrap interval of net stance from per-article (pro, anti, neutral) counts."""
    counts = np.asarray(article_counts, dtype=np.int64).reshape(-1, 3)
    sizes = counts.sum(axis=1)
    counts, sizes = counts[sizes > 0], sizes[sizes > 0]
    if len(counts) == 0:
        return 0.0, 0.0
    rng = np.random.default_rng(seed)
    drawn = rng.integers(0, len(counts), size=(n_boot, len(counts)))
    shares = counts[drawn] / sizes[drawn][..., None]
    resampled = rng.multinomial(sizes[drawn], shares)
    totals = resampled.sum(axis=1)
    nets = net_stance(totals[:, 0], totals[:, 1])
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(nets, [tail, 100 - tail])
    return float(low), float(high)


def aggregate(labels: pd.DataFrame, by: str = "outlet", own_voice: bool = False, exclude_boilerplate: bool = True,
              n_boot: int = N_BOOTSTRAP, seed: int = BOOTSTRAP_SEED) -> pd.DataFrame:
    """One row per group: counts, shares, net stance and its 95% interval.

    Parameters
    ----------
    labels : DataFrame
        Output of ``stance label``.
    by : {"outlet", "doc_id"}
        Grouping key; the output's first column is named after it.
    own_voice : bool
        Exclude attributed sentences (keep only the outlet's own voice).
    exclude_boilerplate : bool
        Exclude page furniture.

    Returns
    -------
    DataFrame
        Columns ``by, n_articles, n_sentences, n_pro, n_anti, n_neutral, share_pro,
        share_anti, net_stance, net_low, net_high``, sorted by ``net_stance``.
    """
    if by not in GROUP_KEYS:
        raise ValueError(f"--by must be one of {', '.join(GROUP_KEYS)}, not '{by}'.")
    kept = filter_sentences(labels, own_voice=own_voice, exclude_boilerplate=exclude_boilerplate)
    rows = [_group_row(key, group, n_boot, seed) for key, group in kept.groupby(by, sort=True)]
    columns = ["n_articles", "n_sentences", "n_pro", "n_anti", "n_neutral", "share_pro", "share_anti",
               "net_stance", "net_low", "net_high"]
    table = pd.DataFrame(rows, columns=[by] + columns)
    return table.sort_values(["net_stance", by]).reset_index(drop=True)


def _group_row(key, group: pd.DataFrame, n_boot: int, seed: int) -> list:
    counts = per_article_counts(group)
    n_pro, n_anti, n_neutral = (int(counts[c].sum()) for c in ("pro", "anti", "neutral"))
    n = n_pro + n_anti + n_neutral
    low, high = bootstrap_interval(counts.to_numpy(), n_boot=n_boot, seed=seed)
    return [key, len(counts), n, n_pro, n_anti, n_neutral, n_pro / n if n else 0.0, n_anti / n if n else 0.0,
            float(net_stance(n_pro, n_anti)), low, high]


def format_table(table: pd.DataFrame) -> str:
    """A readable fixed-width rendering of an aggregate table."""
    shown = table.copy()
    for col in ("share_pro", "share_anti", "net_stance", "net_low", "net_high"):
        if col in shown:
            shown[col] = shown[col].map(lambda v: f"{v:+.2f}" if col.startswith("net") else f"{v:.2f}")
    return shown.to_string(index=False)
