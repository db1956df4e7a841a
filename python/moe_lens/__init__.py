"""moe_lens: write the MoE Lens event log (docs/events.md) from a PyTorch trainer.

    from moe_lens import EventLogWriter, attach, metrics

EventLogWriter and metrics are pure Python; attach (forward hooks on router modules) needs torch.
"""

from . import metrics
from .writer import EVENT_SCHEMA_VERSION, EventLogWriter, counts_every_for

__all__ = ["EVENT_SCHEMA_VERSION", "EventLogWriter", "attach", "counts_every_for", "metrics"]
__version__ = "0.1.0"


def attach(model, routers=None, experts=None):
    """Forward hooks recording the top-K picks of the model's routers (see moe_lens.hooks.attach)."""
    from .hooks import attach as attach_hooks

    return attach_hooks(model, routers, experts)
