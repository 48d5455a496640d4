"""Stage 3, the classifier. Takes feature records; gives a fitted scikit-learn
``Pipeline`` (``pipeline.build_pipeline``), trained by ``training.train`` and saved with its
JSON card (``card.save_model`` / ``card.load_model``).
"""
