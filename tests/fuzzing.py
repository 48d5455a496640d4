"""Hypothesis settings for the fuzz tests: small and repeatable in `make test`, larger in `make fuzz`.

``STANCE_FUZZ=N`` multiplies every test's example count by N and draws new
random examples each run (``make fuzz`` sets it); without it the examples are
derandomized, so CI runs the same cases every time and stays under a minute.
"""
import os

from hypothesis import HealthCheck, settings

FUZZ_FACTOR = int(os.environ.get("STANCE_FUZZ", "1") or 1)


def fuzz_settings(max_examples: int) -> settings:
    return settings(max_examples=max_examples * FUZZ_FACTOR, deadline=None, derandomize=FUZZ_FACTOR == 1,
                    database=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
