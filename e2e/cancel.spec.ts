// Cancel: the sensitivities stop within a second, the app says so, and can start again.
import { expect, test } from './fixtures/studio';

test('Cancel stops the sensitivities within a second', async ({ studio, page }) => {
  // Many sensitivity points on the CNN: long enough to be caught running.
  await studio.open('?demo=lenet5&points=499&curves=');
  await expect(studio.cancel).toBeVisible({ timeout: 30_000 });
  await expect(studio.progress).toHaveAttribute('data-state', 'running');
  const t0 = Date.now();
  await studio.cancel.click();
  await expect(studio.progress).not.toHaveAttribute('data-state', 'running', { timeout: 1000 });
  expect(Date.now() - t0).toBeLessThan(1500);
  await expect(studio.progress).toHaveAttribute('data-state', 'idle');
  // The worker confirms: either it stopped by itself, or the watchdog replaced it; within a second.
  const note = page.getByText(/The engine (stopped in|did not stop)/);
  await expect(note).toBeVisible({ timeout: 1500 });
  const ms = Number((await note.textContent())!.match(/(\d+) ms/)![1]);
  expect(ms).toBeLessThanOrEqual(1100);
  // Nothing arrives afterwards from the cancelled run.
  await page.waitForTimeout(1500);
  await expect(studio.accuracy).not.toHaveAttribute('data-value', /.+/);
  await page.getByRole('button', { name: 'Compute sensitivities' }).click();
  await expect(studio.progress).toHaveAttribute('data-state', 'running');
  await studio.sensitivitiesDone(120_000);
  await studio.resultFor(0.9, 'sipp');
});
