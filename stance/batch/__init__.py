"""Stage 4, batch labelling. Takes input articles and a model; gives one labelled row per
sentence, streamed in chunks to atomic Parquet parts (resumable), on local processes or Dask,
with a progress bar and an errors file.
"""
