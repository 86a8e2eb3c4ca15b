// A full run forced onto WebGPU (SwiftShader here: a CPU, so few points and one curve), then a
// lost GPU device: the engine falls back to another backend, says so, and recomputes.
import { expect, test } from './fixtures/studio';

test('forced webgpu: demo results, a slider move, and a fallback when the device is lost', async ({
  studio,
  page,
}) => {
  test.setTimeout(240_000);
  await studio.open('?backend=webgpu&points=16&curves=wt&debug');
  await expect(studio.badge).toHaveAttribute('data-backend', 'webgpu', { timeout: 60_000 });
  await expect(page.locator('.backend-reason')).toContainText(/forced|chosen/i);
  await studio.sensitivitiesDone(120_000);
  await studio.resultFor(0.9, 'sipp', 120_000);
  const acc = await studio.number(studio.accuracy);
  expect(acc).toBeGreaterThan(0.2);
  await studio.method.selectOption('wt');
  await studio.setSparsity(0.95);
  await studio.resultFor(0.95, 'wt', 120_000);
  expect(await studio.number(studio.achieved)).toBeCloseTo(0.95, 2);

  await page.evaluate(() =>
    (window as unknown as { sippStudio: { loseDevice(): void } }).sippStudio.loseDevice(),
  );
  await expect(studio.badge).not.toHaveAttribute('data-backend', 'webgpu', { timeout: 60_000 });
  await expect(page.locator('.engine-note')).toContainText(/webgpu/i);
  await studio.sensitivitiesDone(120_000);
  await studio.resultFor(0.95, 'wt', 60_000);
});
