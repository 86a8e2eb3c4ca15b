#!/usr/bin/env python3
"""Write the batch-loading fixtures under src/core/data/fixtures/ and their expected values.

Needs python3 + numpy (2.x); CI has neither, so the output is committed and the tests only read it.
Re-run after changing this script:  python3 scripts/make-batch-fixtures.py

Layout written:
  npy/        valid .npy files, one per dtype x byte order (+ Fortran order, header versions 2.0/3.0)
  npy-bad/    .npy files each expected to fail with one error code
  batch/      files for parseBatchFiles (npz plain/compressed, x/y pairs, lone .npy, JSON), good and bad
  expected.json  what numpy itself says each file holds, and the error code each bad case must give
"""

import io
import json
import os
import shutil
import zipfile

import numpy as np
from numpy.lib import format as npformat

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'src', 'core', 'data', 'fixtures')
rng = np.random.default_rng(20240601)
expected = {'npy': [], 'npyErrors': [], 'arrays': {}, 'batches': []}


def write(rel, data):
    path = os.path.join(ROOT, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'wb') as f:
        f.write(data)


def npy_bytes(arr, version=None):
    buf = io.BytesIO()
    npformat.write_array(buf, arr, version=version, allow_pickle=True)
    return buf.getvalue()


def flat_values(arr):
    # C order, as plain JSON numbers: bools as 0/1, floats exactly (JSON doubles hold float16/32 exactly).
    # JSON has no NaN/Infinity: those are written as the strings 'nan', 'inf', '-inf'.
    def one(v):
        if arr.dtype.kind in 'biu':
            return int(v)
        return float(v) if np.isfinite(v) else str(float(v))

    return [one(v) for v in np.ascontiguousarray(arr).ravel()]


def sample_values(dtype, shape):
    n = int(np.prod(shape))
    dt = np.dtype(dtype)
    if dt.kind == 'b':
        vals = np.arange(n) % 3 == 1
    elif dt.kind == 'f':
        # Expected values are read back after the cast, so rounding to float16 is accounted for.
        vals = np.linspace(-3.5, 7.25, n)
        # Large and small magnitudes, and float16 subnormals (3 * 2^-24, -2^-20).
        vals[0], vals[-1], vals[1], vals[2] = 1024.0, -0.0009765625, 3 * 2.0**-24, -(2.0**-20)
    else:
        info = np.iinfo(dt)
        lo, hi = max(int(info.min), -(2**53 - 1)), min(int(info.max), 2**53 - 1)
        vals = np.linspace(max(lo, -100), min(hi, 100), n).round()
        vals = vals.astype(object)
        vals[0], vals[-1] = lo, hi  # the extremes catch sign and byte-order mistakes
    return np.array(list(vals), dtype=object).reshape(shape).astype(dt)


def add_npy(name, arr, version=None, patch=None):
    data = npy_bytes(arr, version)
    if patch:
        data = data.replace(patch[0], patch[1], 1)
    write('npy/' + name, data)
    expected['npy'].append(
        {'file': 'npy/' + name, 'dtype': arr.dtype.name, 'shape': list(arr.shape), 'values': flat_values(arr)}
    )


def make_npy():
    shape = (2, 3, 4)
    for code in ['f2', 'f4', 'f8', 'i1', 'i2', 'i4', 'i8', 'u1', 'u2', 'u4', 'u8', 'b1']:
        one_byte = np.dtype(code).itemsize == 1
        for endian in ['|'] if one_byte else ['<', '>']:
            arr = sample_values(endian + code if not one_byte else code, shape)
            tag = {'<': 'le', '>': 'be', '|': 'na'}[endian]
            add_npy(f'{code}-{tag}.npy', arr)
    # Fortran order: numpy writes the column-major bytes and sets fortran_order True.
    for code in ['<f4', '>f8', '<i8', '|u1']:
        arr = np.asfortranarray(sample_values(code, shape))
        add_npy(f'{code[1:]}-{"be" if code[0] == ">" else "le"}-fortran.npy', arr)
    add_npy('f4-v2.npy', sample_values('<f4', shape), version=(2, 0))
    add_npy('i2-be-v3.npy', sample_values('>i2', shape), version=(3, 0))
    # '=' (native order) never comes out of numpy's writer; patch it in, same length.
    add_npy('f4-native-eq.npy', sample_values('<f4', shape), patch=(b"'<f4'", b"'=f4'"))
    add_npy('f2-special-le.npy', np.array([np.inf, -np.inf, np.nan, 65504, 2.0**-24, -0.0], dtype='<f2'))
    add_npy('scalar-f8.npy', np.array(2.5, dtype='<f8'))
    add_npy('empty-0x3-f4.npy', np.zeros((0, 3), dtype='<f4'))
    add_npy('vector-u2-be.npy', sample_values('>u2', (7,)))


def add_bad_npy(name, data, code):
    write('npy-bad/' + name, data)
    expected['npyErrors'].append({'file': 'npy-bad/' + name, 'code': code})


def make_bad_npy():
    good = npy_bytes(np.arange(12, dtype='<f4').reshape(3, 4))
    hlen = 10 + int.from_bytes(good[8:10], 'little')
    add_bad_npy('complex64.npy', npy_bytes(np.ones(3, dtype='<c8')), 'npy-unsupported-dtype')
    add_bad_npy('object.npy', npy_bytes(np.array([1, 'a', None], dtype=object)), 'npy-unsupported-dtype')
    add_bad_npy('structured.npy', npy_bytes(np.zeros(2, dtype=[('a', '<f4'), ('b', '<i4')])), 'npy-unsupported-dtype')
    add_bad_npy('unicode.npy', npy_bytes(np.array(['ab', 'c'])), 'npy-unsupported-dtype')
    add_bad_npy('datetime.npy', npy_bytes(np.array(['2020-01-01'], dtype='datetime64[D]')), 'npy-unsupported-dtype')
    add_bad_npy('i8-beyond-2p53.npy', npy_bytes(np.array([1, 2**53 + 2, 3], dtype='<i8')), 'npy-unsafe-integer')
    add_bad_npy('u8-beyond-2p53.npy', npy_bytes(np.array([2**64 - 1], dtype='>u8')), 'npy-unsafe-integer')
    add_bad_npy('bad-magic.npy', b'\x93NUMPZ' + good[6:], 'npy-bad-magic')
    add_bad_npy('csv-text.npy', b'1,2,3\n4,5,6\n', 'npy-bad-magic')
    add_bad_npy('version-9.npy', good[:6] + b'\x09\x00' + good[8:], 'npy-unsupported-version')
    add_bad_npy('truncated-header.npy', good[: hlen - 20], 'npy-truncated')
    add_bad_npy('truncated-data.npy', good[:-5], 'npy-truncated')
    add_bad_npy('extra-bytes.npy', good + b'\x00' * 8, 'npy-size-mismatch')
    add_bad_npy('header-not-dict.npy', good.replace(b"{'descr'", b"['descr'", 1), 'npy-bad-header')
    add_bad_npy('header-no-shape.npy', good.replace(b"'shape'", b"'shope'", 1), 'npy-bad-header')
    add_bad_npy('header-negative-dim.npy', good.replace(b'(3, 4)', b'(3,-4)', 1), 'npy-bad-header')


def add_array(name, arr):
    expected['arrays'][name] = {'shape': list(arr.shape), 'values': flat_values(arr)}


def add_batch(files, **expect):
    expected['batches'].append({'files': ['batch/' + f for f in files], **expect})


def npz_bytes(compressed=False, **arrays):
    buf = io.BytesIO()
    (np.savez_compressed if compressed else np.savez)(buf, **arrays)
    return buf.getvalue()


def break_member(zip_bytes, member):
    """Overwrite the first byte of a member's deflate stream with block type 3, which does not exist."""
    with zipfile.ZipFile(io.BytesIO(zip_bytes)) as z:
        off = z.getinfo(member).header_offset
    start = off + 30 + int.from_bytes(zip_bytes[off + 26 : off + 28], 'little')
    start += int.from_bytes(zip_bytes[off + 28 : off + 30], 'little')
    return zip_bytes[:start] + b'\xff' + zip_bytes[start + 1 :]


def make_batches():
    n = 6
    digits = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
    digits[rng.random(digits.shape) < 0.7] = 0  # mostly background, like MNIST
    labels = np.array([3, 1, 4, 1, 5, 9], dtype=np.int64)
    onehot = np.eye(10, dtype=np.float32)[labels]
    scaled = (digits / 255).astype(np.float32)
    add_array('digits-u8', digits)
    add_array('digits-f32', scaled)
    add_array('labels', labels)

    write('batch/mnist-hw-u8.npz', npz_bytes(x=digits, y=labels))
    add_batch(['mnist-hw-u8.npz'], x='digits-u8', xShape=[n, 28, 28], y='labels', sourceDtype='uint8', notice='0..255')
    write('batch/mnist-flat-onehot.npz', npz_bytes(True, x=scaled.reshape(n, 784), y=onehot))
    add_batch(['mnist-flat-onehot.npz'], x='digits-f32', xShape=[n, 784], y='labels', sourceDtype='float32', notice='one-hot')
    write('batch/mnist-nhwc.npz', npz_bytes(True, x=scaled.reshape(n, 28, 28, 1), y=labels.astype(np.uint8)))
    add_batch(['mnist-nhwc.npz'], x='digits-f32', xShape=[n, 28, 28, 1], y='labels', sourceDtype='float32')
    write('batch/x_test.npy', npy_bytes(scaled.reshape(n, 28, 28, 1).astype('<f8')))
    write('batch/y_test.npy', npy_bytes(labels.astype('<i4').reshape(n, 1)))
    add_batch(['y_test.npy', 'x_test.npy'], x='digits-f32', xShape=[n, 28, 28, 1], y='labels', sourceDtype='float64')
    write('batch/digits-x.npy', npy_bytes(np.asfortranarray(scaled.reshape(n, 784).astype('>f4'))))
    write('batch/digits-y.npy', npy_bytes(labels.astype('>f8')))
    add_batch(['digits-x.npy', 'digits-y.npy'], x='digits-f32', xShape=[n, 784], y='labels', sourceDtype='float32')
    write('batch/inputs.npy', npy_bytes(digits.reshape(n, 784).astype('<u2')))
    add_batch(['inputs.npy'], x='digits-u8', xShape=[n, 784], y=None, sourceDtype='uint16', notice='0..255')
    write('batch/mnist.json', json.dumps({'x': digits.tolist(), 'y': labels.tolist()}).encode())
    add_batch(['mnist.json'], x='digits-u8', xShape=[n, 28, 28], y='labels', notice='0..255')
    small = np.array([[[0.5, -1.25], [3.0, 1e-3]], [[2.0, 0.0], [-7.5, 6.25]], [[1, 2], [3, 4]]], dtype=np.float64)
    add_array('small', small.astype(np.float32))
    add_array('small-labels', np.array([2, 0, 1]))
    write('batch/onehot.json', json.dumps({'x': small.tolist(), 'y': np.eye(3)[[2, 0, 1]].tolist(), 'note': 'extra keys are ignored'}).encode())
    add_batch(['onehot.json'], x='small', xShape=[3, 2, 2], y='small-labels', notice='one-hot')
    mask = np.array([[True, False, True, True], [False, False, True, False]])
    add_array('mask', mask.astype(np.float32))
    write('batch/bool-x.npz', npz_bytes(x=mask))
    add_batch(['bool-x.npz'], x='mask', xShape=[2, 4], y=None, sourceDtype='bool')

    # Error cases: each must give exactly this code.
    write('batch/missing-x.npz', npz_bytes(images=digits, labels=labels))
    add_batch(['missing-x.npz'], code='npz-missing-x', message='images')
    write('batch/not-a-zip.npz', npy_bytes(digits))
    add_batch(['not-a-zip.npz'], code='npz-not-zip')
    whole = npz_bytes(True, x=digits, y=labels)
    write('batch/corrupt-member.npz', break_member(whole, 'x.npy'))
    add_batch(['corrupt-member.npz'], code='npz-corrupt-member', message='x.npy')
    plain = bytearray(npz_bytes(x=digits, y=labels))
    plain[len(plain) // 3] ^= 0x10  # inside x.npy's stored pixels: only the CRC-32 can tell
    write('batch/bad-crc.npz', bytes(plain))
    add_batch(['bad-crc.npz'], code='npz-corrupt-member', message='CRC-32')
    write('batch/truncated.npz', whole[: len(whole) // 2])
    add_batch(['truncated.npz'], code='npz-corrupt')
    write('batch/two-ones.npz', npz_bytes(x=scaled, y=np.array([[0, 1, 1], [1, 0, 0], [0, 0, 1], [1, 0, 0], [0, 1, 0], [1, 0, 0]])))
    add_batch(['two-ones.npz'], code='labels-bad-onehot', message='row 0')
    write('batch/fractional-y.npz', npz_bytes(x=scaled, y=np.array([0, 1, 2.5, 3, 4, 5])))
    add_batch(['fractional-y.npz'], code='labels-not-integer', message='2.5')
    write('batch/huge-label.npz', npz_bytes(x=scaled, y=np.array([0, 1, 2, 1e12, 4, 5])))
    add_batch(['huge-label.npz'], code='labels-out-of-range', message='1000000000000')
    write('batch/y-rank3.npz', npz_bytes(x=scaled, y=np.zeros((6, 2, 2))))
    add_batch(['y-rank3.npz'], code='labels-bad-shape')
    bad = scaled.copy()
    bad[2, 5, 7] = np.nan
    write('batch/nan-x.npz', npz_bytes(x=bad, y=labels))
    add_batch(['nan-x.npz'], code='batch-nonfinite', message='[2, 5, 7]')
    write('batch/inf-x.npy', npy_bytes(np.array([[1.0, 2.0], [3.0, 1e300]])))  # finite in float64, not in float32
    add_batch(['inf-x.npy'], code='batch-nonfinite', message='[1, 1]')
    write('batch/short-y.npy', npy_bytes(labels[:5]))
    add_batch(['x_test.npy', 'short-y.npy'], code='labels-count-mismatch')
    add_batch(['y_test.npy'], code='batch-missing-x')
    add_batch(['x_test.npy', 'digits-x.npy'], code='batch-ambiguous-files')
    add_batch(['x_test.npy', 'inputs.npy'], code='batch-ambiguous-files')
    add_batch(['x_test.npy', 'y_test.npy', 'inputs.npy'], code='batch-too-many-files')
    add_batch(['x_test.npy', 'mnist.json'], code='batch-unsupported-combination')
    write('batch/pixels.csv', b'1,2,3\n')
    add_batch(['pixels.csv'], code='batch-unsupported-file')
    write('batch/malformed.json', b'{"x": [[1, 2], [3, 4]], "y": [0, 1')
    add_batch(['malformed.json'], code='json-malformed', message='line 1')
    write('batch/ragged.json', b'{"x": [[[1, 2], [3, 4]], [[5, 6], [7]]]}')
    add_batch(['ragged.json'], code='json-ragged', message='x[1][1]')
    write('batch/text-value.json', b'{"x": [[1, 2], [3, "4"]]}')
    add_batch(['text-value.json'], code='json-not-numeric', message='x[1][1]')
    write('batch/nan.json', json.dumps({'x': [[1.0, float('nan')], [0.5, 2.0]], 'y': [0, 1]}).encode())
    add_batch(['nan.json'], code='batch-nonfinite', message='[0, 1]')
    write('batch/no-x.json', b'{"inputs": [[1, 2]]}')
    add_batch(['no-x.json'], code='json-missing-x')
    write('batch/empty.npz', npz_bytes(x=np.zeros((0, 4), dtype=np.float32)))
    add_batch(['empty.npz'], code='batch-empty')


def main():
    shutil.rmtree(ROOT, ignore_errors=True)
    make_npy()
    make_bad_npy()
    make_batches()
    with open(os.path.join(ROOT, 'expected.json'), 'w') as f:
        json.dump(expected, f, separators=(',', ':'))
        f.write('\n')
    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(ROOT) for f in fs)
    print(f'wrote fixtures to {os.path.normpath(ROOT)}: {total} bytes')


if __name__ == '__main__':
    main()
