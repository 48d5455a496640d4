"""Class shares corrected for classifier error (quantification), with intervals that include it.

Counting predicted labels (classify and count, ``cc``) is biased whenever the
classifier errs: on real text the model calls too many sentences pro. The
adjustments here undo that with the model's misclassification rates measured
on real text and recorded in its card (``stance.model.rates``):

* ``acc``  adjusted classify and count: the predicted shares ``q`` are
  ``M^T p`` for the true shares ``p``, with ``M[i, j] = P(predicted j | true i)``
  (the card's confusion matrix, rows normalised); solve for ``p``;
* ``pacc`` probabilistic ACC: the same with mean predicted probabilities in
  place of counts, and ``M[i, j]`` the mean probability of ``j`` over the
  sentences whose true label is ``i``;
* ``sld``  Saerens-Latinne-Decaestecker EM: re-weights the probabilities from
  the training shares to the shares that make them self-consistent; it
  trusts the probabilities to be calibrated on the new text.

Each linear system is solved as quapy's ``ACC.solve_adjustment`` does with
``method="invariant-ratio"`` (the last equation replaced by "shares sum to 1";
no adjustment when the matrix is singular) and projected onto the simplex
like quapy's ``normalize_prevalence(..., "mapsimplex")``; EM follows quapy's
``EMQ.EM``. The code is our own, vectorised over bootstrap replicates, rather
than quapy's because (1) quapy's quantifiers measure the rates themselves from
a classifier and validation data, while ours travel with the model's card;
(2) the interval needs thousands of adjustments per group under drawn rates,
and quapy solves one vector per call; (3) importing quapy imports torch and
takes about 4 s, which every ``stance aggregate`` would pay. The tests check
that both give the same estimates.

The interval (:func:`adjusted_interval`) is a percentile bootstrap in which
each replicate resamples the group's articles (as the raw interval does),
draws the observed shares from a Dirichlet around the resampled sentences'
(so a one-article group still has sentence-level uncertainty), and draws every
row of the rate matrix from a Dirichlet on the card's counts (so rates
measured on few sentences widen the interval).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

STANCE_LABELS = ("pro", "anti", "neutral")
METHODS = ("cc", "acc", "pacc", "sld")
DEFAULT_METHOD = "pacc"  # lowest MAE with coverage in range in the simulation study (reports/evaluation.md)
DIRICHLET_PRIOR = 0.5  # Jeffreys-like prior on every cell of a drawn row and of the observed shares
SLD_MAX_ITER = 1000
SLD_TOLERANCE = 1e-7  # the point estimate: converged well past what is shown
SLD_BOOTSTRAP_TOLERANCE = 1e-4  # replicates (quapy's default epsilon): EM converges slowly, and they are many
RATE_RESAMPLE_FRACTION = 0.5  # resample half the card's articles: the spread of card-vs-new-text differences
CHUNK_CELLS = 1_000_000  # cells per chunk of resampled articles or EM replicates: bounds memory


class RatesMissing(ValueError):
    """The model's card has no misclassification rates, so the estimate cannot be adjusted."""


@dataclass(frozen=True)
class ClassifierRates:
    """Out-of-sample behaviour of a model on real text, in ``STANCE_LABELS`` order.

    ``article_confusion[a, i, j]``: sentences of calibration article ``a``
    with true label ``i`` predicted ``j``; ``article_probability_sums[a, i, j]``:
    their summed probability of ``j``; ``train_prior``: label shares of the
    training data (for ``sld``).
    """

    article_confusion: np.ndarray
    article_probability_sums: np.ndarray
    train_prior: np.ndarray
    sources: tuple = ()

    @classmethod
    def from_card(cls, card: dict) -> "ClassifierRates":
        section = card.get("misclassification")
        if not section:
            raise RatesMissing(
                "the model card has no misclassification rates; add them with `stance model rates MODEL` "
                "(or retrain with `stance train`), or use --adjust cc.")
        order = [section["labels"].index(label) for label in STANCE_LABELS]
        pick = lambda m: np.asarray(m, dtype=float)[..., order, :][..., order]  # noqa: E731
        counts = card["training_data"]["label_counts"]
        prior = np.array([counts.get(label, 0) for label in STANCE_LABELS], dtype=float)
        articles = section["per_article"]
        return cls(pick([a["confusion"] for a in articles]), pick([a["probability_sums"] for a in articles]),
                   prior / prior.sum(), tuple(section.get("sources_used", ())))

    @property
    def confusion(self) -> np.ndarray:
        return self.article_confusion.sum(axis=0)

    @property
    def probability_sums(self) -> np.ndarray:
        return self.article_probability_sums.sum(axis=0)

    def _cells(self, method: str) -> np.ndarray:
        return self.article_confusion if method == "acc" else self.article_probability_sums

    def matrix(self, method: str) -> np.ndarray:
        """Row-normalised rate matrix of ``acc`` (counts) or ``pacc`` (probabilities)."""
        cells = self._cells(method).sum(axis=0)
        return cells / np.maximum(cells.sum(axis=1, keepdims=True), 1e-12)

    def draw(self, method: str, rng: np.random.Generator, size: int) -> np.ndarray:
        """``size`` plausible rate matrices for text the card did not measure.

        Errors cluster by article, so the card's articles are resampled, not
        its sentences: half as many as it has (at least one), which gives the
        variance of the difference between the card's rates and those of a
        fresh set of articles as broad as the card's. Each row is then drawn
        from a Dirichlet on the resampled counts, so rows with few sentences
        stay uncertain.
        """
        cells = self._cells(method)
        picks = rng.integers(0, len(cells), size=(size, max(1, round(len(cells) * RATE_RESAMPLE_FRACTION))))
        resampled = cells[picks].sum(axis=1) * (len(cells) / picks.shape[1])
        return dirichlet_rows(resampled + DIRICHLET_PRIOR, rng)


def dirichlet_rows(concentration: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One Dirichlet draw per last-axis row of ``concentration`` (normalised gamma draws: vectorised)."""
    gamma = rng.gamma(concentration)
    return gamma / np.maximum(gamma.sum(axis=-1, keepdims=True), 1e-300)


def project_to_simplex(v: np.ndarray) -> np.ndarray:
    """Euclidean projection of each row of ``v`` onto the probability simplex (sort-based)."""
    v = np.atleast_2d(np.asarray(v, dtype=float))
    u = -np.sort(-v, axis=1)
    cumulative = np.cumsum(u, axis=1) - 1
    ranks = np.arange(1, v.shape[1] + 1)
    support = (u - cumulative / ranks) > 0
    k = support.shape[1] - np.argmax(support[:, ::-1], axis=1)  # last index where the condition holds
    theta = cumulative[np.arange(len(v)), k - 1] / k
    return np.maximum(v - theta[:, None], 0)


def solve_shares(observed: np.ndarray, rates: np.ndarray) -> np.ndarray:
    """True shares ``p`` with ``rates^T p = observed`` and ``sum p = 1``, batched, projected onto the simplex.

    ``observed`` (B, 3) and ``rates`` (B, 3, 3) or (3, 3); a singular system leaves its row unadjusted.
    """
    observed = np.atleast_2d(np.asarray(observed, dtype=float))
    system = np.broadcast_to(np.swapaxes(rates, -1, -2), (len(observed), 3, 3)).copy()
    system[:, -1, :] = 1.0
    target = observed.copy()
    target[:, -1] = 1.0
    solved = observed.copy()
    regular = np.abs(np.linalg.det(system)) > 1e-12
    solved[regular] = np.linalg.solve(system[regular], target[regular][..., None])[..., 0]
    return project_to_simplex(solved)


def sld_shares(probabilities: np.ndarray, train_prior: np.ndarray, weights: np.ndarray | None = None,
               tolerance: float = SLD_TOLERANCE) -> np.ndarray:
    """EM re-estimate of the shares from per-sentence probabilities (N, 3), one row per row of ``weights`` (B, N)."""
    probabilities = np.asarray(probabilities, dtype=float)
    weights = np.ones((1, len(probabilities))) if weights is None else np.atleast_2d(weights)
    prior = np.asarray(train_prior, dtype=float) + 1e-12
    prior = prior / prior.sum()
    rows = max(1, CHUNK_CELLS // max(1, 3 * len(probabilities)))
    return np.concatenate([_sld_chunk(probabilities, prior, weights[start:start + rows], tolerance)
                           for start in range(0, len(weights), rows)])


def _sld_chunk(probabilities: np.ndarray, prior: np.ndarray, weights: np.ndarray, tolerance: float) -> np.ndarray:
    totals = weights.sum(axis=1, keepdims=True)
    shares = np.tile(prior, (len(weights), 1))
    for _ in range(SLD_MAX_ITER):
        posterior = probabilities[None, :, :] * (shares / prior)[:, None, :]
        posterior /= posterior.sum(axis=2, keepdims=True)
        updated = np.einsum("bn,bnk->bk", weights, posterior) / totals
        done = np.abs(updated - shares).max() < tolerance
        shares = updated
        if done:
            break
    return shares


def net_from_shares(shares: np.ndarray) -> np.ndarray:
    """(pro - anti) / (pro + anti) of share rows, 0 where both are 0."""
    shares = np.atleast_2d(shares)
    stance = shares[:, 0] + shares[:, 1]
    return np.where(stance > 1e-12, (shares[:, 0] - shares[:, 1]) / np.where(stance > 1e-12, stance, 1), 0.0)


def point_shares(method: str, counts: np.ndarray, probability_sums: np.ndarray, rates: ClassifierRates | None,
                 probabilities: np.ndarray | None = None) -> np.ndarray:
    """A group's estimated (pro, anti, neutral) shares from its pooled counts and probabilities."""
    counts = np.asarray(counts, dtype=float)
    n = max(counts.sum(), 1.0)
    if method == "cc":
        return counts / n
    if method == "sld":
        return sld_shares(probabilities, rates.train_prior)[0]
    observed = counts / n if method == "acc" else np.asarray(probability_sums, dtype=float) / n
    return solve_shares(observed, rates.matrix(method))[0]


def adjusted_interval(method: str, article_counts: np.ndarray, article_probability_sums: np.ndarray,
                      rates: ClassifierRates | None, n_boot: int, seed, level: float = 0.95,
                      sentence_probabilities: np.ndarray | None = None,
                      sentence_article: np.ndarray | None = None) -> tuple[float, float]:
    """Percentile interval of net stance over articles resampled, observed shares and rates drawn.

    ``article_counts`` and ``article_probability_sums`` are (n_articles, 3);
    ``sld`` also needs every sentence's probabilities and its article's row index.
    """
    rng = np.random.default_rng(seed)
    n_articles = len(article_counts)
    if method == "sld":
        multiplicity = np.concatenate([_multiplicities(picks, n_articles) for picks in _picks(rng, n_boot, n_articles)])
        weights = multiplicity[:, sentence_article] * rng.exponential(size=(n_boot, len(sentence_article)))
        nets = net_from_shares(sld_shares(sentence_probabilities, rates.train_prior, weights,
                                          tolerance=SLD_BOOTSTRAP_TOLERANCE))
    elif method in ("acc", "pacc"):
        cells = article_counts if method == "acc" else article_probability_sums
        cells = np.asarray(cells, dtype=float)
        resampled = np.concatenate([cells[picks].sum(axis=1) for picks in _picks(rng, n_boot, n_articles)])
        observed = dirichlet_rows(resampled + DIRICHLET_PRIOR, rng)
        nets = net_from_shares(solve_shares(observed, rates.draw(method, rng, n_boot)))
    else:
        raise ValueError(f"no adjusted interval for method {method!r} (cc keeps the raw interval)")
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(nets, [tail, 100 - tail])
    return float(low), float(high)


def _picks(rng: np.random.Generator, n_boot: int, n_articles: int):
    """Resampled article indices, (replicates, n_articles), in chunks that bound memory."""
    per_chunk = max(1, CHUNK_CELLS // max(1, n_articles))
    for start in range(0, n_boot, per_chunk):
        yield rng.integers(0, n_articles, size=(min(per_chunk, n_boot - start), n_articles))


def _multiplicities(picks: np.ndarray, n_articles: int) -> np.ndarray:
    """How often each article was drawn in each replicate."""
    rows = np.repeat(np.arange(len(picks)), picks.shape[1])
    counts = np.zeros((len(picks), n_articles))
    np.add.at(counts, (rows, picks.ravel()), 1)
    return counts


METHOD_NAMES = {"cc": "classify and count (raw)", "acc": "adjusted classify and count (ACC)",
                "pacc": "probabilistic adjusted classify and count (PACC)", "sld": "EM re-weighting (SLD)"}


def method_name(method: str) -> str:
    """How figures and reports name a method."""
    return METHOD_NAMES[method]
