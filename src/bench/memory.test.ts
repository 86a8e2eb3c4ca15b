// The memory harness of issue 5, part 3: the peak tracker is exact, and the small versions of the
// memory cases leak nothing and stay within the bound, on cpu and (where Dawn finds an adapter) webgpu.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeModel, kernelFor, type SensitivityKernel } from '../core';
import { computeSensitivities } from '../core/sensitivity/compute';
import { initWebGpuNode } from '../test-support/webgpu-node';
import {
  buildMemoryModel,
  MEMORY_BOUND,
  memoryBatch,
  memoryRecord,
  runMemoryCase,
  SMALL_MEMORY_CASES,
  trackPeaks,
} from './memory';

const gpu = await initWebGpuNode();
if (!gpu.ok) console.warn(`Skipping the webgpu memory cases: ${gpu.reason}`);

const f32 = (n: number) => tf.tensor1d(new Float32Array(n));
const engineOwns = (key: string) => Object.prototype.hasOwnProperty.call(tf.engine(), key);

describe('trackPeaks', () => {
  beforeAll(() => tf.setBackend('cpu'));

  it('finds the exact peak of a known sequence, transient tensors inside tidy included', async () => {
    const x = f32(1000); // 4000 B, before tracking
    const seen: number[] = [];
    const see = () => seen.push(tf.memory().numBytes);
    const { peaks } = await trackPeaks(async () => {
      const a = f32(100); // +400
      see();
      const b = f32(250); // +1400
      see();
      a.dispose(); // +1000
      const c = f32(200); // +1800
      see();
      // x*x (4000 B) is alive while (x*x)*x (4000 B) is made: +9800, then tidy frees x*x: +5800.
      const d = tf.tidy(() => x.mul(x).mul(x));
      see();
      const v = c.reshape([20, 10]); // a view: numBytes +800 (6600), no new buffer
      see();
      tf.dispose([b, c, d, v]);
    });
    expect(peaks.peakBytes - peaks.beforeBytes).toBe(9800);
    // Polling at the see() moments would have missed the transient one.
    expect(Math.max(...seen) - peaks.beforeBytes).toBe(6600);
    // Distinct buffers: b + c + d + x*x = 1000 + 800 + 4000 + 4000; the view adds nothing.
    expect(peaks.peakNewDataBytes).toBe(9800);
    expect(peaks.allocations).toBe(6); // a, b, c, two muls, the view
    expect(engineOwns('trackTensor') || engineOwns('disposeTensor')).toBe(false);
    x.dispose();
  });

  it('counts a view as no new data, and restores the engine when the call throws', async () => {
    const w = f32(500);
    const { peaks } = await trackPeaks(async () => {
      const v = w.reshape([50, 10]);
      v.dispose();
    });
    expect(peaks.peakBytes - peaks.beforeBytes).toBe(2000);
    expect(peaks.peakNewDataBytes).toBe(0);
    await expect(
      trackPeaks(async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(engineOwns('trackTensor') || engineOwns('disposeTensor')).toBe(false);
    w.dispose();
  });
});

/** The backend's kernel, noting tf.memory().numBytes right after every call (its outputs alive). */
function observing(kernel: SensitivityKernel, seen: number[]): SensitivityKernel {
  return new Proxy(kernel, {
    get(target, key, receiver) {
      const v = Reflect.get(target, key, receiver);
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => {
        const r = v.apply(target, args);
        seen.push(tf.memory().numBytes);
        return r;
      };
    },
  });
}

function casesOn(backend: 'cpu' | 'webgpu') {
  beforeAll(() => tf.setBackend(backend));

  it.each(Object.keys(SMALL_MEMORY_CASES))(
    '%s (small): no leaks, within 4 x largest weight + chunk',
    async (name) => {
      const c = SMALL_MEMORY_CASES[name];
      const before = tf.memory().numTensors;
      const r = await runMemoryCase(c, { kernel: kernelFor(backend) });
      const rec = memoryRecord(r, 'node', backend);
      console.log(
        `${backend} ${name} (${c.title}): extra ${r.extraBytes} B, largest weight ${r.largestWeightBytes} B, ` +
          `chunk ${r.chunkBytes} B, ratio ${rec.memory!.ratio} (distinct buffers ${rec.memory!.newDataRatio}), ` +
          `backend ${JSON.stringify(r.peaks.backend)}`,
      );
      expect(r.leakedTensors).toBe(0);
      expect(tf.memory().numTensors).toBe(before);
      expect(r.peakBytes).toBeGreaterThan(r.beforeBytes);
      expect(rec).toMatchObject({ name, suite: 'memory', backend, runs: 1 });
      expect(r.ratio).toBeLessThanOrEqual(MEMORY_BOUND);
    },
  );
}

describe('trackPeaks on a real sensitivity pass (cpu)', () => {
  beforeAll(() => tf.setBackend('cpu'));

  it('peaks at least as high as tf.memory() shows at any moment of a real pass', async () => {
    const c = SMALL_MEMORY_CASES.M2;
    const model = buildMemoryModel(c);
    const x = memoryBatch(c);
    const seen: number[] = [];
    const { peaks } = await trackPeaks(() =>
      computeSensitivities(model, analyzeModel(model).prunable, x, {
        reductions: ['mean', 'max'],
        kernel: observing(kernelFor('cpu'), seen),
        chunkPoints: c.chunkPoints,
        onProgress: () => seen.push(tf.memory().numBytes),
      }),
    );
    expect(seen.length).toBeGreaterThan(4);
    expect(peaks.peakBytes).toBeGreaterThanOrEqual(Math.max(...seen));
    x.dispose();
    model.dispose();
  });
});

describe('memory cases on cpu', () => casesOn('cpu'));
describe.skipIf(!gpu.ok)('memory cases on webgpu (Dawn)', () => casesOn('webgpu'));
