"""The annotated corpus: loading, validation, splits, near-duplicates and agreement.
Takes ``corpus/annotations/**/*.jsonl`` and ``corpus/splits.json``; gives one DataFrame row
per labelled sentence with its split, for training and evaluation.
"""
