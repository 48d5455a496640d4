"""Stage 1, input articles. Takes JSONL, CSV, Parquet and .txt files (or folders of them);
gives ``Article`` records with stable doc ids, and ``Rejected`` records with the reason for
every article that cannot be read.
"""
