"""Full-ranking NDCG@10 and HR@10, the native validation's protocol: each target is ranked
among every item after its history, the history's other items are left out, and ties count
against the target."""

import torch

from sasrec_model import left_pad


@torch.no_grad()
def rank_sums(model, histories, targets, device, batch=None):
    """[users, NDCG@10 sum, HR@10 sum] over histories (lists of item numbers, 1-based) and
    their targets, a batch of users at a time (by default as many as keep the scores near
    16M floats: 256 users of 60k items, 16 of 1M)."""
    was_training = model.training
    model.eval()
    E = model.item_matrix()
    batch = batch or max(1, min(256, (1 << 24) // E.shape[0]))
    sums = [0.0, 0.0, 0.0]
    for start in range(0, len(histories), batch):
        hist, tgt = histories[start:start + batch], targets[start:start + batch]
        z = model.encode_last(left_pad(hist, model.config['max_len'], device))
        scores = z @ E.T
        t = torch.tensor(tgt, dtype=torch.long, device=device) - 1
        rows = torch.arange(len(hist), device=device)
        target_score = scores[rows, t].clone()
        # The whole history, not only the window the model read, is left out.
        # Column 0 of `left_out` takes the padding and is dropped.
        seen = left_pad(hist, max(map(len, hist)), device)
        left_out = torch.zeros(len(hist), scores.shape[1] + 1, dtype=torch.bool, device=device)
        left_out.scatter_(1, seen, True)
        left_out = left_out[:, 1:]
        left_out[rows, t] = False
        scores.masked_fill_(left_out, float('-inf'))
        rank = (scores >= target_score[:, None]).sum(1) - 1
        top = rank < 10
        sums[0] += len(hist)
        sums[1] += float((1.0 / torch.log2(rank[top].double() + 2)).sum())
        sums[2] += float(top.sum())
    model.train(was_training)
    return sums
