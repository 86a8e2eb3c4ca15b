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
  await expect(page.getByText(/Cancelled/)).toBeVisible();
  // Nothing arrives afterwards from the cancelled run.
  await page.waitForTimeout(1500);
  await expect(studio.accuracy).not.toHaveAttribute('data-value', /.+/);
  await page.getByRole('button', { name: 'Compute sensitivities' }).click();
  await expect(studio.progress).toHaveAttribute('data-state', 'running');
  await studio.sensitivitiesDone(120_000);
  await studio.resultFor(0.9, 'sipp');
});
