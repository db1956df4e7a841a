"""The MoE Lens event log writer (docs/events.md, schema version 2; version 1 on request).

One JSON object per line in <run>/events.jsonl, written and flushed event by event, so MoE Lens tails the
run live. Only rank 0 writes; every rank calls the same methods, because step() and eval() sum the
expert counts over ranks (torch.distributed all_reduce) when torch.distributed is initialised.

Schema 2 is the compact form: every step carries per-layer summaries of its counts (`loadStats`), the
full count matrices (and loss-free biases) come every `countsEvery` steps and on the last step. As in
MoE Lens's own trainer (protocol/loadStats.ts countsEveryFor), a writer keeps the full matrices on every
step while MoE layers × experts ≤ 4,096 and writes them every 100 steps above that.
"""

import copy
import datetime
import json
import math
import os
import platform
import socket
import time
from typing import Dict, List, Optional, Sequence

from . import distributed, metrics

EVENT_SCHEMA_VERSION = 2
SCHEMA_VERSIONS = (1, 2)
# protocol/loadStats.ts: FULL_COUNTS_MAX_CELLS, COMPACT_COUNTS_EVERY
FULL_COUNTS_MAX_CELLS = 4096
COMPACT_COUNTS_EVERY = 100
VERSION = "0.1.0"
EVENTS_FILE = "events.jsonl"
CONFIG_FILE = "config.json"
BALANCER_METHODS = ("none", "aux-loss", "loss-free", "simbal")
END_STATUSES = ("completed", "stopped", "failed", "diverged")

# The run config's defaults (protocol/runConfig.ts RUN_CONFIG_SPEC): the start event carries a resolved
# config, every field present. A trainer overrides what it knows.
DEFAULT_CONFIG = {
    "name": "run",
    "backend": "auto",
    "model": {"layers": 2, "dModel": 128, "heads": 4, "seqLen": 128, "experts": 8, "topK": 2,
              "expertHidden": 256, "gate": "softmax", "moeEvery": 1},
    "training": {"steps": 300, "batchSize": 16, "lr": 3e-3, "warmup": 30, "minLrRatio": 0.1, "weightDecay": 0.01,
                 "gradClip": 1, "seed": 42, "evalEvery": 50, "evalSequences": 16, "checkpointEvery": 100,
                 "finalAnalysis": False},
    "data": {"files": [], "tokenizer": "char", "vocabSize": 512, "validationFraction": 0.05, "includeBible": False},
    "balancer": {"methods": ["aux-loss"], "auxAlpha": 0.01, "biasUpdateRate": 0.001, "simbalLambda": 0.1,
                 "orthogonalInit": True, "zLossBeta": 0},
}


def _now() -> str:
    now = datetime.datetime.now(datetime.timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def _finite(name: str, value) -> float:
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} is {value}: JSON has no NaN or infinity")
    return value


def _bias_value(value) -> float:
    """A bias to 7 significant digits (float32's precision): a float32 bias turned into a Python float
    prints 17 digits (0.0030000000260770321), 2.5 times the bytes for digits the trainer never had."""
    return float(f"{_finite('bias', value):.7g}")


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def counts_every_for(layers: int, experts: int) -> int:
    """Steps between full count matrices by default: 1 (every step) while layers × experts ≤ 4,096,
    else 100 (protocol/loadStats.ts countsEveryFor; the sizes behind it are in docs/scale.md)."""
    return 1 if layers * experts <= FULL_COUNTS_MAX_CELLS else COMPACT_COUNTS_EVERY


def resolve_config(run_name: str, experts: int, top_k: int, moe_layers: Sequence[int], total_steps: int,
                   balancer: Sequence[str], overrides: Optional[Dict] = None) -> Dict:
    """DEFAULT_CONFIG with the run's facts and the trainer's overrides ({"model": {"dModel": 64}, …})."""
    unknown = [m for m in balancer if m not in BALANCER_METHODS]
    if unknown:
        raise ValueError(f"balancer methods {unknown}: expected some of {list(BALANCER_METHODS)}")
    config = copy.deepcopy(DEFAULT_CONFIG)
    for section, values in (overrides or {}).items():
        if isinstance(config.get(section), dict):
            config[section].update(values)
        else:
            config[section] = values
    config["name"] = run_name
    config["model"].update(experts=experts, topK=top_k)
    config["model"]["layers"] = max(config["model"]["layers"], max(moe_layers) + 1)
    config["training"]["steps"] = total_steps
    config["balancer"]["methods"] = list(balancer)
    return config


class EventLogWriter:
    """Writes <run_dir>/events.jsonl and config.json. Use as a context manager: an exception inside
    writes `end` with status failed (KeyboardInterrupt: stopped); leaving without end() writes completed.

    moe_layers: the block index of each MoE layer (layer-indexed arrays follow this order).
    balancer: methods among none, aux-loss, loss-free, simbal (what MoE Lens knows how to label).
    schema: 2 (default: `loadStats` on every step, the compact form when counts_every > 1) or 1 (the
    full count matrices on every step, no summaries: for readers that know only schema 1).
    counts_every: schema 2 only; steps between full count matrices (and biases), which the last step
    always carries. Default: counts_every_for(MoE layers, experts), 1 for small models, 100 at scale.
    """

    def __init__(self, run_dir: str, *, run_name: str, experts: int, top_k: int, moe_layers: Sequence[int],
                 total_steps: int, balancer: Sequence[str] = ("none",), config: Optional[Dict] = None,
                 backend: str = "pytorch", backend_reason: str = "", rank: Optional[int] = None,
                 schema: int = EVENT_SCHEMA_VERSION, counts_every: Optional[int] = None):
        if not moe_layers:
            raise ValueError("moe_layers is empty: the log needs at least one MoE layer")
        if schema not in SCHEMA_VERSIONS:
            raise ValueError(f"schema {schema!r}: expected one of {list(SCHEMA_VERSIONS)}")
        if counts_every is not None and not (isinstance(counts_every, int) and counts_every >= 1):
            raise ValueError(f"counts_every {counts_every!r}: expected an integer ≥ 1")
        if schema == 1 and counts_every not in (None, 1):
            raise ValueError(f"counts_every {counts_every} needs schema 2: schema 1 has the counts on every step")
        self.schema = schema
        self.counts_every = 1 if schema == 1 else counts_every or counts_every_for(len(moe_layers), experts)
        self.run_dir = run_dir
        self.experts = experts
        self.moe_layers = list(moe_layers)
        self.config = resolve_config(run_name, experts, top_k, moe_layers, total_steps, balancer, config)
        self.backend = {"name": backend, "reason": backend_reason or f"{backend} (moe_lens {VERSION})"}
        self.rank = distributed.rank() if rank is None else rank
        self.is_writer = self.rank == 0
        self._file = None
        self._started_at: Optional[float] = None
        self._last_step = 0
        self.ended = False

    # ---- events ----------------------------------------------------------------------------------

    def start(self, *, step: int = 0, parameters: Optional[Dict] = None, tokenizer: Optional[Dict] = None,
              data: Optional[Dict] = None, resumed_from: Optional[str] = None) -> None:
        """The `start` event (once per process, before the first step); creates the run folder."""
        if self.is_writer:
            os.makedirs(self.run_dir, exist_ok=True)
            with open(os.path.join(self.run_dir, CONFIG_FILE), "w", encoding="utf-8") as f:
                json.dump(self.config, f, indent=2)
            self._file = open(os.path.join(self.run_dir, EVENTS_FILE), "a", encoding="utf-8")
        self._started_at = time.monotonic()
        self._last_step = step
        self.ended = False
        try:
            import torch

            torch_version = torch.__version__
        except ImportError:
            torch_version = "not installed"
        event = {
            "step": step,
            "runName": self.config["name"],
            "config": self.config,
            "backend": self.backend,
            "parameters": parameters or {"total": 0, "activePerToken": 0, "experts": 0, "routers": 0},
            "moeLayers": self.moe_layers,
            "tokenizer": tokenizer or {"kind": "char", "vocabSize": 0},
            "data": data or {"sources": [], "trainTokens": 0, "validationTokens": 0},
            "versions": {"trainer": f"moe_lens {VERSION} (Python {platform.python_version()})", "tfjs": "n/a",
                         "node": "n/a", "torch": torch_version},
            "pid": os.getpid(),
            "host": socket.gethostname(),
        }
        if self.counts_every > 1:
            event["countsEvery"] = self.counts_every
        if resumed_from is not None:
            event["resumedFrom"] = resumed_from
        self._write("start", event)

    def step(self, step: int, *, loss: float, expert_counts, lm_loss: Optional[float] = None,
             terms: Optional[Dict[str, float]] = None, lr: float = 0.0, grad_norm: float = 0.0,
             tokens_per_second: float = 0.0, bias=None) -> bool:
        """The `step` event after an optimiser step. expert_counts: per MoE layer, per expert, this rank's
        assignments (summed over ranks here, on every step: the summaries need them). MaxVio per layer and,
        in schema 2, `loadStats` come from the summed counts; the counts themselves and `bias` are written
        on the steps that carry them (every counts_every steps and the last). A non-finite loss ends the
        log as diverged and returns False."""
        counts = distributed.sum_over_ranks(expert_counts)
        self._check_shape("expert_counts", counts)
        if not math.isfinite(float(loss)):
            self.end("diverged", f"loss is {float(loss)} at step {step}", step=step)
            return False
        vio = [metrics.max_vio(row) for row in counts]
        event = {
            "step": step,
            "loss": _finite("loss", loss),
            "lmLoss": _finite("lm_loss", loss if lm_loss is None else lm_loss),
            "terms": {k: _finite(f"terms.{k}", v) for k, v in (terms or {}).items()},
            "lr": _finite("lr", lr),
            "gradNorm": _finite("grad_norm", grad_norm),
            "tokensPerSecond": _finite("tokens_per_second", tokens_per_second),
            "maxVioBatch": vio,
            "maxVioBatchMean": _mean(vio),
        }
        if self.schema >= 2:
            event["loadStats"] = metrics.load_stats(counts)
        if self._carries_counts(step):
            event["expertCounts"] = counts
            if bias is not None:
                rows = [[_bias_value(b) for b in (row.tolist() if hasattr(row, "tolist") else row)] for row in bias]
                self._check_shape("bias", rows)
                event["bias"] = rows
        self._last_step = step
        self._write("step", event)
        return True

    def eval(self, step: int, *, val_loss: float, expert_load, pes: Sequence[float],
             gram_deviation: Sequence[float], router_entropy: Sequence[float], seu: Sequence[float],
             routing_sample: Optional[Dict] = None) -> None:
        """The `eval` event on the fixed validation sample. expert_load: per layer, per expert (summed
        over ranks here); pes, gram_deviation, router_entropy, seu: per layer (moe_lens.metrics computes
        them); routing_sample: {"tokens": [...], "experts": [layer][token][k], "gates": [layer][token][k]}."""
        load = distributed.sum_over_ranks(expert_load)
        self._check_shape("expert_load", load)
        layers = len(self.moe_layers)
        for name, values in (("pes", pes), ("gram_deviation", gram_deviation), ("router_entropy", router_entropy),
                             ("seu", seu)):
            if len(values) != layers:
                raise ValueError(f"{name} has {len(values)} entries: expected one per MoE layer ({layers})")
        vio = [metrics.max_vio(row) for row in load]
        val_loss = _finite("val_loss", val_loss)
        pes = [_finite("pes", p) for p in pes]
        gram = [_finite("gram_deviation", g) for g in gram_deviation]
        self._write("eval", {
            "step": step,
            "valLoss": val_loss,
            "perplexity": math.exp(val_loss),
            "expertLoad": load,
            "maxVioGlobal": vio,
            "maxVioGlobalMean": _mean(vio),
            "expertsUsed": [metrics.experts_used(row) for row in load],
            "pes": pes,
            "pesMin": min(pes),
            "gramDeviation": _mean(gram),
            "gramDeviationPerLayer": gram,
            "routerEntropy": [_finite("router_entropy", h) for h in router_entropy],
            "seu": [_finite("seu", s) for s in seu],
            "routingSample": routing_sample or {"tokens": [], "experts": [[] for _ in range(layers)],
                                                "gates": [[] for _ in range(layers)]},
        })

    def checkpoint(self, step: int, path: str) -> None:
        """The `checkpoint` event; path relative to the run folder."""
        self._write("checkpoint", {"step": step, "path": path})

    def end(self, status: str = "completed", reason: str = "", step: Optional[int] = None) -> None:
        """The `end` event (last line of the process): completed, stopped, failed or diverged."""
        if status not in END_STATUSES:
            raise ValueError(f"end status {status!r}: expected one of {list(END_STATUSES)}")
        if self.ended:
            return
        duration = time.monotonic() - self._started_at if self._started_at is not None else 0.0
        self._write("end", {"step": self._last_step if step is None else step, "status": status,
                            "reason": reason or status, "durationSeconds": round(duration, 3)})
        self.ended = True
        self.close()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self) -> "EventLogWriter":
        return self

    def __exit__(self, kind, error, _traceback) -> bool:
        if not self.ended and self._started_at is not None:
            if kind is None:
                self.end("completed")
            elif issubclass(kind, KeyboardInterrupt):
                self.end("stopped", "KeyboardInterrupt")
            else:
                self.end("failed", f"{kind.__name__}: {error}")
        self.close()
        return False

    # ---- internals -------------------------------------------------------------------------------

    def _carries_counts(self, step: int) -> bool:
        """protocol/loadStats.ts carriesCounts: every counts_every-th step and the run's last step."""
        every = self.counts_every
        return every <= 1 or step % every == 0 or step == self.config["training"]["steps"]

    def _check_shape(self, name: str, rows: List[List]) -> None:
        layers = len(self.moe_layers)
        if len(rows) != layers or any(len(row) != self.experts for row in rows):
            shape = f"{len(rows)} × {[len(r) for r in rows]}"
            raise ValueError(f"{name} is {shape}: expected {layers} MoE layers × {self.experts} experts")

    def _write(self, kind: str, fields: Dict) -> None:
        if self._started_at is None:
            raise RuntimeError(f"{kind} before start(): the log must begin with a start event")
        if self.ended:
            raise RuntimeError(f"{kind} after end(): end is the last event of a process")
        if not self.is_writer:
            return
        line = json.dumps({"v": self.schema, "type": kind, "time": _now(), **fields}, allow_nan=False,
                          separators=(",", ":"))
        self._file.write(line + "\n")
        self._file.flush()
