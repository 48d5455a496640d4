"""Aggregate sentence labels per outlet, article or month, with uncertainty.

``net_stance = (pro - anti) / (pro + anti)`` (0 when both are 0): +1 means every
stance-taking sentence is pro, -1 every one is anti.

Before counting, :func:`select_sentences` folds near-duplicate articles (one
wire story run twice counts once), then drops boilerplate, attributed
sentences (``own_voice``) and low-confidence sentences, as asked.

The 95% interval of a group is the union of two intervals:

* the **cluster bootstrap** over articles (:func:`bootstrap_interval`):
  articles, not sentences, are resampled, because sentences of one article
  are not independent; it measures how much the articles disagree. Above
  ``MAX_BOOTSTRAP_ARTICLES`` articles its normal approximation with the
  cluster-robust (delta-method) standard error is used instead
  (:func:`cluster_normal_interval`), since the two agree there and the
  bootstrap's cost grows with articles x replicates;
* the **Jeffreys interval of the pooled sentences** (:func:`jeffreys_interval`):
  the uncertainty there would be if every sentence were independent. It is the
  floor: it keeps a group whose articles are all pro from getting a
  zero-width interval, and it is the whole interval for a one-article group,
  where it says how sure we are about *that article*, not about its outlet.

Both shrink as articles (and their sentences) are added, so intervals widen
for groups with fewer articles.

Those are the *raw* (classify-and-count) figures, kept as ``net_stance_raw``,
``net_low_raw``, ``net_high_raw`` and ``share_<label>_raw``. By default
``net_stance``, its interval and the shares are corrected for classifier
error with the model card's misclassification rates (``adjust``, see
:mod:`stance.results.quantify`), and their interval includes the uncertainty
of those rates; ``method`` names the method.
"""
from __future__ import annotations

import re
import zlib

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse.csgraph import connected_components
from scipy.stats import beta, norm

from stance.results.quantify import (DEFAULT_METHOD, METHODS, ClassifierRates, adjusted_interval, net_from_shares,
                                    point_shares)

STANCE_LABELS = ("pro", "anti", "neutral")
GROUPINGS = {"outlet": ["outlet"], "doc_id": ["doc_id"], "month": ["month"], "outlet-month": ["outlet", "month"]}
N_BOOTSTRAP = 2000
BOOTSTRAP_SEED = 0
JEFFREYS_PRIOR = 0.5
MAX_BOOTSTRAP_ARTICLES = 500  # beyond this the normal approximation is as good and far cheaper
CHUNK_DRAWS = 2_000_000  # bootstrap cells per chunk: bounds memory

DUPLICATE_THRESHOLD = 0.8  # share of the shorter article's sentences found in the other
DUPLICATE_MIN_SHARED = 2
FINGERPRINT_MIN_WORDS = 5  # shorter sentences ("Read more.") are shared by unrelated articles
FINGERPRINT_MAX_DOCS = 1000  # a sentence in more articles than this is page furniture
_NON_WORD = re.compile(r"[^\w]+")


def check_columns(labels: pd.DataFrame, needed, why: str) -> None:
    """Raise ``ValueError`` naming the columns of ``needed`` that ``labels`` lacks."""
    missing = [c for c in needed if c not in labels.columns]
    if missing:
        raise ValueError(f"labels table lacks column(s) {missing}, needed {why}. "
                         "Use the output of `stance label`.")


def top_probability(labels: pd.DataFrame) -> pd.Series:
    """The classifier's probability for its chosen label, per sentence."""
    columns = [f"p_{label}" for label in STANCE_LABELS]
    check_columns(labels, columns, "for --min-confidence")
    return labels[columns].max(axis=1)


def filter_sentences(labels: pd.DataFrame, own_voice: bool = False, exclude_boilerplate: bool = True,
                     min_confidence: float | None = None) -> tuple[pd.DataFrame, dict]:
    """Drop boilerplate, attributed and low-confidence sentences, as asked.

    Returns
    -------
    kept : DataFrame
        The remaining sentences.
    dropped : dict
        Sentences removed by each filter, applied in the order
        ``boilerplate``, ``attributed``, ``low_confidence``.
    """
    masks = {}
    if exclude_boilerplate and "boilerplate" in labels:
        masks["boilerplate"] = labels["boilerplate"].astype(bool)
    if own_voice:
        check_columns(labels, ["attributed"], "for --own-voice")
        masks["attributed"] = labels["attributed"].astype(bool)
    if min_confidence is not None:
        if not 0.0 <= min_confidence <= 1.0:
            raise ValueError(f"--min-confidence must be between 0 and 1, not {min_confidence}.")
        masks["low_confidence"] = top_probability(labels) < min_confidence
    keep = pd.Series(True, index=labels.index)
    dropped = {}
    for name, drop in masks.items():
        dropped[name] = int((keep & drop).sum())
        keep &= ~drop
    return labels[keep], dropped


def normalize_sentence(text: str) -> str:
    """Lower case, punctuation and spacing removed: copies that differ only in typography match."""
    return " ".join(_NON_WORD.sub(" ", str(text).lower()).split())


def sentence_fingerprints(labels: pd.DataFrame) -> pd.DataFrame:
    """Distinct ``(doc_id, key)`` pairs of each article's substantial, non-boilerplate sentences."""
    rows = labels
    if "boilerplate" in rows:
        rows = rows[~rows["boilerplate"].astype(bool)]
    keys = rows["text"].map(normalize_sentence)
    long_enough = keys.str.count(" ") + 1 >= FINGERPRINT_MIN_WORDS
    return pd.DataFrame({"doc_id": rows["doc_id"], "key": keys})[long_enough].drop_duplicates()


def duplicate_pairs(fingerprints: pd.DataFrame, threshold: float = DUPLICATE_THRESHOLD,
                    min_shared: int = DUPLICATE_MIN_SHARED) -> pd.DataFrame:
    """Article pairs sharing at least ``threshold`` of the shorter one's sentences.

    Returns a DataFrame with ``doc_a < doc_b``, ``shared`` and ``containment``.
    """
    sizes = fingerprints.groupby("doc_id").size()
    doc_freq = fingerprints.groupby("key")["doc_id"].transform("size")
    common = fingerprints[(doc_freq > 1) & (doc_freq <= FINGERPRINT_MAX_DOCS)]
    pairs = common.merge(common, on="key", suffixes=("_a", "_b"))
    pairs = pairs[pairs["doc_id_a"] < pairs["doc_id_b"]]
    shared = pairs.groupby(["doc_id_a", "doc_id_b"]).size().rename("shared").reset_index()
    smaller = np.minimum(sizes.loc[shared["doc_id_a"]].to_numpy(), sizes.loc[shared["doc_id_b"]].to_numpy())
    shared["containment"] = shared["shared"] / smaller
    keep = (shared["containment"] >= threshold) & (shared["shared"] >= min_shared)
    return shared[keep].rename(columns={"doc_id_a": "doc_a", "doc_id_b": "doc_b"}).reset_index(drop=True)


def article_table(labels: pd.DataFrame) -> pd.DataFrame:
    """One row per article: ``doc_id, outlet, date, n_sentences`` (date parsed; missing ones NaT)."""
    grouped = labels.groupby("doc_id", sort=True)
    articles = pd.DataFrame({"n_sentences": grouped.size()})
    articles["outlet"] = grouped["outlet"].first() if "outlet" in labels else "unknown"
    articles["date"] = parse_dates(grouped["date"].first()) if "date" in labels else pd.NaT
    return articles.reset_index()


def find_duplicates(labels: pd.DataFrame, across_outlets: bool = False, **pair_options) -> pd.DataFrame:
    """Cluster near-duplicate articles and pick the copy that is counted.

    Articles are linked when one holds at least ``threshold`` of the other's
    substantial sentences (see :func:`duplicate_pairs`); linked articles form
    a cluster. One copy is kept per cluster and outlet (per cluster only with
    ``across_outlets``): the earliest, then the longest, then the first id.

    Returns
    -------
    DataFrame
        One row per article: ``doc_id, outlet, cluster, keep``.
    """
    check_columns(labels, ["doc_id", "text"], "to detect duplicate articles")
    articles = article_table(labels)
    pairs = duplicate_pairs(sentence_fingerprints(labels), **pair_options)
    articles["cluster"] = _clusters(articles["doc_id"], pairs)
    scope = ["cluster"] if across_outlets else ["cluster", "outlet"]
    ranked = articles.sort_values(["date", "n_sentences", "doc_id"], ascending=[True, False, True],
                                  na_position="last")
    first = ~ranked.duplicated(scope, keep="first")
    articles["keep"] = first.reindex(articles.index)
    return articles[["doc_id", "outlet", "cluster", "keep"]]


def _clusters(doc_ids: pd.Series, pairs: pd.DataFrame) -> np.ndarray:
    """Connected components of the duplicate graph, labelled by their first doc_id."""
    position = pd.Series(np.arange(len(doc_ids)), index=doc_ids.to_numpy())
    rows, cols = position.loc[pairs["doc_a"]].to_numpy(), position.loc[pairs["doc_b"]].to_numpy()
    graph = sparse.coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(doc_ids),) * 2)
    _, component = connected_components(graph, directed=False)
    names = doc_ids.groupby(component).transform("min")
    return names.to_numpy()


def fold_duplicates(labels: pd.DataFrame, across_outlets: bool = False) -> tuple[pd.DataFrame, dict]:
    """Keep only the counted copy of each near-duplicate cluster (see :func:`find_duplicates`).

    Returns the kept sentences and ``{"duplicate_articles": n, "duplicate_sentences": n}``.
    """
    if labels.empty:
        return labels, {"duplicate_articles": 0, "duplicate_sentences": 0}
    clusters = find_duplicates(labels, across_outlets=across_outlets)
    kept_docs = set(clusters.loc[clusters["keep"], "doc_id"])
    keep = labels["doc_id"].isin(kept_docs)
    return labels[keep], {"duplicate_articles": int((~clusters["keep"]).sum()),
                          "duplicate_sentences": int((~keep).sum())}


def select_sentences(labels: pd.DataFrame, own_voice: bool = False, exclude_boilerplate: bool = True,
                     min_confidence: float | None = None, keep_duplicates: bool = False,
                     fold_across_outlets: bool = False) -> tuple[pd.DataFrame, dict]:
    """Fold duplicate articles, then apply the sentence filters; return kept rows and what was dropped."""
    check_columns(labels, ["doc_id", "label"], "to aggregate")
    dropped = {}
    if not keep_duplicates:
        labels, dropped = fold_duplicates(labels, across_outlets=fold_across_outlets)
    kept, filtered = filter_sentences(labels, own_voice=own_voice, exclude_boilerplate=exclude_boilerplate,
                                      min_confidence=min_confidence)
    return kept, {**dropped, **filtered}


def parse_dates(values: pd.Series) -> pd.Series:
    """Dates as timestamps (unparseable ones as NaT), parsing each distinct value once."""
    distinct = pd.Series(values.dropna().unique())
    parsed = pd.to_datetime(distinct, errors="coerce", format="mixed", utc=True).dt.tz_localize(None)
    return values.map(dict(zip(distinct, parsed))).astype("datetime64[ns]")


def with_month(labels: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Add a ``month`` column (``YYYY-MM``) from ``date``; drop undated sentences and count them."""
    dates = parse_dates(labels["date"]) if "date" in labels else pd.Series(pd.NaT, index=labels.index)
    if dates.isna().all():
        raise ValueError("no sentence has a readable date; grouping by month needs the articles' "
                         "'date' field (ISO dates such as 2022-12-05) in the input of `stance label`.")
    dated = labels[dates.notna()].assign(month=dates.dropna().dt.strftime("%Y-%m"))
    return dated, int(dates.isna().sum())


def net_stance(n_pro, n_anti):
    """(pro - anti) / (pro + anti), 0 where both are 0; works on scalars and arrays."""
    n_pro, n_anti = np.asarray(n_pro, dtype=float), np.asarray(n_anti, dtype=float)
    total = n_pro + n_anti
    return np.where(total > 0, (n_pro - n_anti) / np.where(total > 0, total, 1), 0.0)


def jeffreys_interval(n_pro, n_anti, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Interval of net stance from the Jeffreys posterior of the pro share among pro+anti sentences.

    Vectorised. Treats sentences as independent, so it is the narrowest honest interval.
    """
    n_pro, n_anti = np.asarray(n_pro, dtype=float), np.asarray(n_anti, dtype=float)
    tail = (1 - level) / 2
    low = beta.ppf(tail, n_pro + JEFFREYS_PRIOR, n_anti + JEFFREYS_PRIOR)
    high = beta.ppf(1 - tail, n_pro + JEFFREYS_PRIOR, n_anti + JEFFREYS_PRIOR)
    return 2 * low - 1, 2 * high - 1


def bootstrap_interval(article_counts, n_boot: int = N_BOOTSTRAP, seed=BOOTSTRAP_SEED,
                       level: float = 0.95) -> tuple[float, float]:
    """Cluster-bootstrap interval of net stance from per-article (pro, anti, neutral) counts.

    Parameters
    ----------
    article_counts : array-like of shape (n_articles, 3)
        Sentences labelled pro, anti and neutral in each article.
    n_boot : int
        Bootstrap replicates.
    seed : int or sequence of int
        Seed of the random generator, for reproducible intervals.
    level : float
        Coverage of the interval.

    Returns
    -------
    (float, float)
        Percentile interval of the replicates' net stance.
    """
    counts = np.asarray(article_counts, dtype=float).reshape(-1, 3)
    if len(counts) == 0:
        return 0.0, 0.0
    rng = np.random.default_rng(seed)
    per_chunk = max(1, CHUNK_DRAWS // len(counts))
    totals = np.concatenate([counts[rng.integers(0, len(counts), size=(min(per_chunk, n_boot - start),
                                                                       len(counts)))].sum(axis=1)
                             for start in range(0, n_boot, per_chunk)])
    nets = net_stance(totals[:, 0], totals[:, 1])
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(nets, [tail, 100 - tail])
    return float(low), float(high)


def aggregate(labels: pd.DataFrame, by: str = "outlet", own_voice: bool = False, exclude_boilerplate: bool = True,
              min_confidence: float | None = None, keep_duplicates: bool = False,
              fold_across_outlets: bool = False, n_boot: int = N_BOOTSTRAP, seed: int = BOOTSTRAP_SEED,
              level: float = 0.95, adjust: str = DEFAULT_METHOD, rates: ClassifierRates | None = None,
              model_path=None) -> pd.DataFrame:
    """One row per group: counts, shares, net stance and its interval.

    Parameters
    ----------
    labels : DataFrame
        Output of ``stance label`` (one row per sentence).
    by : {"outlet", "doc_id", "month", "outlet-month"}
        Grouping; the output starts with the grouping column(s) (``month`` is ``YYYY-MM``).
    own_voice : bool
        Exclude attributed sentences (keep only the outlet's own voice).
    exclude_boilerplate : bool
        Exclude page furniture.
    min_confidence : float, optional
        Ignore sentences whose top class probability is below this.
    keep_duplicates : bool
        Count near-duplicate articles every time instead of once.
    fold_across_outlets : bool
        Fold copies of one story across outlets too (default: once per outlet).
    n_boot, seed, level
        Bootstrap replicates, seed and interval coverage.
    adjust : {"pacc", "acc", "sld", "cc"}
        How shares and net stance are estimated: corrected for classifier
        error (see :mod:`stance.results.quantify`) or ``cc``, counting labels.
    rates : ClassifierRates, optional
        The model's misclassification rates; default: from the card of
        ``model_path``. Not needed for ``cc``.
    model_path : str or Path, optional
        The model that labelled ``labels`` (default ``models/stance.skops``).

    Returns
    -------
    DataFrame
        Grouping column(s), ``n_articles, n_sentences, n_pro, n_anti, n_neutral``
        (predicted labels), ``share_pro, share_anti, share_neutral, net_stance,
        net_low, net_high, method`` (the ``adjust`` estimate), then the raw
        counting figures ``share_<label>_raw, net_stance_raw, net_low_raw,
        net_high_raw``; sorted by net stance (by group and month when grouping by month).
        ``table.attrs["dropped"]`` counts what the filters removed.

    Examples
    --------
    >>> labels = pd.DataFrame({"doc_id": ["a", "a", "b"], "outlet": ["X", "X", "Y"],
    ...                        "text": ["s1", "s2", "s3"], "label": ["pro", "anti", "pro"]})
    >>> aggregate(labels)[["outlet", "n_pro", "n_anti", "net_stance"]].to_string(index=False)
    'outlet  n_pro  n_anti  net_stance\\n     X      1       1         0.0\\n     Y      1       0         1.0'
    """
    if by not in GROUPINGS:
        raise ValueError(f"--by must be one of {', '.join(GROUPINGS)}, not '{by}'.")
    if adjust not in METHODS:
        raise ValueError(f"--adjust must be one of {', '.join(METHODS)}, not '{adjust}'.")
    if adjust != "cc" and rates is None:
        rates = model_rates(model_path)
    keys = GROUPINGS[by]
    kept, dropped = select_sentences(labels, own_voice=own_voice, exclude_boilerplate=exclude_boilerplate,
                                     min_confidence=min_confidence, keep_duplicates=keep_duplicates,
                                     fold_across_outlets=fold_across_outlets)
    if "month" in keys:
        kept, dropped["undated"] = with_month(kept)
    check_columns(kept, keys, f"to group by {by}")
    table = group_table(kept, keys, n_boot=n_boot, seed=seed, level=level)
    table = with_adjusted(table, kept, keys, adjust, rates, n_boot=n_boot, seed=seed, level=level)
    order = keys if "month" in keys else ["net_stance"] + keys
    table = table.sort_values(order).reset_index(drop=True)
    table.attrs["dropped"] = dropped
    return table


def group_table(labels: pd.DataFrame, keys: list[str], n_boot: int = N_BOOTSTRAP, seed: int = BOOTSTRAP_SEED,
                level: float = 0.95) -> pd.DataFrame:
    """Counts, shares, net stance and interval per group of ``keys`` (no filtering)."""
    articles = article_counts_by_group(labels, keys)
    grouped = articles.groupby(level=list(range(len(keys))), sort=True)
    table = grouped.sum().rename(columns={c: f"n_{c}" for c in STANCE_LABELS})
    table.insert(0, "n_articles", grouped.size())
    n = table[[f"n_{c}" for c in STANCE_LABELS]].sum(axis=1)
    table.insert(1, "n_sentences", n)
    for label in STANCE_LABELS:
        table[f"share_{label}"] = table[f"n_{label}"] / n.where(n > 0, 1)
    table["net_stance"] = net_stance(table["n_pro"], table["n_anti"])
    low, high = group_intervals(table, grouped, n_boot, seed, level)
    # A percentile interval can sit just inside a boundary estimate (all pro: net = 1); keep the estimate in it.
    table["net_low"] = np.minimum(low, table["net_stance"])
    table["net_high"] = np.maximum(high, table["net_stance"])
    table.index.names = keys
    table.columns.name = None  # crosstab's "label" would head the printed table
    return table.reset_index()


def model_rates(model_path=None) -> ClassifierRates:
    """The misclassification rates in the card of ``model_path`` (default: the bundled model)."""
    from stance.config import DEFAULT_MODEL_PATH
    from stance.model.card import read_card

    return ClassifierRates.from_card(read_card(model_path or DEFAULT_MODEL_PATH))


RAW_COLUMNS = [f"share_{label}" for label in STANCE_LABELS] + ["net_stance", "net_low", "net_high"]


def with_adjusted(table: pd.DataFrame, labels: pd.DataFrame, keys: list[str], method: str,
                  rates: ClassifierRates | None, n_boot: int = N_BOOTSTRAP, seed: int = BOOTSTRAP_SEED,
                  level: float = 0.95) -> pd.DataFrame:
    """Keep the counting figures as ``*_raw`` and put the ``method`` estimate in their place."""
    table = table.copy()
    for column in RAW_COLUMNS:
        table[f"{column}_raw"] = table[column]
    if method != "cc":
        adjusted = adjusted_by_group(labels, keys, method, rates, n_boot=n_boot, seed=seed, level=level)
        table[RAW_COLUMNS] = adjusted.loc[pd.MultiIndex.from_frame(table[keys])].to_numpy()
    table.insert(table.columns.get_loc("net_high") + 1, "method", method)
    return table


def adjusted_by_group(labels: pd.DataFrame, keys: list[str], method: str, rates: ClassifierRates,
                      n_boot: int = N_BOOTSTRAP, seed: int = BOOTSTRAP_SEED, level: float = 0.95) -> pd.DataFrame:
    """Adjusted shares, net stance and interval per group, indexed by ``keys``."""
    columns = [f"p_{label}" for label in STANCE_LABELS]
    check_columns(labels, columns, f"for --adjust {method}")
    rows = {}
    for key, group in labels.groupby(keys, sort=True):
        index = list(dict.fromkeys(keys + ["doc_id"]))
        counts = article_counts_by_group(group, keys).to_numpy(dtype=float)
        probability_sums = group.groupby(index, sort=True)[columns].sum().to_numpy()
        probabilities = group[columns].to_numpy(dtype=float)
        article_of = group.groupby(index, sort=True).ngroup().to_numpy()
        shares = point_shares(method, counts.sum(axis=0), probability_sums.sum(axis=0), rates, probabilities)
        net = float(net_from_shares(shares)[0])
        group_seed = [seed, zlib.crc32(repr(key).encode("utf-8"))]
        low, high = adjusted_interval(method, counts, probability_sums, rates, n_boot=n_boot, seed=group_seed,
                                      level=level, sentence_probabilities=probabilities, sentence_article=article_of)
        rows[key if isinstance(key, tuple) else (key,)] = [*shares, net, min(low, net), max(high, net)]
    return pd.DataFrame.from_dict(rows, orient="index", columns=RAW_COLUMNS).set_axis(
        pd.MultiIndex.from_tuples(list(rows), names=keys))


def article_counts_by_group(labels: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Sentences per label, one row per (group, article); index = ``keys`` (+ ``doc_id``)."""
    index = list(dict.fromkeys(keys + ["doc_id"]))
    counts = pd.crosstab([labels[k] for k in index], labels["label"])
    return counts.reindex(columns=list(STANCE_LABELS), fill_value=0)


def group_intervals(table: pd.DataFrame, grouped, n_boot: int, seed: int, level: float):
    """Per group: the pooled-sentence Jeffreys interval, widened to the article-level interval."""
    low, high = jeffreys_interval(table["n_pro"], table["n_anti"], level=level)
    if (table["n_articles"] > 1).any():
        for i, (key, group) in enumerate(grouped):
            if len(group) > 1:
                group_seed = [seed, zlib.crc32(repr(key).encode("utf-8"))]
                interval = article_interval(group.to_numpy(), n_boot=n_boot, seed=group_seed, level=level)
                low[i], high[i] = min(low[i], interval[0]), max(high[i], interval[1])
    return low, high


def article_interval(article_counts: np.ndarray, n_boot: int = N_BOOTSTRAP, seed=BOOTSTRAP_SEED,
                     level: float = 0.95) -> tuple[float, float]:
    """Article-level interval: cluster bootstrap up to ``MAX_BOOTSTRAP_ARTICLES`` articles, normal beyond."""
    if len(article_counts) <= MAX_BOOTSTRAP_ARTICLES:
        return bootstrap_interval(article_counts, n_boot=n_boot, seed=seed, level=level)
    return cluster_normal_interval(article_counts, level=level)


def cluster_normal_interval(article_counts, level: float = 0.95) -> tuple[float, float]:
    """Normal interval of net stance with a cluster-robust (delta-method) standard error.

    Linearises ``(P - A) / (P + A)`` around the pooled counts and takes the
    spread of the per-article terms, so articles, not sentences, are the unit.
    Clipped to [-1, 1].
    """
    counts = np.asarray(article_counts, dtype=float).reshape(-1, 3)
    pro, anti = counts[:, 0], counts[:, 1]
    total = pro.sum() + anti.sum()
    if total == 0 or len(counts) < 2:
        return -1.0, 1.0
    net = (pro.sum() - anti.sum()) / total
    terms = (pro - anti - net * (pro + anti)) / total
    se = np.sqrt(len(counts) / (len(counts) - 1) * np.sum(terms ** 2))
    half = norm.ppf(1 - (1 - level) / 2) * se
    return float(max(-1.0, net - half)), float(min(1.0, net + half))


def format_table(table: pd.DataFrame) -> str:
    """A readable fixed-width rendering of an aggregate table."""
    shown = table.copy()
    for col in shown.columns:
        if col.startswith("net"):
            shown[col] = shown[col].map(lambda v: f"{round(v, 2) + 0.0:+.2f}")  # no "-0.00"
        elif col.startswith("share"):
            shown[col] = shown[col].map("{:.2f}".format)
    return shown.to_string(index=False)
