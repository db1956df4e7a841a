"""The bench's native reference: the same MoE transformer as trainer/model, in PyTorch on one thread.

Pre-LN decoder blocks (causal attention from one QKV projection, no biases), MoE FFN with a softmax
router, top-K, gates renormalised over the K picks, sparse sort-based dispatch (dropless), GELU
(tanh), aux loss alpha·E·Σ f_i·P_i, AdamW (0.9, 0.95), grad-norm clip; random tokens.
Prints tokens_per_second=<float>. `--device cpu` (one thread; run with OPENBLAS_NUM_THREADS=1) or
`--device cuda` (the GPU bench's reference).
"""
import argparse
import json
import math
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Expert(nn.Module):
    def __init__(self, d, hidden):
        super().__init__()
        self.w1 = nn.Linear(d, hidden, bias=False)
        self.w2 = nn.Linear(hidden, d, bias=False)

    def forward(self, x):
        return self.w2(F.gelu(self.w1(x), approximate='tanh'))


class MoeLayer(nn.Module):
    def __init__(self, d, experts, top_k, hidden):
        super().__init__()
        self.router = nn.Linear(d, experts, bias=False)
        self.experts = nn.ModuleList(Expert(d, hidden) for _ in range(experts))
        self.top_k = top_k

    def forward(self, x):
        scores = torch.softmax(self.router(x), dim=-1)  # [T, E]
        top_scores, top_idx = scores.topk(self.top_k, dim=-1)
        gates = top_scores / top_scores.sum(-1, keepdim=True)
        flat_expert = top_idx.reshape(-1)
        order = torch.argsort(flat_expert, stable=True)
        token_of = torch.arange(x.shape[0], device=x.device).repeat_interleave(self.top_k)[order]
        counts = torch.bincount(flat_expert, minlength=len(self.experts))
        rows = x[token_of]
        outputs = [e(r) for e, r in zip(self.experts, rows.split(counts.tolist())) if r.shape[0] > 0]
        out = torch.zeros_like(x).index_add_(0, token_of, torch.cat(outputs) * gates.reshape(-1)[order, None])
        f = counts.float() / (self.top_k * x.shape[0])
        aux = len(self.experts) * (f * scores.mean(0)).sum()
        return out, aux


class Block(nn.Module):
    def __init__(self, s):
        super().__init__()
        d = s['dModel']
        self.heads = s['heads']
        self.ln1 = nn.LayerNorm(d)
        self.qkv = nn.Linear(d, 3 * d, bias=False)
        self.proj = nn.Linear(d, d, bias=False)
        self.ln2 = nn.LayerNorm(d)
        self.moe = MoeLayer(d, s['experts'], s['topK'], s['expertHidden'])

    def forward(self, x, mask):
        b, t, d = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(d, dim=-1)
        shape = lambda z: z.view(b, t, self.heads, d // self.heads).transpose(1, 2)
        att = (shape(q) @ shape(k).transpose(-2, -1)) / math.sqrt(d // self.heads)
        att = torch.softmax(att.masked_fill(mask, float('-inf')), dim=-1)
        x = x + self.proj((att @ shape(v)).transpose(1, 2).reshape(b, t, d))
        out, aux = self.moe(self.ln2(x).reshape(b * t, d))
        return x + out.view(b, t, d), aux


class Model(nn.Module):
    def __init__(self, s):
        super().__init__()
        self.tok = nn.Embedding(s['vocab'], s['dModel'])
        self.pos = nn.Embedding(s['seqLen'], s['dModel'])
        self.blocks = nn.ModuleList(Block(s) for _ in range(s['layers']))
        self.ln = nn.LayerNorm(s['dModel'])
        self.out = nn.Linear(s['dModel'], s['vocab'], bias=False)
        self.register_buffer('mask', torch.triu(torch.ones(s['seqLen'], s['seqLen'], dtype=torch.bool), 1))

    def forward(self, idx):
        x = self.tok(idx) + self.pos.weight[: idx.shape[1]]
        aux = 0.0
        for block in self.blocks:
            x, a = block(x, self.mask)
            aux = aux + a
        return self.out(self.ln(x)), aux


def blas_library():
    """The BLAS torch is linked against (Debian's reference BLAS is ~10x slower than OpenBLAS)."""
    with open('/proc/self/maps') as maps:
        names = {line.split()[-1] for line in maps if 'blas' in line.lower()}
    return ', '.join(sorted(names)) or 'unknown'


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--steps', type=int, default=30)
    parser.add_argument('--shape', required=True)
    parser.add_argument('--device', choices=['cpu', 'cuda'], default='cpu')
    args = parser.parse_args()
    s = json.loads(args.shape)
    device = torch.device(args.device)
    if args.device == 'cpu':
        torch.set_num_threads(1)
    torch.manual_seed(s['seed'])
    model = Model(s).to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=s['lr'], betas=(0.9, 0.95), weight_decay=s['weightDecay'])
    tokens = s['batchSize'] * s['seqLen']

    def step():
        data = torch.randint(0, s['vocab'], (s['batchSize'], s['seqLen'] + 1), device=device)
        logits, aux = model(data[:, :-1])
        loss = F.cross_entropy(logits.reshape(tokens, -1), data[:, 1:].reshape(-1)) + s['auxAlpha'] * aux
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), s['gradClip'])
        optimizer.step()
        return loss.item()

    for _ in range(3):
        step()
    started = time.perf_counter()
    for _ in range(args.steps):
        loss = step()
    seconds = time.perf_counter() - started
    if args.device == 'cuda':
        print(f'torch {torch.__version__}, CUDA {torch.version.cuda}, {torch.cuda.get_device_name(device)}')
    else:
        print(f'torch {torch.__version__}, {torch.get_num_threads()} thread, BLAS {blas_library()}')
    print(f'{args.steps} steps in {seconds:.1f} s = {1000 * seconds / args.steps:.0f} ms/step, last loss {loss:.4f}')
    print(f'tokens_per_second={args.steps * tokens / seconds:.1f}')


if __name__ == '__main__':
    main()
