"""Benchmarks: `python -m bench` (see `bench/__main__.py`)."""

from dataclasses import dataclass


@dataclass
class Figure:
    """One measured path: `count` items in `seconds`; `baseline` marks the naive version it is compared with."""

    name: str
    count: int
    seconds: float
    baseline: bool = False

    @property
    def rate(self) -> float:
        return self.count / self.seconds
