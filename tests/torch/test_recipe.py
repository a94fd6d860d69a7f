"""The pieces of the PyTorch recipe (scripts/torch) against independent references: the
chunked cross-entropy against PyTorch's own and finite differences, the sampled softmax
against the full one it must equal when every item is a negative, and the sharded reader
against reading the whole log in one place. Run by tests/web/torch-distributed.test.mjs."""
import math
import os
import sys
import tempfile
import unittest

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'scripts', 'torch'))
import events  # noqa: E402
from ranking import rank_sums  # noqa: E402
from sasrec_model import ChunkedSoftmaxCE, SASRec, left_pad, softmax_ce  # noqa: E402


class ChunkedCrossEntropy(unittest.TestCase):
    def test_value_and_gradients_match_pytorch(self):
        g = torch.Generator().manual_seed(3)
        z = torch.randn(37, 8, generator=g, dtype=torch.float64, requires_grad=True)
        E = torch.randn(50, 8, generator=g, dtype=torch.float64, requires_grad=True)
        t = torch.randint(0, 50, (37,), generator=g)
        ours = ChunkedSoftmaxCE.apply(z, E, t, 5)  # chunks that do not divide 37
        gz, gE = torch.autograd.grad(ours, (z, E))
        ref = F.cross_entropy(z @ E.T, t, reduction='sum')
        rz, rE = torch.autograd.grad(ref, (z, E))
        self.assertAlmostEqual(ours.item(), ref.item(), places=9)
        self.assertLess((gz - rz).abs().max().item(), 1e-10)
        self.assertLess((gE - rE).abs().max().item(), 1e-10)
        self.assertTrue(torch.autograd.gradcheck(lambda a, b: ChunkedSoftmaxCE.apply(a, b, t, 4), (z, E)))

    def test_default_chunking_equals_one_chunk(self):
        g = torch.Generator().manual_seed(4)
        z, E = torch.randn(1000, 16, generator=g), torch.randn(9000, 16, generator=g)  # 5 chunks
        t = torch.randint(0, 9000, (1000,), generator=g)
        self.assertAlmostEqual(softmax_ce(z, E, t).item() / F.cross_entropy(z @ E.T, t, reduction='sum').item(), 1.0, places=5)


class Losses(unittest.TestCase):
    def test_sampled_softmax_with_every_item_is_the_full_softmax(self):
        items = 20
        model = SASRec(items, dim=8, heads=2, blocks=1, max_len=6, dropout=0.0)
        model.reset_parameters(torch.Generator().manual_seed(5))
        x = left_pad([[3, 4, 5], [7, 1, 2, 9, 11]], 6)
        y = left_pad([[4, 5, 6], [1, 2, 9, 11, 12]], 6)
        full = model(x, y, 'ce')
        uniform = torch.full((items + 1,), -torch.log(torch.tensor(float(items))))
        every = torch.arange(1, items + 1)
        sampled = model(x, y, 'sampled', every, uniform)
        self.assertAlmostEqual(full.item(), sampled.item(), places=4)


class Ranking(unittest.TestCase):
    def test_batched_ranking_equals_one_user_at_a_time(self):
        items = 30
        model = SASRec(items, dim=8, heads=1, blocks=1, max_len=4, dropout=0.0)
        model.reset_parameters(torch.Generator().manual_seed(8))
        g = torch.Generator().manual_seed(9)
        # Histories longer than max_len (all of it is left out), repeats, item 1, and a tie.
        histories = [torch.randint(1, items + 1, (n,), generator=g).tolist() for n in (1, 3, 6, 9, 2, 12, 5)]
        histories[0] = [1]
        targets = [torch.randint(1, items + 1, (1,), generator=g).item() for _ in histories]
        targets[1] = histories[1][0]  # a target seen before still counts as itself
        with torch.no_grad():
            model.item_emb.weight[5] = model.item_emb.weight[targets[2]]  # a tie, counted against it
        reference = [0.0, 0.0, 0.0]
        with torch.no_grad():
            for h, t in zip(histories, targets):
                s = (model.item_matrix() @ model.encode_last(left_pad([h], 4))[0]).double()
                others = [i for i in set(h) if i != t]
                rank = sum(1 for i in range(1, items + 1) if i != t and i not in others and s[i - 1] >= s[t - 1])
                reference[0] += 1
                if rank < 10:
                    reference[1] += 1 / math.log2(rank + 2)
                    reference[2] += 1
        got = rank_sums(model, histories, targets, torch.device('cpu'), batch=3)
        self.assertEqual(got[0], reference[0])
        self.assertAlmostEqual(got[1], reference[1], places=9)
        self.assertEqual(got[2], reference[2])
        self.assertGreater(reference[2], 0)


class ShardedReading(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, 'w') as f:
            f.write(text)
        return path

    def test_every_user_on_exactly_one_worker_with_its_whole_sequence(self):
        lines = ['user,item,rating,timestamp']
        for u in range(60):
            for k in range(u % 7 + 1):
                lines.append(f'u{u},{(u * 13 + k * 7) % 40},4,{1000 - k}')  # newest first in the file
        path = self.write('log.csv', '\n'.join(lines) + '\n')
        whole, _ = events.local_sequences(path, 'auto', 0, 1)
        shares = [events.local_sequences(path, 'auto', r, 3)[0] for r in range(3)]
        merged = {}
        for share in shares:
            self.assertTrue(share, 'a worker with no users')
            self.assertFalse(set(share) & set(merged), 'a user on two workers')
            merged.update(share)
        self.assertEqual(merged, whole)
        # Ordered by timestamp, not by the file.
        self.assertEqual(whole['u3'], [str((39 + k * 7) % 40) for k in reversed(range(4))])

    def test_sequence_lines_ties_and_folders_of_shards(self):
        path = self.write('s.txt', '1 5 3 9\n2 4\n1 2\n')
        seqs, _ = events.local_sequences(path, 'seq', 0, 1)
        self.assertEqual(seqs, {'1': ['5', '3', '9', '2'], '2': ['4']})
        self.assertEqual(events.item_order(['10', '9', '100']), ['9', '10', '100'])
        self.assertEqual(events.item_order(['b', '10', 'a']), ['10', 'a', 'b'])
        shards = os.path.join(self.dir, 'shards')
        os.mkdir(shards)
        for k in range(3):
            with open(os.path.join(shards, f'part-{k}.txt'), 'w') as f:
                f.write(f'{k} {k + 10}\n')
        with open(os.path.join(shards, '_SUCCESS'), 'w') as f:
            f.write('')
        self.assertEqual(events.local_sequences(shards, 'seq', 0, 2)[0], {'0': ['10'], '2': ['12']})
        self.assertEqual(events.local_sequences(shards, 'seq', 1, 2)[0], {'1': ['11']})

    def test_errors_name_file_and_line(self):
        bad = self.write('bad.csv', 'userId,movieId\n1,2\n3\n')
        with self.assertRaisesRegex(events.DataError, r'bad\.csv:3: 1 fields, the header has 2'):
            events.local_sequences(bad, 'auto', 0, 1)
        nouser = self.write('nouser.csv', 'a,b\n1,2\n')
        with self.assertRaisesRegex(events.DataError, r'nouser\.csv:1: the header has no user column'):
            events.local_sequences(nouser, 'csv', 0, 1)


if __name__ == '__main__':
    unittest.main()
