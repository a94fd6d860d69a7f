#!/usr/bin/env python3
"""Trains SASRec data-parallel with torch.distributed, for logs that outgrow one machine, and
exports it for `hearth import`.

  torchrun --nproc_per_node 2 scripts/torch/train_sasrec.py --data events.csv --out model
  hearth import --safetensors model/model.safetensors --config model/config.json \
      --items items.csv --out model.hearth

The model, the loss options, the data formats, the leave-one-out split, the validation
ranking, early stopping and learning-rate cuts are the native trainer's (`hearth train
--model sasrec`, whose flags these mirror). Each worker reads only its share of the users
(scripts/torch/events.py); gradients are averaged by DistributedDataParallel: gloo on CPU,
NCCL on GPUs. One process without torchrun is a run of one worker.

Writes to --out: model.safetensors and config.json (what `hearth import` reads) and
report.json (per-epoch loss and validation, test NDCG@10/HR@10, timing, communication).
"""
import argparse
import copy
import json
import math
import os
import sys
import time

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import events  # noqa: E402
import safetensors_io  # noqa: E402
from ranking import rank_sums  # noqa: E402
from sasrec_model import SASRec, export_config, left_pad  # noqa: E402


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--data', required=True, help='a log file, or a folder or glob of shard files partitioned by user')
    p.add_argument('--format', default='auto', choices=['auto', 'csv', 'seq'])
    p.add_argument('--out', required=True, help='folder for model.safetensors, config.json, report.json')
    p.add_argument('--dim', type=int, default=64)
    p.add_argument('--heads', type=int, default=1)
    p.add_argument('--blocks', type=int, default=2)
    p.add_argument('--max-len', type=int, default=50)
    p.add_argument('--ffn-dim', type=int, default=0, help='default: --dim')
    p.add_argument('--variant', default='prenorm', choices=['prenorm', 'original'])
    p.add_argument('--activation', default='relu', choices=['relu', 'gelu'])
    p.add_argument('--loss', default='ce', choices=['ce', 'sampled', 'bce'])
    p.add_argument('--negatives', type=int, default=256, help='sampled: negatives per batch')
    p.add_argument('--dropout', type=float, default=0.2)
    p.add_argument('--lr', type=float, default=1e-3)
    p.add_argument('--weight-decay', type=float, default=0.0)
    p.add_argument('--batch', type=int, default=128, help='sequences per step, over all workers')
    p.add_argument('--epochs', type=int, default=200)
    p.add_argument('--patience', type=int, default=10, help='epochs without a better validation NDCG@10 before stopping (0: never)')
    p.add_argument('--lr-patience', type=int, default=3)
    p.add_argument('--lr-decay', type=float, default=0.5)
    p.add_argument('--clip-norm', type=float, default=0.0)
    p.add_argument('--seed', type=int, default=42)
    p.add_argument('--threads', type=int, default=0, help='per worker; default: the cores over the local workers')
    p.add_argument('--checkpoint', default='', help='saved every epoch; a run resumes from it')
    p.add_argument('--json', action='store_true', help='print the report as JSON')
    a = p.parse_args(argv)
    for name in ('dim', 'heads', 'blocks', 'max_len', 'batch', 'epochs'):
        if getattr(a, name) <= 0:
            p.error(f'--{name.replace("_", "-")} must be positive')
    if not 0 <= a.dropout < 1:
        p.error('--dropout must be in [0, 1)')
    return a


class Workers:
    """The process group, or a run of one process without it."""

    def __init__(self):
        self.distributed = int(os.environ.get('WORLD_SIZE', '1')) > 1
        cuda = torch.cuda.is_available()
        local = int(os.environ.get('LOCAL_RANK', '0'))
        if cuda:
            torch.cuda.set_device(local)  # NCCL's collectives run on the current device
        if self.distributed:
            dist.init_process_group('nccl' if cuda else 'gloo')
            self.rank, self.world = dist.get_rank(), dist.get_world_size()
        else:
            self.rank, self.world = 0, 1
        self.backend = ('nccl' if cuda else 'gloo') if self.distributed else 'none'
        self.device = torch.device(f'cuda:{local}' if cuda else 'cpu')
        self.local_world = int(os.environ.get('LOCAL_WORLD_SIZE', '1'))

    def sum(self, values, dtype=torch.float64):
        t = torch.tensor(values, dtype=dtype, device=self.device)
        if self.distributed:
            dist.all_reduce(t)
        return t.cpu()

    def gather(self, obj):
        if not self.distributed:
            return [obj]
        out = [None] * self.world
        dist.all_gather_object(out, obj)
        return out

    def barrier(self):
        if self.distributed:
            dist.barrier()

    def close(self):
        """Ends a distributed worker's process here. Debian's PyTorch 1.13 can leave a gloo
        worker spinning in destroy_process_group once its peer has gone, and aborts at exit
        without it; after the last barrier nothing is left to do, so exit at once."""
        if self.distributed:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(0)


def load_data(args, w):
    """This worker's users as item numbers (1-based; 0 pads), split leave-one-out, with the
    global item list every worker agrees on."""
    by_user, _ = events.local_sequences(args.data, args.format, w.rank, w.world)
    local_items = sorted({i for s in by_user.values() for i in s})
    item_ids = events.item_order(set().union(*map(set, w.gather(local_items))))
    if not item_ids:
        raise events.DataError(f'{args.data}: no events')
    number = {item: k + 1 for k, item in enumerate(item_ids)}
    users = []
    for user in sorted(by_user):
        train, val, test = events.split_leave_one_out([number[i] for i in by_user[user]])
        users.append({'id': user, 'train': train, 'val': val, 'test': test})
    return users, item_ids


def training_windows(users, max_len):
    """Per user, the last max_len + 1 training items: inputs and next-item targets."""
    inputs, targets = [], []
    for u in users:
        w = u['train'][-(max_len + 1):]
        if len(w) >= 2:
            inputs.append(w[:-1])
            targets.append(w[1:])
    return inputs, targets


def evaluate(model, users, w, part):
    hist, tgt = [], []
    for u in users:
        if u[part] is None:
            continue
        hist.append(u['train'] if part == 'val' else u['train'] + [u['val']])
        tgt.append(u[part])
    n, ndcg, hr = w.sum(rank_sums(model, hist, tgt, w.device)).tolist()
    return {'users': int(n), 'ndcg@10': ndcg / n if n else 0.0, 'hr@10': hr / n if n else 0.0}


def param_groups(model, weight_decay):
    """AdamW's decay on the matrices only: never on LayerNorm parameters, biases or embeddings
    (the native trainer's default)."""
    decay, rest = [], []
    for name, p in model.named_parameters():
        plain = name.endswith('bias') or 'layernorm' in name or '_emb.' in name
        (rest if plain else decay).append(p)
    return [{'params': decay, 'weight_decay': weight_decay}, {'params': rest, 'weight_decay': 0.0}]


def allreduce_ms(w, numel, repeats=20):
    """The time of one all-reduce of the gradients' size: the communication of a step."""
    if not w.distributed:
        return 0.0
    t = torch.zeros(numel, dtype=torch.float32, device=w.device)
    dist.all_reduce(t)
    w.barrier()
    start = time.perf_counter()
    for _ in range(repeats):
        dist.all_reduce(t)
    w.barrier()
    return (time.perf_counter() - start) * 1000 / repeats


def main(argv=None):
    args = parse_args(argv)
    w = Workers()
    threads = args.threads or max(1, (os.cpu_count() or 1) // w.local_world)
    torch.set_num_threads(threads)
    started = time.perf_counter()
    users, item_ids = load_data(args, w)
    read_seconds = time.perf_counter() - started
    items = len(item_ids)

    model = SASRec(items, args.dim, args.heads, args.blocks, args.max_len, args.ffn_dim or None,
                   args.dropout, args.variant, args.activation)
    model.reset_parameters(torch.Generator().manual_seed(args.seed))
    model.to(w.device)
    on_gpu = [w.device.index] if w.device.type == 'cuda' else None
    net = DistributedDataParallel(model, device_ids=on_gpu, gradient_as_bucket_view=True) if w.distributed else model
    optimizer = torch.optim.AdamW(param_groups(model, args.weight_decay), lr=args.lr,
                                  betas=(0.9, 0.98), eps=1e-8)

    inputs, targets = training_windows(users, args.max_len)
    total_windows = int(w.sum([len(inputs)])[0])
    if total_windows == 0:
        raise events.DataError(f'{args.data}: no user has 2 training events (after holding out 2 per user)')
    per_worker = math.ceil(args.batch / w.world)
    steps = math.ceil(total_windows / args.batch)
    log_q = None
    if args.loss == 'sampled':
        # Popularity with add-one smoothing (once, not once per worker), over every worker's
        # training items, as the native trainer counts them.
        seen = torch.tensor([i for u in users for i in u['train']], dtype=torch.long)
        counts = 1.0 + w.sum(torch.bincount(seen, minlength=items + 1).double().tolist())
        counts[0] = 0
        q = counts / counts.sum()
        log_q = torch.log(q.clamp_min(1e-300)).float().to(w.device)
        q_items = q[1:].float()

    state = {'epoch': 0, 'best_epoch': 0, 'best_ndcg': -1.0, 'bad_epochs': 0, 'since_cut': 0,
             'lr_scale': 1.0, 'history': []}
    best_weights = copy.deepcopy(model.state_dict())
    if args.checkpoint and os.path.exists(args.checkpoint):
        ck = torch.load(args.checkpoint, map_location=w.device)
        if ck['items'] != items or ck['config'] != model.config:
            raise ValueError(f'{args.checkpoint}: a checkpoint of another model or data '
                             f'({ck["items"]} items, {ck["config"]}); remove it to start over')
        model.load_state_dict(ck['model'])
        optimizer.load_state_dict(ck['optimizer'])
        best_weights, state = ck['best_weights'], ck['state']

    params = sum(p.numel() for p in model.parameters())
    train_seconds = 0.0
    while state['epoch'] < args.epochs:
        epoch = state['epoch'] + 1
        # Every random choice of an epoch (order, negatives, dropout masks) derives from the
        # seed, the epoch and the worker, so a run resumed from a checkpoint is the same run.
        g = torch.Generator().manual_seed(args.seed * 7_919 + epoch * 104_729 + w.rank)
        torch.manual_seed(args.seed * 1_000_003 + epoch * 7_907 + w.rank)
        order = torch.randperm(len(inputs), generator=g).tolist() if inputs else []
        for group in optimizer.param_groups:
            group['lr'] = args.lr * state['lr_scale']
        t0 = time.perf_counter()
        loss_sum, cursor = 0.0, 0
        for _ in range(steps):
            # Every worker takes the same number of steps (DDP's collectives must pair up):
            # one that runs out of users starts its own list again.
            rows = []
            for _ in range(per_worker):
                if not order:
                    break
                if cursor == len(order):
                    cursor = 0
                rows.append(order[cursor])
                cursor += 1
            x = left_pad([inputs[r] for r in rows], args.max_len, w.device)
            y = left_pad([targets[r] for r in rows], args.max_len, w.device)
            negatives = None
            if args.loss == 'sampled':
                negatives = (torch.multinomial(q_items, args.negatives, replacement=True, generator=g) + 1).to(w.device)
            elif args.loss == 'bce':
                negatives = torch.randint(1, items + 1, y.shape, generator=g).to(w.device)
                window = torch.cat([x, y[:, -1:]], 1)
                for _ in range(10):  # an item of the window is no negative (tiny catalogs: bounded)
                    clash = (negatives[:, :, None] == window[:, None, :]).any(-1)
                    if not clash.any():
                        break
                    negatives[clash] = torch.randint(1, items + 1, (int(clash.sum()),), generator=g).to(w.device)
            # DDP averages the workers' gradients: scaling each worker's sum by W / (all
            # workers' positions) makes that the mean over every position of the step.
            positions = float(w.sum([(y > 0).sum().item()])[0])
            loss = net(x, y, args.loss, negatives, log_q) * (w.world / positions)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if args.clip_norm > 0:
                torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip_norm)
            optimizer.step()
            loss_sum += loss.item() / w.world
        epoch_train = time.perf_counter() - t0
        train_seconds += epoch_train
        mean_loss = float(w.sum([loss_sum / steps])[0])
        val = evaluate(model, users, w, 'val')
        report = {'epoch': epoch, 'loss': mean_loss, 'val_ndcg10': val['ndcg@10'],
                  'val_hr10': val['hr@10'], 'train_seconds': epoch_train,
                  'lr': args.lr * state['lr_scale']}
        state['epoch'] = epoch
        if val['ndcg@10'] > state['best_ndcg']:
            state.update(best_ndcg=val['ndcg@10'], best_epoch=epoch, bad_epochs=0, since_cut=0)
            best_weights = copy.deepcopy(model.state_dict())
        else:
            state['bad_epochs'] += 1
            state['since_cut'] += 1
            if args.lr_patience and state['since_cut'] >= args.lr_patience:
                state['lr_scale'] *= args.lr_decay
                state['since_cut'] = 0
        state['history'].append(report)
        if w.rank == 0:
            print(f'epoch {epoch}: loss {mean_loss:.4f}, validation NDCG@10 {val["ndcg@10"]:.4f} '
                  f'HR@10 {val["hr@10"]:.4f}, {epoch_train:.1f} s', file=sys.stderr, flush=True)
            if args.checkpoint:
                tmp = f'{args.checkpoint}.tmp'
                torch.save({'items': items, 'config': model.config, 'model': model.state_dict(),
                            'optimizer': optimizer.state_dict(), 'best_weights': best_weights,
                            'state': state}, tmp)
                os.replace(tmp, args.checkpoint)
        w.barrier()
        if args.patience and state['bad_epochs'] >= args.patience:
            break

    model.load_state_dict(best_weights)
    test = evaluate(model, users, w, 'test')
    comm_ms = allreduce_ms(w, params)
    total_users = int(w.sum([len(users)])[0])
    if w.rank == 0:
        os.makedirs(args.out, exist_ok=True)
        safetensors_io.save(os.path.join(args.out, 'model.safetensors'),
                            {k: v.cpu().numpy() for k, v in model.state_dict().items()},
                            {'format': 'pt', 'trainer': 'scripts/torch/train_sasrec.py'})
        with open(os.path.join(args.out, 'config.json'), 'w') as f:
            json.dump(export_config(model, item_ids), f)
        epochs_run = state['history']
        report = {
            'torch': torch.__version__, 'workers': w.world, 'backend': w.backend,
            'threads_per_worker': threads, 'total_seconds': time.perf_counter() - started,
            'items': items, 'users': total_users,
            'training_windows': total_windows, 'batch': args.batch, 'steps_per_epoch': steps,
            'parameters': params,
            # DDP all-reduces every gradient each step; a ring sends 2 (W - 1) / W of it per worker.
            'allreduce_bytes_per_step': params * 4,
            'ring_bytes_sent_per_worker_per_step': params * 4 * 2 * (w.world - 1) / w.world,
            'allreduce_ms_per_step': comm_ms,
            'read_seconds': read_seconds, 'train_seconds': train_seconds,
            'seconds_per_epoch': train_seconds / max(1, len(epochs_run)),
            'best_epoch': state['best_epoch'], 'validation_ndcg10': state['best_ndcg'],
            'test': test, 'epochs': epochs_run, 'args': vars(args),
        }
        with open(os.path.join(args.out, 'report.json'), 'w') as f:
            json.dump(report, f, indent=1)
        if args.json:
            print(json.dumps(report))
        else:
            print(f'test NDCG@10 {test["ndcg@10"]:.4f} HR@10 {test["hr@10"]:.4f} over {test["users"]} users '
                  f'(best epoch {state["best_epoch"]}); wrote {args.out}/model.safetensors and config.json')
    w.barrier()
    w.close()


if __name__ == '__main__':
    try:
        main()
    except (events.DataError, ValueError) as e:
        print(f'train_sasrec: {e}', file=sys.stderr)
        sys.exit(2)
