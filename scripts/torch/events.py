"""An interaction log as per-user sequences, each worker holding only its share of the users.

Nothing here loads the whole log. One file is streamed by every worker, and each keeps the
users whose id hashes to its rank. A folder (or glob) of shard files is split file by file.
The shards must then be partitioned by user, as Spark's `repartition("user")` writes them.

Formats (two of `hearth train --format`'s):
  seq  `user item [item ...]` a line, separated by whitespace, oldest first per user (the
       SASRec and S3-Rec datasets);
  csv  a header naming the columns: user (user, userId, user_id), item (item, itemId,
       item_id, movieId) and optionally a timestamp (timestamp, ts, time); `,` `;` or tab.
  auto csv when the first line names a user column, else seq.
Within a user, events are ordered by timestamp; ties keep the file's order.
"""
import csv
import glob
import os
import zlib

USER_COLUMNS = ('user', 'userid', 'user_id')
ITEM_COLUMNS = ('item', 'itemid', 'item_id', 'movieid')
TIME_COLUMNS = ('timestamp', 'ts', 'time')


class DataError(ValueError):
    """A problem with the input, naming the file and line."""


def shard_files(path):
    if os.path.isdir(path):
        files = [os.path.join(path, f) for f in sorted(os.listdir(path))
                 if not f.startswith(('.', '_')) and os.path.isfile(os.path.join(path, f))]
    elif any(c in path for c in '*?['):
        files = sorted(glob.glob(path))
    else:
        if not os.path.isfile(path):
            raise DataError(f'{path}: no such file')
        files = [path]
    if not files:
        raise DataError(f'{path}: no data files')
    return files


def _detect(first_line, fmt):
    if fmt != 'auto':
        return fmt
    for delimiter in (',', '\t', ';'):
        names = [c.strip().lower() for c in first_line.split(delimiter)]
        if any(n in USER_COLUMNS for n in names):
            return 'csv'
    return 'seq'


def _csv_rows(path, f, first_line):
    delimiter = max((',', '\t', ';'), key=first_line.count)
    names = [c.strip().lower() for c in first_line.rstrip('\r\n').split(delimiter)]

    def column(options, what, required=True):
        for i, n in enumerate(names):
            if n in options:
                return i
        if required:
            raise DataError(f'{path}:1: the header has no {what} column (one of {", ".join(options)}); it has {", ".join(names)}')
        return None

    u, i, t = column(USER_COLUMNS, 'user'), column(ITEM_COLUMNS, 'item'), column(TIME_COLUMNS, 'timestamp', False)
    for line_no, row in enumerate(csv.reader(f, delimiter=delimiter), start=2):
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if len(row) != len(names):
            raise DataError(f'{path}:{line_no}: {len(row)} fields, the header has {len(names)}')
        user, item = row[u].strip(), row[i].strip()
        if not user or not item:
            raise DataError(f'{path}:{line_no}: empty {"user" if not user else "item"} id')
        when = 0.0
        if t is not None:
            try:
                when = float(row[t])
            except ValueError:
                raise DataError(f'{path}:{line_no}: timestamp {row[t]!r} is not a number') from None
            if when != when or when in (float('inf'), float('-inf')):
                raise DataError(f'{path}:{line_no}: timestamp {row[t]!r} is not finite')
        yield user, item, when


def _seq_rows(path, lines, first_number):
    for line_no, line in enumerate(lines, start=first_number):
        fields = line.split()
        if not fields:
            continue
        if len(fields) < 2:
            raise DataError(f'{path}:{line_no}: expected a user id followed by at least one item id')
        if ',' in line:
            raise DataError(f'{path}:{line_no}: unexpected comma (use --format csv for comma-separated files)')
        for item in fields[1:]:
            yield fields[0], item, 0.0


def read_events(path, fmt='auto'):
    """Yields (user, item, time) of one file, streaming."""
    with open(path, encoding='utf-8', newline='') as f:
        first = f.readline()
        kind = _detect(first, fmt)
        if kind == 'csv':
            yield from _csv_rows(path, f, first)
        elif kind == 'seq':
            yield from _seq_rows(path, [first], 1)
            yield from _seq_rows(path, f, 2)
        else:
            raise DataError(f'unknown format {fmt!r}: auto, csv or seq')


def owner(user, world):
    """The worker that holds a user when one file is shared: stable across runs and machines."""
    return zlib.crc32(user.encode()) % world


def local_sequences(path, fmt, rank, world):
    """{user: [item, ...] oldest first} for this worker's users, and the files it read."""
    files = shard_files(path)
    by_file = len(files) > 1
    mine = [f for k, f in enumerate(files) if k % world == rank] if by_file else files
    events = {}
    order = 0
    for f in mine:
        for user, item, when in read_events(f, fmt):
            if not by_file and owner(user, world) != rank:
                continue
            events.setdefault(user, []).append((when, order, item))
            order += 1
    return {u: [item for _, _, item in sorted(e)] for u, e in events.items()}, mine


def item_order(ids):
    """Items sorted as numbers when every id is one, else as strings: the same on every worker."""
    ids = list(ids)
    if all(i.lstrip('-').isdigit() for i in ids):
        return sorted(ids, key=int)
    return sorted(ids)


def split_leave_one_out(sequence):
    """(train, validation, test) as the native trainer splits: the last item is the test
    target and the one before it the validation target, for users with 3 events or more."""
    if len(sequence) < 3:
        return sequence, None, None
    return sequence[:-2], sequence[-2], sequence[-1]
