"""The demo: a small Luohu–Hong Kong–London corridor and a deterministic business day."""

from corridor.demo.run import DemoResult, run_demo

__all__ = ["DemoResult", "run_demo"]
