"""SASRec exactly as Hearth defines it (core/device/sasrec/model.h), with the tensor names of
the common PyTorch port so that `hearth import` reads the weights as they are.

For a window s_0..s_{n-1} (oldest first, left-padded to max_len with 0, the padding row):
  h_j = item_emb[s_j] * emb_scale + pos_emb[max_len - n + j]
then `blocks` times, causal attention over the real items only (padding is never a key,
which is how Hearth attends, so short histories score the same on the device), and
  prenorm:  a = LN1(h); h = h + Wo MHA(a, a, a);  h = h + W2 act(W1 LN2(h) + b1) + b2
  original: q = LN1(h); h = q + Wo MHA(q, h, h);  h = LN2(h); h = h + W2 act(W1 h + b1) + b2
and z = LNf(h_{n-1}); an item's score is z . item_emb[item]. Dropout sits where the native
trainer puts it: on the embeddings, the attention output, the feed-forward activation and
the feed-forward output.
"""
import math

import torch
import torch.nn.functional as F
from torch import nn


class ChunkedSoftmaxCE(torch.autograd.Function):
    """Summed full-softmax cross-entropy of z [P, d] against every item row of E [N, d], a few
    positions at a time and recomputed in backward, so the P x N logits never exist at once
    (1000 positions over 1M items would be 4 GB; small chunks also reuse the allocator's
    pages instead of faulting in fresh ones every step)."""

    @staticmethod
    def forward(ctx, z, E, t, chunk):
        total = z.new_zeros((), dtype=torch.float64)
        for s in range(0, len(z), chunk):
            logits = z[s:s + chunk] @ E.T
            picked = logits.gather(1, t[s:s + chunk, None])[:, 0]
            total += (torch.logsumexp(logits, 1) - picked).sum().double()
        ctx.save_for_backward(z, E, t)
        ctx.chunk = chunk
        return total.to(z.dtype)

    @staticmethod
    def backward(ctx, grad):
        z, E, t = ctx.saved_tensors
        gz, gE = torch.empty_like(z), torch.zeros_like(E)
        scale = grad
        for s in range(0, len(z), ctx.chunk):
            zc = z[s:s + ctx.chunk]
            p = torch.softmax(zc @ E.T, 1)
            p[torch.arange(len(zc)), t[s:s + ctx.chunk]] -= 1
            p *= scale
            gz[s:s + ctx.chunk] = p @ E
            gE.addmm_(p.T, zc)
        return gz, gE, None, None


def softmax_ce(z, E, t):
    """F.cross_entropy(z @ E.T, t, reduction='sum') without materialising the logits. A
    chunk is about 2M logits (8 MB; an epoch of Beauty with 4M was 10% slower here), and
    never under 64 positions: each chunk reads all of E, so fewer rows would make a large
    catalog's step memory-bound (at 1M items, 256 MB a chunk)."""
    return ChunkedSoftmaxCE.apply(z, E, t, max(64, 2_000_000 // E.shape[0]))


class Attention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.in_proj_weight = nn.Parameter(torch.empty(3 * dim, dim))
        self.in_proj_bias = nn.Parameter(torch.zeros(3 * dim))
        self.out_proj = nn.Linear(dim, dim)

    def forward(self, q_in, kv_in, allowed):
        wq, wk, wv = self.in_proj_weight.chunk(3)
        bq, bk, bv = self.in_proj_bias.chunk(3)
        B, L, d = q_in.shape
        split = lambda x: x.view(B, L, self.heads, d // self.heads).transpose(1, 2)
        q, k, v = split(F.linear(q_in, wq, bq)), split(F.linear(kv_in, wk, bk)), split(F.linear(kv_in, wv, bv))
        scores = q @ k.transpose(-1, -2) / math.sqrt(d // self.heads)
        scores = scores.masked_fill(~allowed, float('-inf'))
        ctx = torch.softmax(scores, dim=-1) @ v
        return self.out_proj(ctx.transpose(1, 2).reshape(B, L, d))


class FeedForward(nn.Module):
    def __init__(self, dim, ffn_dim):
        super().__init__()
        self.conv1 = nn.Linear(dim, ffn_dim)  # the port's kernel-size-1 Conv1d, as a linear layer
        self.conv2 = nn.Linear(ffn_dim, dim)


class SASRec(nn.Module):
    def __init__(self, items, dim=64, heads=1, blocks=2, max_len=50, ffn_dim=None, dropout=0.2,
                 variant='prenorm', activation='relu', ln_eps=1e-6):
        super().__init__()
        if dim % heads:
            raise ValueError(f'heads ({heads}) must divide dim ({dim})')
        if variant not in ('prenorm', 'original'):
            raise ValueError(f'variant {variant!r}: prenorm or original')
        if activation not in ('relu', 'gelu'):
            raise ValueError(f'activation {activation!r}: relu or gelu')
        self.config = dict(items=items, dim=dim, heads=heads, blocks=blocks, max_len=max_len,
                           ffn_dim=ffn_dim or dim, variant=variant, activation=activation,
                           emb_scale=math.sqrt(dim), ln_eps=ln_eps)
        ffn_dim = ffn_dim or dim
        self.dropout = dropout
        self.item_emb = nn.Embedding(items + 1, dim, padding_idx=0)
        self.pos_emb = nn.Embedding(max_len, dim)
        self.attention_layernorms = nn.ModuleList(nn.LayerNorm(dim, eps=ln_eps) for _ in range(blocks))
        self.attention_layers = nn.ModuleList(Attention(dim, heads) for _ in range(blocks))
        self.forward_layernorms = nn.ModuleList(nn.LayerNorm(dim, eps=ln_eps) for _ in range(blocks))
        self.forward_layers = nn.ModuleList(FeedForward(dim, ffn_dim) for _ in range(blocks))
        self.last_layernorm = nn.LayerNorm(dim, eps=ln_eps)

    def reset_parameters(self, generator):
        """Xavier-normal matrices (each of q, k, v on its own), zero biases, unit gains: the
        native trainer's initialisation."""
        def xavier(t, rows, cols):
            with torch.no_grad():
                t.copy_(torch.randn(t.shape, generator=generator) * math.sqrt(2.0 / (rows + cols)))

        c = self.config
        d, f = c['dim'], c['ffn_dim']
        xavier(self.item_emb.weight, c['items'], d)
        with torch.no_grad():
            self.item_emb.weight[0].zero_()
        xavier(self.pos_emb.weight, c['max_len'], d)
        for b in range(c['blocks']):
            for part in self.attention_layers[b].in_proj_weight.chunk(3):
                xavier(part, d, d)
            xavier(self.attention_layers[b].out_proj.weight, d, d)
            xavier(self.forward_layers[b].conv1.weight, f, d)
            xavier(self.forward_layers[b].conv2.weight, d, f)
        for name, p in self.named_parameters():
            if name.endswith('bias'):
                nn.init.zeros_(p)
            elif 'layernorm' in name:
                nn.init.ones_(p)

    def _act(self, x):
        return F.relu(x) if self.config['activation'] == 'relu' else F.gelu(x, approximate='tanh')

    def _drop(self, x):
        return F.dropout(x, self.dropout, self.training)

    def hidden(self, seqs):
        """LNf(h) at every position of left-padded windows [B, max_len] (0 = padding)."""
        c = self.config
        B, L = seqs.shape
        valid = seqs > 0
        causal = torch.ones(L, L, dtype=torch.bool, device=seqs.device).tril()
        # A padding row may see itself only, so that its softmax is defined; nothing reads it.
        allowed = causal & (valid[:, None, :] | torch.eye(L, dtype=torch.bool, device=seqs.device))
        allowed = allowed[:, None, :, :]
        h = self.item_emb(seqs) * c['emb_scale'] + self.pos_emb.weight[None, c['max_len'] - L:]
        h = self._drop(h)
        pre = c['variant'] == 'prenorm'
        for b in range(c['blocks']):
            a = self.attention_layernorms[b](h)
            o = self._drop(self.attention_layers[b](a, a if pre else h, allowed))
            h = (h if pre else a) + o
            ffn = self.forward_layers[b]
            x = self.forward_layernorms[b](h)
            ff = self._drop(ffn.conv2(self._drop(self._act(ffn.conv1(x)))))
            h = (h if pre else x) + ff
        return self.last_layernorm(h)

    def forward(self, inputs, targets, loss='ce', negatives=None, log_q=None):
        """Next-item loss summed over the real positions of a batch ([B, max_len] each; a
        target of 0 is padding): the trainer divides by the positions of every worker's
        share, so the step is the native trainer's mean however the batch is split. The loss
        sits in forward so that DistributedDataParallel sees every parameter it touches.
          ce       full softmax over every item;
          sampled  softmax over the target and `negatives` (shared by the batch) with the
                   log-q correction of the sampling distribution `log_q` [items + 1];
          bce      the target against one negative per position (`negatives` [B, max_len])."""
        mask = targets > 0
        z, t = self.hidden(inputs)[mask], targets[mask]
        if loss == 'ce':
            return softmax_ce(z, self.item_matrix(), t - 1)
        e = self.item_emb.weight
        pos = (z * e[t]).sum(-1)
        if loss == 'sampled':
            pos = pos - log_q[t]
            neg = z @ e[negatives].T - log_q[negatives][None]
            neg = neg.masked_fill(negatives[None] == t[:, None], float('-inf'))
            return (torch.logsumexp(torch.cat([pos[:, None], neg], 1), 1) - pos).sum()
        if loss == 'bce':
            neg = (z * e[negatives[mask]]).sum(-1)
            return (F.softplus(-pos) + F.softplus(neg)).sum()
        raise ValueError(f'loss {loss!r}: ce, sampled or bce')

    def item_matrix(self):
        """[items, dim]: the real items, without the padding row."""
        return self.item_emb.weight[1:]

    def encode_last(self, seqs):
        return self.hidden(seqs)[:, -1]


def left_pad(windows, length, device=None):
    """Windows of item numbers (1-based) as a [len(windows), length] tensor, newest last."""
    out = torch.zeros(len(windows), length, dtype=torch.long)
    for r, w in enumerate(windows):
        w = w[-length:]
        if w:
            out[r, length - len(w):] = torch.tensor(w, dtype=torch.long)
    return out if device is None else out.to(device)


def export_config(model, item_ids):
    """The config `hearth import` reads (core/train/import/IMPORT.md)."""
    c = model.config
    return {'dim': c['dim'], 'heads': c['heads'], 'blocks': c['blocks'], 'max_len': c['max_len'],
            'ffn_dim': c['ffn_dim'], 'variant': c['variant'], 'activation': c['activation'],
            'emb_scale': c['emb_scale'], 'ln_eps': c['ln_eps'], 'padding_row': 0,
            'item_ids': item_ids}
