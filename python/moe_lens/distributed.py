"""torch.distributed when a trainer has initialised it, nothing otherwise (torch stays optional)."""

import os


def _dist():
    try:
        import torch.distributed as dist
    except ImportError:
        return None
    return dist if dist.is_available() and dist.is_initialized() else None


def rank() -> int:
    """This process's global rank: torch.distributed's when initialised, else $RANK, else 0."""
    dist = _dist()
    if dist is not None:
        return dist.get_rank()
    return int(os.environ.get("RANK", "0"))


def sum_over_ranks(rows):
    """Per-layer, per-expert counts summed over every rank (all_reduce SUM) when torch.distributed is
    initialised; the counts as plain lists of ints either way. Every rank must call it (a collective)."""
    dist = _dist()
    plain = rows.tolist() if hasattr(rows, "tolist") else [list(r.tolist() if hasattr(r, "tolist") else r) for r in rows]
    if dist is None:
        return [[int(c) for c in row] for row in plain]
    import torch

    backend = dist.get_backend()
    device = torch.device("cuda", torch.cuda.current_device()) if backend == "nccl" else torch.device("cpu")
    tensor = torch.tensor(plain, dtype=torch.int64, device=device)
    dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
    return [[int(c) for c in row] for row in tensor.cpu().tolist()]
