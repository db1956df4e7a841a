"""attach(model): forward hooks on a model's router modules that record each call's top-K picks and gates.

    recorder = attach(model)              # finds the routers of the known forms (moe_lens.adapters)
    loss.backward(); optimizer.step()
    counts = recorder.take_counts()       # per MoE layer, per expert, since the last take
    writer.step(step, loss=loss.item(), expert_counts=counts, bias=recorder.biases())
"""

import contextlib
import re
from typing import Dict, List, Optional

import torch

from .adapters import Adapter, Routing, detect, expert_count

_BLOCK_INDEX = re.compile(r"layers?\.(\d+)\.")


class RouterRecorder:
    """Counts per MoE layer and expert, the last call's routing per layer, and the routers' biases.

    The hooks run on every router call of every micro-batch, so they stay on the router's device: counts
    are added there (scatter_add, no device-to-host copy or sync) and `last` keeps detached references,
    not CPU copies. take_counts() copies the counts to the host once per step."""

    def __init__(self, routers: List[torch.nn.Module], names: List[str], adapters: List[Adapter], experts: int):
        self.names = names
        self.routers = routers
        self.experts = experts
        self._counts: List[Optional[torch.Tensor]] = [None] * len(routers)
        self.last: List[Optional[Routing]] = [None] * len(routers)
        self.want_scores = False
        self._handles = [module.register_forward_hook(self._hook(layer, adapter))
                         for layer, (module, adapter) in enumerate(zip(routers, adapters))]

    @property
    def moe_layers(self) -> List[int]:
        """Block index of each MoE layer: the number after `layers.` in the router's name, else its order."""
        found = [_BLOCK_INDEX.search(name + ".") for name in self.names]
        if all(found):
            return [int(m.group(1)) for m in found]
        return list(range(len(self.names)))

    def take_counts(self) -> List[List[int]]:
        """The counts since the last take (all micro-batches), as lists; starts counting afresh."""
        counts = [[0] * self.experts if c is None else c.tolist() for c in self._counts]
        self._counts = [None] * len(self._counts)
        return counts

    def biases(self) -> Optional[List[List[float]]]:
        """Each router's current bias (after the trainer's update), or None if the routers have none."""
        rows = [self._bias(module) for module in self.routers]
        return None if any(row is None for row in rows) else rows

    @contextlib.contextmanager
    def scores(self):
        """Inside, each call also records the full score distribution [T, E] (one extra router matmul)."""
        previous, self.want_scores = self.want_scores, True
        try:
            yield self
        finally:
            self.want_scores = previous

    def remove(self) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles = []

    def _bias(self, module) -> Optional[List[float]]:
        for attr in ("e_score_correction_bias", "expert_bias"):
            value = getattr(module, attr, None)
            if isinstance(value, torch.Tensor):
                return value.detach().float().cpu().tolist()
        return None

    def _hook(self, layer: int, adapter: Adapter):
        def hook(module, inputs, output):
            routing = adapter(module, inputs, output, self.want_scores)
            indices = routing.indices.detach().reshape(-1).to(torch.int64)
            counts = self._counts[layer]
            if counts is None:
                counts = self._counts[layer] = torch.zeros(self.experts, dtype=torch.int64, device=indices.device)
            # scatter_add, not bincount: on CUDA bincount reads the max index back to the host (a sync)
            counts.scatter_add_(0, indices, torch.ones_like(indices))
            detached = lambda t: None if t is None else t.detach()  # noqa: E731
            self.last[layer] = Routing(routing.indices.detach(), routing.gates.detach(), detached(routing.scores),
                                       detached(routing.bias))

        return hook


def attach(model: torch.nn.Module, routers: Optional[Dict[str, Adapter]] = None,
           experts: Optional[int] = None) -> RouterRecorder:
    """Hooks the router modules of `model`. routers: {module name: adapter} to choose them yourself;
    by default every module of a known form is found (moe_lens.adapters.detect), in model order."""
    modules = dict(model.named_modules())
    if routers is None:
        routers = {}
        for name, module in modules.items():
            if any(name.startswith(router + ".") for router in routers):
                continue  # a router's own gate (torchtitan's router.gate is an nn.Linear)
            parent = modules.get(name.rpartition(".")[0]) if "." in name else model
            adapter = detect(name, module, parent)
            if adapter is not None:
                routers[name] = adapter
    if not routers:
        raise ValueError("no router module found: pass routers={name: adapter} (see moe_lens.adapters)")
    missing = [name for name in routers if name not in modules]
    if missing:
        raise ValueError(f"no module named {missing[0]!r} in the model")
    names = list(routers)
    found = [modules[name] for name in names]
    counts = {expert_count(module) for module in found} if experts is None else {experts}
    if len(counts) != 1:
        raise ValueError(f"routers route to different expert counts {sorted(counts)}: pass experts=")
    return RouterRecorder(found, names, [routers[name] for name in names], counts.pop())
