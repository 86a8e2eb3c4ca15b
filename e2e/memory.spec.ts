// Issue 5, part 3 in the browser: M1 (one 4096x4096 Dense layer, 256 points) through the bench
// page's worker, forced onto webgpu (SwiftShader on a machine without a GPU), completes, leaks no
// tensors and stays within 4 x the largest weight + one chunk of activations (src/bench/memory.ts).
// Minutes on SwiftShader: hence its own timeout, well above playwright.config.ts's 180 s.
import { expect, test } from '@playwright/test';

const MIB = 2 ** 20;

test('M1 on webgpu: a 4096x4096 dense layer with 256 points completes within the memory bound', async ({
  page,
}) => {
  test.setTimeout(420_000);
  await page.goto('/bench.html?suite=memory&backend=webgpu&cases=M1');
  const adapter = await page.evaluate(async () => Boolean(await navigator.gpu?.requestAdapter()));
  test.skip(!adapter, 'navigator.gpu has no adapter in this Chromium: M1 must run on webgpu');

  await expect
    .poll(() => page.evaluate(() => window.__bench.done), { timeout: 400_000, intervals: [2000] })
    .toBe(true);
  const state = await page.evaluate(() => window.__bench);
  console.log(state.log.join('\n'));
  expect(state.error, state.error).toBeUndefined();
  expect(state.records).toHaveLength(1);
  const [r] = state.records;
  expect(r).toMatchObject({ name: 'M1', suite: 'memory', backend: 'webgpu', runtime: 'chromium' });
  const m = r.memory!;
  const figures =
    `extra ${(m.extraBytes / MIB).toFixed(1)} MiB (peak ${(m.peakBytes / MIB).toFixed(1)} - before ` +
    `${(m.beforeBytes / MIB).toFixed(1)}), largest weight ${(m.largestWeightBytes / MIB).toFixed(1)} MiB, ` +
    `chunk ${(m.chunkBytes / MIB).toFixed(1)} MiB, ratio ${m.ratio} (distinct buffers ${m.newDataRatio}), ` +
    `${m.backendMetric} ${((m.backendBeforeBytes ?? 0) / MIB).toFixed(1)} -> ${((m.backendPeakBytes ?? 0) / MIB).toFixed(1)} MiB, ` +
    `${((r.medianMs ?? 0) / 1000).toFixed(1)} s`;
  test.info().annotations.push({ type: 'memory', description: figures });
  console.log(figures);

  expect(m.leakedTensors).toBe(0);
  expect(m.largestWeightBytes).toBe(4096 * 4096 * 4);
  expect(m.extraBytes).toBe(m.peakBytes - m.beforeBytes);
  expect(m.extraBytes).toBeGreaterThan(0);
  expect(m.ratio, `(extra - chunk) / largest weight; ${figures}`).toBeLessThanOrEqual(m.bound);
});
