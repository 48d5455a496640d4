"""Stage 5, results. Takes labelled sentences; gives per-group stance estimates with
intervals (``aggregate``), plots, per-sentence explanations and the Markdown/HTML report.
"""
