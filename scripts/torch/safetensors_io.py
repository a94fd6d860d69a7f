"""The safetensors format, written and read without the `safetensors` package (Debian has
none): an 8-byte little-endian header length, a JSON header of
{name: {dtype, shape, data_offsets}} and the tensors' bytes, little-endian, back to back.
This is the file `hearth import --safetensors` reads."""
import json
import os
import struct

import numpy as np

_DTYPES = {'F32': '<f4', 'F64': '<f8'}


def save(path, tensors, metadata=None):
    """Writes {name: array-like} as float32, atomically (a reader never sees half a file)."""
    header, blobs, offset = {}, [], 0
    for name, value in tensors.items():
        array = np.ascontiguousarray(np.asarray(value, dtype='<f4'))
        blob = array.tobytes()
        header[name] = {'dtype': 'F32', 'shape': list(array.shape),
                        'data_offsets': [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    if metadata:
        header['__metadata__'] = {str(k): str(v) for k, v in metadata.items()}
    text = json.dumps(header, separators=(',', ':')).encode()
    text += b' ' * (-len(text) % 8)  # the tensors start 8-byte aligned
    tmp = f'{path}.tmp{os.getpid()}'
    with open(tmp, 'wb') as f:
        f.write(struct.pack('<Q', len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)
    os.replace(tmp, path)


def load(path):
    """Returns ({name: float32 numpy array}, metadata); raises ValueError naming the file."""
    with open(path, 'rb') as f:
        data = f.read()
    if len(data) < 8:
        raise ValueError(f'{path}: {len(data)} bytes, too short for a safetensors header')
    (length,) = struct.unpack('<Q', data[:8])
    if 8 + length > len(data):
        raise ValueError(f'{path}: header length {length} exceeds the file size ({len(data)} bytes)')
    header = json.loads(data[8:8 + length])
    base = 8 + length
    tensors, metadata = {}, header.pop('__metadata__', {})
    for name, entry in header.items():
        dtype = _DTYPES.get(entry['dtype'])
        if dtype is None:
            raise ValueError(f"{path}: tensor '{name}': dtype {entry['dtype']} is not read here (F32, F64)")
        begin, end = entry['data_offsets']
        if base + end > len(data):
            raise ValueError(f"{path}: tensor '{name}' runs past the end of the file (truncated?)")
        array = np.frombuffer(data[base + begin:base + end], dtype=dtype)
        tensors[name] = array.reshape(entry['shape']).astype(np.float32)
    return tensors, metadata
