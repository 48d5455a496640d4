"""Measurement of the other stages. Takes the annotated corpus (and public benchmarks);
gives held-out metrics (grouped CV, test split, leave-one-seed-article-out), baselines, the
evaluation report, the SemEval-2016 benchmark and the labelling throughput benchmark.
"""
