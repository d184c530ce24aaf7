"""An independent monthly county simulation for evaluating hotspot detection (see ``simulate``)."""

from .classes import class_table
from .events import DEFAULT_ITEMS, ItemSpec
from .panel import industry_panel
from .scoring import score, summarize
from .simulate import Design, simulate, simulate_county, small_design

__all__ = [
    "DEFAULT_ITEMS",
    "Design",
    "ItemSpec",
    "class_table",
    "industry_panel",
    "score",
    "simulate",
    "simulate_county",
    "small_design",
    "summarize",
]
