"""Stage 2, sentences and features. Takes text; the spaCy pipeline (built in one
place, ``spacy_pipeline.build_nlp``) splits it into sentences with ``Span`` extensions, and
scikit-learn transformers turn them into n-gram, cue, attribution and embedding features.
"""
