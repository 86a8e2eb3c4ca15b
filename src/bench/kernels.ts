// P1 and P2 of issue 5: one sensitivity-kernel call (both weight signs, Z included) against the
// single tfjs op a forward pass of the same layer costs, on the same backend and inputs.
import * as tf from '@tensorflow/tfjs';
import { kernelFor, type SensitivityKernel } from '../core';
import { plainKernel } from '../core/sensitivity/plain';
import type { ConvGeometry } from '../core/types';
import { signedZConv, signedZDense } from '../gpu/fused-kernel';
import type { BenchCase, Op } from './timing';

interface KernelCase extends BenchCase {
  /** Z = a·W+ and a·W- alone by two tfjs ops, read back. */
  zOnly: Op;
  /** The same by the fused kernel's one-pass program (webgpu only). */
  zFused: Op;
}

/** mulberry32: deterministic inputs, so every backend and run sees the same numbers. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A layer input as after a ReLU: 40 % exact zeros (the CPU kernel skips those, as it would in use). */
function reluInput(size: number, rand: () => number): Float32Array {
  return Float32Array.from({ length: size }, () => (rand() < 0.4 ? 0 : rand() * 2));
}

function signedWeights(size: number, rand: () => number) {
  const w = Float32Array.from({ length: size }, () => rand() * 2 - 1);
  return { w, pos: w.map((v) => (v > 0 ? v : 0)), neg: w.map((v) => (v < 0 ? v : 0)) };
}

async function readAll(ts: tf.Tensor[]): Promise<void> {
  // data(), never dataSync(): the only safe way to wait for the webgpu device.
  await Promise.all(ts.map((t) => t.data()));
  tf.dispose(ts);
}

export const DENSE = { points: 128, fanIn: 1024, outs: 1024 };

export function denseCase(kernel: SensitivityKernel, points = DENSE.points): KernelCase {
  const { fanIn, outs } = DENSE;
  const rand = rng(1);
  const a = tf.tensor2d(reluInput(points * fanIn, rand), [points, fanIn]);
  const { w, pos, neg } = signedWeights(fanIn * outs, rand);
  const wt = tf.tensor2d(w, [fanIn, outs]);
  const wPos = tf.tensor2d(pos, [fanIn, outs]);
  const wNeg = tf.tensor2d(neg, [fanIn, outs]);
  const into = tf.zeros([fanIn, outs]) as tf.Tensor2D;
  return {
    title: `dense sensitivity (${points} points, ${fanIn} -> ${outs}, both signs) / matMul [${points},${fanIn}] x [${fanIn},${outs}]`,
    measured: async () => {
      await readAll([kernel.dense(a, wt, into)]);
    },
    baseline: async () => readAll([tf.matMul(a, wt)]),
    zOnly: async () => readAll([tf.matMul(a, wPos), tf.matMul(a, wNeg)]),
    zFused: async () => readAll([signedZDense(a, wt)]),
    dispose: () => tf.dispose([a, wt, wPos, wNeg, into]),
  };
}

export const CONV = { points: 64, size: 32, channels: 64, outs: 64 };

export function convCase(kernel: SensitivityKernel, points = CONV.points): KernelCase {
  const { size, channels, outs } = CONV;
  const g: ConvGeometry = { kernelSize: [3, 3], strides: [1, 1], dilation: [1, 1], padding: 'same' };
  const rand = rng(2);
  const a = tf.tensor4d(reluInput(points * size * size * channels, rand), [points, size, size, channels]);
  const { w, pos, neg } = signedWeights(9 * channels * outs, rand);
  const wt = tf.tensor4d(w, [3, 3, channels, outs]);
  const wPos = tf.tensor4d(pos, [3, 3, channels, outs]);
  const wNeg = tf.tensor4d(neg, [3, 3, channels, outs]);
  const into = tf.zeros([9 * channels, outs]) as tf.Tensor2D;
  return {
    title: `conv sensitivity, max over positions (3x3, ${channels} -> ${outs}, ${size}x${size}, ${points} points, both signs) / conv2d forward`,
    measured: async () => {
      await readAll([kernel.conv(a, wt, g, 'max', into)]);
    },
    baseline: async () => readAll([tf.conv2d(a, wt, 1, 'same')]),
    zOnly: async () => readAll([tf.conv2d(a, wPos, 1, 'same'), tf.conv2d(a, wNeg, 1, 'same')]),
    zFused: async () => readAll([signedZConv(a, wt, g)]),
    dispose: () => tf.dispose([a, wt, wPos, wNeg, into]),
  };
}

/**
 * The part of P1/P2 every kernel shares: Z = a·W for both signs (two matMuls or two conv2ds). Its
 * ratio (about 2) is the floor of any kernel; the rest of P1/P2 is the kernel's own reduction.
 */
export function zOnlyCase(kind: 'dense' | 'conv', points: number, fused = false): BenchCase {
  const c = kind === 'dense' ? denseCase(plainKernel, points) : convCase(plainKernel, points);
  const how = fused ? 'one fused pass' : 'two tfjs ops';
  return {
    ...c,
    title: `Z for both signs only, ${how} (${c.title.replace(/ \/ .*$/, '')}) / the same baseline`,
    measured: fused ? c.zFused : c.zOnly,
  };
}

/**
 * The kernels a benchmark run compares on `backend`: its own first, plain-ops last, and between
 * them the JavaScript loops where they are not the backend's own (wasm and cpu with the SIMD kernel).
 */
export function benchKernels(backend: string): SensitivityKernel[] {
  const own = kernelFor(backend);
  const loops = kernelFor(backend, 'loops');
  return loops !== own ? [own, loops, kernelFor(backend, 'plain')] : [own, kernelFor(backend, 'plain')];
}
