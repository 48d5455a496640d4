"""Simulation study of the outlet estimates: bias, error and interval coverage per method.

Synthetic outlets with known pro/anti/neutral shares are built from real-text
sentences whose predictions were made out of sample (leave-one-seed-article-
out, and realdev when present; see :mod:`stance.model.rates`). For each
replicate the pool's articles are split at random in two halves: one plays the
model card (its confusion counts are the rates the adjustments use), the other
supplies the outlets' sentences. So the rates are never measured on the
sentences they correct, and they are known from half the counts a real card
has: if anything, the intervals here are wider than in use.

An outlet has ``n`` articles of 10 to 40 sentences. Each article's own shares
are drawn around the outlet's (Dirichlet, concentration
``ARTICLE_CONCENTRATION``), so articles differ as real ones do; each sentence
gets a true label from its article's shares and then the prediction and
probabilities of a random pool sentence with that true label. The truth is the
net stance of the outlet's true labels, what counting reference labels gives.

:func:`realdev_article_check` measures the same on the realdev articles
themselves, each adjusted with rates from every other pool article.
"""
from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from stance.model.rates import rate_counts
from stance.results.aggregate import adjusted_by_group, group_table, net_stance
from stance.results.quantify import METHODS, ClassifierRates

SIZES = (1, 2, 5, 10, 20, 50)
SHARE_STEP = 0.25
SENTENCES_PER_ARTICLE = (10, 40)
ARTICLE_CONCENTRATION = 20.0
SIM_BOOTSTRAP = 300  # per synthetic outlet; coverage is judged over hundreds of outlets
PROBABILITY_COLUMNS = ["p_pro", "p_anti", "p_neutral"]
CLASSES = ("pro", "anti", "neutral")


def share_grid(step: float = SHARE_STEP) -> list[tuple[float, float, float]]:
    """(pro, anti, neutral) shares on a grid of ``step``, leaving out outlets with no stance at all."""
    ticks = np.round(np.arange(0, 1 + step / 2, step), 10)
    return [(p, a, round(1 - p - a, 10)) for p, a in itertools.product(ticks, ticks) if p + a <= 1 + 1e-9 and p + a > 0]


def rates_from(predictions: pd.DataFrame, train_prior) -> ClassifierRates:
    """A card's rates measured on ``predictions`` (``label``, ``pred``, ``p_*``, ``doc_id``)."""
    articles = [rate_counts(frame) for _, frame in predictions.groupby("doc_id", sort=True)]
    return ClassifierRates(np.asarray([a["confusion"] for a in articles], float),
                           np.asarray([a["probability_sums"] for a in articles], float), np.asarray(train_prior, float))


def split_pool(pool: pd.DataFrame, rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The pool's articles in two random halves: (calibration, simulation)."""
    docs = pool["doc_id"].unique()
    chosen = set(rng.permutation(docs)[: len(docs) // 2])
    mask = pool["doc_id"].isin(chosen)
    return pool[mask], pool[~mask]


def synthetic_outlet(name: str, shares, n_articles: int, source: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Sentence rows shaped like ``stance label`` output, plus the true ``gold`` label."""
    by_class = {c: source[source["label"] == c] for c in CLASSES}
    alpha = ARTICLE_CONCENTRATION * np.asarray(shares, float) + 0.05
    rows = []
    for a in range(n_articles):
        n = int(rng.integers(SENTENCES_PER_ARTICLE[0], SENTENCES_PER_ARTICLE[1] + 1))
        gold = rng.choice(3, size=n, p=rng.dirichlet(alpha))
        for c in range(3):
            k = int((gold == c).sum())
            if k:
                picked = by_class[CLASSES[c]].iloc[rng.integers(0, len(by_class[CLASSES[c]]), size=k)]
                rows.append(pd.DataFrame({"outlet": name, "doc_id": f"{name}-{a}", "gold": CLASSES[c],
                                          "label": picked["pred"].to_numpy(),
                                          **{col: picked[col].to_numpy() for col in PROBABILITY_COLUMNS}}))
    return pd.concat(rows, ignore_index=True)


def estimates(labels: pd.DataFrame, rates: ClassifierRates, methods=METHODS, n_boot: int = SIM_BOOTSTRAP,
              seed: int = 0) -> pd.DataFrame:
    """Per outlet and method: ``estimate, low, high`` and the ``truth`` from the gold labels."""
    raw = group_table(labels, ["outlet"], n_boot=n_boot, seed=seed).set_index("outlet")
    gold = labels.groupby("outlet")["gold"].value_counts().unstack(fill_value=0).reindex(columns=CLASSES, fill_value=0)
    truth = pd.Series(net_stance(gold["pro"], gold["anti"]), index=gold.index)
    frames = []
    for method in methods:
        if method == "cc":
            table = raw[["net_stance", "net_low", "net_high"]]
        else:
            table = adjusted_by_group(labels, ["outlet"], method, rates, n_boot=n_boot, seed=seed)
            table = table.set_axis(table.index.get_level_values(0))[["net_stance", "net_low", "net_high"]]
        frame = table.set_axis(["estimate", "low", "high"], axis=1)
        frames.append(frame.assign(method=method, truth=truth.loc[frame.index]))
    return pd.concat(frames).rename_axis("outlet").reset_index()


def simulate(pool: pd.DataFrame, train_prior, methods=METHODS, sizes=SIZES, replicates: int = 20,
             step: float = SHARE_STEP, n_boot: int = SIM_BOOTSTRAP, seed: int = 0, log=None) -> pd.DataFrame:
    """One row per synthetic outlet and method: shares, size, replicate, truth, estimate, interval."""
    rng = np.random.default_rng(seed)
    grid = share_grid(step)
    results = []
    for r in range(replicates):
        calibration, source = split_pool(pool, rng)
        rates = rates_from(calibration, train_prior)
        outlets, design = [], {}
        for size, (i, shares) in itertools.product(sizes, enumerate(grid)):
            name = f"r{r}-n{size}-s{i}"
            design[name] = {"n_articles": size, "pro": shares[0], "anti": shares[1], "neutral": shares[2]}
            outlets.append(synthetic_outlet(name, shares, size, source, rng))
        table = estimates(pd.concat(outlets, ignore_index=True), rates, methods, n_boot=n_boot, seed=seed + r)
        info = pd.DataFrame.from_dict(design, orient="index").rename_axis("outlet").reset_index()
        results.append(table.merge(info, on="outlet").assign(replicate=r))
        if log:
            log(f"replicate {r + 1}/{replicates}")
    return pd.concat(results, ignore_index=True)


def summarize(outcomes: pd.DataFrame, by=("method", "n_articles")) -> pd.DataFrame:
    """Bias, MAE, coverage and mean width of the intervals per group of ``by``."""
    frame = outcomes.assign(error=outcomes["estimate"] - outcomes["truth"],
                            covered=(outcomes["low"] <= outcomes["truth"] + 1e-9)
                            & (outcomes["truth"] <= outcomes["high"] + 1e-9),
                            width=outcomes["high"] - outcomes["low"])
    grouped = frame.groupby(list(by))
    return pd.DataFrame({"n": grouped.size(), "bias": grouped["error"].mean(),
                         "mae": grouped["error"].apply(lambda e: e.abs().mean()),
                         "coverage": grouped["covered"].mean(), "width": grouped["width"].mean()}).reset_index()


def realdev_article_check(pool: pd.DataFrame, train_prior, methods=METHODS, n_boot: int = 1000,
                          seed: int = 0) -> pd.DataFrame:
    """Per realdev article and method: estimate and interval with rates from all other pool articles."""
    frames = []
    for doc_id, article in pool[pool["source"] == "realdev"].groupby("doc_id"):
        rates = rates_from(pool[pool["doc_id"] != doc_id], train_prior)
        labels = article.assign(outlet=doc_id, gold=article["label"], label=article["pred"])
        frames.append(estimates(labels, rates, methods, n_boot=n_boot, seed=seed))
    return pd.concat(frames, ignore_index=True)


def model_pool(model_path) -> tuple[pd.DataFrame, np.ndarray]:
    """Out-of-sample predictions of the model's design (LOSO) and of the model (realdev), and its training shares."""
    from stance.model.card import load_model, read_card
    from stance.model.pipeline import build_pipeline
    from stance.model.rates import out_of_sample_predictions

    card = read_card(model_path)
    pool = out_of_sample_predictions(build_pipeline(**card.get("pipeline_params", {})), load_model(model_path))
    counts = card["training_data"]["label_counts"]
    return pool, np.array([counts.get(c, 0) for c in CLASSES], float) / sum(counts.values())


def study(pool: pd.DataFrame, train_prior, replicates: int = 20, n_boot: int = SIM_BOOTSTRAP, seed: int = 0,
          log=None) -> dict:
    """The simulation table (per method and size) and, with realdev in the pool, the per-article check."""
    outcomes = simulate(pool, train_prior, replicates=replicates, n_boot=n_boot, seed=seed, log=log)
    result = {
        "design": {"sizes": list(SIZES), "share_step": SHARE_STEP, "sentences_per_article": list(SENTENCES_PER_ARTICLE),
                   "article_concentration": ARTICLE_CONCENTRATION, "replicates": replicates, "n_boot": n_boot,
                   "seed": seed, "pool": {s: {"sentences": int(len(f)), "articles": int(f["doc_id"].nunique())}
                                          for s, f in pool.groupby("source")}},
        "by_size": summarize(outcomes).to_dict(orient="records"),
        "overall": summarize(outcomes, by=("method",)).to_dict(orient="records"),
    }
    if (pool["source"] == "realdev").any():
        result["realdev_articles"] = summarize(realdev_article_check(pool, train_prior, n_boot=max(n_boot, 1000),
                                                                     seed=seed), by=("method",)).to_dict(orient="records")
    return result
