// Progress on stderr. On a terminal: one line per stage, rewritten, with the time left. Always
// (unless --json): as soon as the first chunk of a long stage has run, one line saying how long the
// stage will take in all, so a user who started a minute-long sensitivity pass on a large model
// learns it at once and can stop it and lower --points.
import type { Progress, ProgressFn } from '../core/types';

/** Stages estimated to take longer than this get the up-front estimate line. */
const ESTIMATE_ABOVE_S = 5;

const secs = (s: number) =>
  s < 120
    ? `${Math.max(1, Math.round(s))} s`
    : s < 5400
      ? `${Math.round(s / 60)} min`
      : `${(s / 3600).toFixed(1)} h`;

export interface ProgressPrinter {
  onProgress: ProgressFn;
}

/** What each stage's units are called in the estimate line. */
const UNITS: Record<string, string> = { sensitivities: 'points', snip: 'points', train: 'steps' };

export function progressPrinter(
  write: (s: string) => void,
  opts: { tty: boolean; hint?: (stage: string) => string | null; now?: () => number },
): ProgressFn {
  const now = opts.now ?? (() => performance.now());
  let stage = '';
  let t0 = 0;
  let estimated = false;
  return (p: Progress) => {
    const t = now();
    if (p.stage !== stage) {
      stage = p.stage;
      t0 = t;
      estimated = false;
    }
    const elapsed = (t - t0) / 1000;
    const left = p.done > 0 && p.done < p.total ? (elapsed * (p.total - p.done)) / p.done : null;
    if (!estimated && left !== null && elapsed + left > ESTIMATE_ABOVE_S) {
      estimated = true;
      const unit = UNITS[p.stage.split(' ')[0]] ?? 'steps';
      const hint = opts.hint?.(p.stage);
      if (opts.tty) write('\n');
      write(
        `${p.stage}: ${p.done} of ${p.total} ${unit} took ${secs(elapsed)}, about ${secs(elapsed + left)} in all` +
          `${hint ? `; ${hint}` : ''}\n`,
      );
    }
    if (opts.tty)
      write(
        `\r${p.stage} ${p.done}/${p.total}${left !== null ? `, about ${secs(left)} left` : ''}   ` +
          (p.done === p.total ? '\n' : ''),
      );
  };
}
