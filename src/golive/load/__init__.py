"""Open-model load generation: a plan of arrivals, worker processes that keep to it, and a
result that says when the generator itself could not (see engine.py)."""

from golive.load.engine import LIGHT_RATE, MAX_RATE, MAX_SECONDS, run_closed, run_open
from golive.load.histogram import Latencies
from golive.load.plan import LoadPlan, Stage
from golive.load.result import LoadResult, Second

__all__ = [
    "LIGHT_RATE",
    "MAX_RATE",
    "MAX_SECONDS",
    "Latencies",
    "LoadPlan",
    "LoadResult",
    "Second",
    "Stage",
    "run_closed",
    "run_open",
]
