"""The annotation loop: select sentences for a user to label, export them as tasks, import the labels, simulate.

Data flow: a labels file (``stance label``) -> :mod:`.selection` -> :mod:`.formats`
(Label Studio, Prodigy-style JSONL, CSV) -> an annotator -> :mod:`.importing` ->
``corpus/annotations/user/NAME.jsonl`` -> ``stance train``. :mod:`.simulation`
measures the loop with a simulated annotator.
"""
