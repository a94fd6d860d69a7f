#!/usr/bin/env python3
"""PyTorch's own top-k for histories, from an exported model folder (model.safetensors and
config.json as train_sasrec.py writes them): the reference a bundle made by `hearth import`
is checked against.

  python3 scripts/torch/recommend.py --model model --histories histories.json --k 10

histories.json: a JSON array of histories, each an array of item ids, oldest first. Prints
a JSON array of lists of {"id", "score"}, best first; a history's own items are left out.
"""
import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_io  # noqa: E402
from sasrec_model import SASRec, left_pad  # noqa: E402


def load_model(folder):
    with open(os.path.join(folder, 'config.json')) as f:
        c = json.load(f)
    tensors, _ = safetensors_io.load(os.path.join(folder, 'model.safetensors'))
    model = SASRec(len(c['item_ids']), c['dim'], c['heads'], c['blocks'], c['max_len'], c['ffn_dim'],
                   0.0, c['variant'], c['activation'], c['ln_eps'])
    model.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in tensors.items()})
    model.eval()
    return model, [str(i) for i in c['item_ids']]


@torch.no_grad()
def top_k(model, item_ids, histories, k):
    number = {item: n + 1 for n, item in enumerate(item_ids)}
    out = []
    for h in histories:
        unknown = [i for i in h if str(i) not in number]
        if unknown:
            raise ValueError(f'unknown item ids {unknown[:5]} (the model has {len(item_ids)} items)')
        seq = [number[str(i)] for i in h]
        z = model.encode_last(left_pad([seq], model.config['max_len']))[0]
        scores = model.item_matrix() @ z
        scores[torch.tensor(sorted(set(seq)), dtype=torch.long) - 1] = float('-inf')
        best = torch.topk(scores, min(k, len(item_ids) - len(set(seq))))
        out.append([{'id': item_ids[i], 'score': float(s)} for s, i in zip(best.values.tolist(), best.indices.tolist())])
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--model', required=True, help='the folder train_sasrec.py wrote')
    p.add_argument('--histories', required=True, help='a JSON array of arrays of item ids')
    p.add_argument('--k', type=int, default=10)
    a = p.parse_args()
    model, item_ids = load_model(a.model)
    with open(a.histories) as f:
        histories = json.load(f)
    print(json.dumps(top_k(model, item_ids, histories, a.k)))


if __name__ == '__main__':
    try:
        main()
    except ValueError as e:
        print(f'recommend: {e}', file=sys.stderr)
        sys.exit(2)
