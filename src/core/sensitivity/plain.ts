import * as tf from '@tensorflow/tfjs';
import type { ConvGeometry } from '../types';
import { EPS32, type Reduction, type SensitivityKernel } from './kernel';
import { checkConvInputs, checkShapes } from './kernel-checks';
import { extractPatches } from './patches';
import { signedPreActivations } from './signed-z';

/**
 * Largest intermediate (in floats) one op may create. The max-times reductions have no BLAS
 * form, so the plain path broadcasts and reduces; this bound keeps that bounded on every backend.
 */
export const PLAIN_CHUNK_FLOATS = 4 * 1024 * 1024;

/** V = 1/|Z| where |Z| > 2^-23, else 0: the z rule of §1.4 (a tiny Z counts as infinite). */
export function zRule(z: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const az = tf.abs(z);
    const big = tf.greater(az, EPS32);
    return tf.where(big, tf.div(1, tf.where(big, az, tf.onesLike(az))), tf.zerosLike(az));
  });
}

/** max over rows n of p[n, j] * v[n, i]  ->  [F, out]. p: [rows, F], v: [rows, out]. */
function maxTimes(p: tf.Tensor2D, v: tf.Tensor2D): tf.Tensor2D {
  const [rows, f] = p.shape;
  const out = v.shape[1];
  const colChunk = Math.max(1, Math.min(out, Math.floor(PLAIN_CHUNK_FLOATS / f)));
  const rowChunk = Math.max(1, Math.floor(PLAIN_CHUNK_FLOATS / (f * colChunk)));
  const cols: tf.Tensor2D[] = [];
  for (let c0 = 0; c0 < out; c0 += colChunk) {
    const oc = Math.min(colChunk, out - c0);
    let acc: tf.Tensor2D | null = null;
    for (let r0 = 0; r0 < rows; r0 += rowChunk) {
      const rc = Math.min(rowChunk, rows - r0);
      const part = tf.tidy(() => {
        const pc = p.slice([r0, 0], [rc, f]).expandDims(2); // [rc, F, 1]
        const vc = v.slice([r0, c0], [rc, oc]).expandDims(1); // [rc, 1, oc]
        return tf.max(tf.mul(pc, vc), 0) as tf.Tensor2D;
      });
      if (acc) {
        const next: tf.Tensor2D = tf.maximum(acc, part);
        acc.dispose();
        part.dispose();
        acc = next;
      } else acc = part;
    }
    cols.push(acc!);
  }
  if (cols.length === 1) return cols[0];
  const joined = tf.concat2d(cols, 1);
  cols.forEach((t) => t.dispose());
  return joined;
}

/** Per point n: mean over positions of P[n,p,j]·V[n,p,i], then max over n. */
function meanTimes(p: tf.Tensor3D, v: tf.Tensor3D): tf.Tensor2D {
  const [n, l, f] = p.shape;
  const out = v.shape[2];
  const perPoint = Math.max(f * out, l * f);
  const chunk = Math.max(1, Math.floor(PLAIN_CHUNK_FLOATS / perPoint));
  let acc: tf.Tensor2D | null = null;
  for (let n0 = 0; n0 < n; n0 += chunk) {
    const c = Math.min(chunk, n - n0);
    const part = tf.tidy(() => {
      const prod = tf.matMul(p.slice([n0, 0, 0], [c, l, f]), v.slice([n0, 0, 0], [c, l, out]), true, false);
      return tf.div(tf.max(prod, 0), l) as tf.Tensor2D;
    });
    if (acc) {
      const next: tf.Tensor2D = tf.maximum(acc, part);
      acc.dispose();
      part.dispose();
      acc = next;
    } else acc = part;
  }
  return acc!;
}

/** Per point n: max over positions and points of P[n,p,j]·V[n,p,i]; chunked over points and channels. */
function maxOverPositions(p: tf.Tensor3D, v: tf.Tensor3D): tf.Tensor2D {
  // max over (n, p) jointly is max over rows of the flattened [n*L, F] x [n*L, out] pair.
  const [n, l, f] = p.shape;
  return tf.tidy(() =>
    maxTimes(p.reshape([n * l, f]) as tf.Tensor2D, v.reshape([n * l, v.shape[2]]) as tf.Tensor2D),
  );
}

/** max(into, |w| * (w > 0 ? mPos : mNeg)): the sign selection of the kernel contract. */
function merge(w: tf.Tensor2D, mPos: tf.Tensor2D, mNeg: tf.Tensor2D, into: tf.Tensor2D): tf.Tensor2D {
  // Where w = 0, |w| = 0 zeroes the (finite) mNeg picked there.
  return tf.maximum(into, tf.mul(tf.abs(w), tf.where(tf.greater(w, 0), mPos, mNeg)));
}

/**
 * Plain tfjs ops: correct on every backend, the reference the fused kernels are checked against.
 * Memory is not its strength (both signs' products and their merge coexist); the backends' own
 * kernels are the bounded ones.
 */
export const plainKernel: SensitivityKernel = {
  name: 'plain-ops',
  dense(a, w, into) {
    checkShapes('dense', a.shape, w.shape, into.shape, 0);
    return tf.tidy(() => {
      const [vPos, vNeg] = signedPreActivations(w, (ws) => tf.matMul(a, ws)).map(zRule) as tf.Tensor2D[];
      return merge(w, maxTimes(a, vPos), maxTimes(a, vNeg), into);
    });
  },
  conv(a, w, geometry: ConvGeometry, reduction: Reduction, into) {
    checkConvInputs(a.shape, w.shape, into.shape, geometry);
    return tf.tidy(() => {
      const patches = extractPatches(a, geometry);
      const [n, oh, ow, f] = patches.shape;
      const out = w.shape[3];
      const p = patches.reshape([n, oh * ow, f]) as tf.Tensor3D;
      const flat = p.reshape([n * oh * ow, f]) as tf.Tensor2D;
      const w2 = w.reshape([f, out]) as tf.Tensor2D;
      // Z from the same patches as the contributions, so both see identical padding.
      const [vPos, vNeg] = signedPreActivations(w2, (ws) => tf.matMul(flat, ws)).map((z) =>
        zRule(z).reshape([n, oh * ow, out]),
      ) as tf.Tensor3D[];
      const reduce = reduction === 'mean' ? meanTimes : maxOverPositions;
      return merge(w2, reduce(p, vPos), reduce(p, vNeg), into);
    });
  },
  maxBufferBytes: () => Infinity,
};
