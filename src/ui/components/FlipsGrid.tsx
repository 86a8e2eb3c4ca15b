// The samples whose prediction changed, as pictures: lost ones first (dense right, pruned
// wrong), then gained, then changed; one page at a time.
import { useEffect } from 'react';
import { flipWords, pageOf } from '../state/classes';
import { useRuns } from '../state/runs-context';
import type { FlipFilter } from '../state/runs-types';
import { SampleCanvas } from './SampleCanvas';

const FILTERS: { key: FlipFilter; label: string }[] = [
  { key: 'all', label: 'All' },
  { key: 'lost', label: 'Lost' },
  { key: 'gained', label: 'Gained' },
  { key: 'changed', label: 'Wrong to wrong' },
];

export function FlipsGrid() {
  const [runs, controller] = useRuns();
  const c = runs.classes;
  const { rows, page, pages, total } = pageOf(runs);
  const indices = rows.map((r) => r.index).join(',');
  useEffect(() => {
    if (indices) void controller.ensureSamples(indices.split(',').map(Number));
  }, [indices, controller]);
  if (!c) return null;
  const count = (k: FlipFilter) =>
    k === 'all' ? c.flips.length : c.flips.filter((f) => f.kind === k).length;
  const layout = runs.layout;
  return (
    <div
      className="flips"
      data-testid="flips.grid"
      data-total={total}
      data-all={c.flips.length}
      data-page={page}
    >
      <h3 className="runs-sub">Flipped samples</h3>
      <p className="hint">
        {c.labelled
          ? `${count('lost')} lost (dense right, pruned wrong), ${count('gained')} gained, ${count('changed')} from one wrong class to another.`
          : `${count('all')} samples on which the pruned model no longer agrees with the dense one (no labels).`}{' '}
        {layout?.kind === 'image' && layout.source === 'square'
          ? `The model takes ${layout.size} values per sample; they are drawn as ${layout.height}×${layout.width} because ${layout.size} is a square (an assumption: the model says nothing about its shape).`
          : layout?.kind === 'image' && layout.source === 'reshape'
            ? `Drawn as ${layout.height}×${layout.width}×${layout.channels}, the shape the model reshapes its input into.`
            : layout?.kind === 'values'
              ? 'The inputs are not pictures: each sample shows its largest values (position: value).'
              : ''}
      </p>
      <div className="flip-tools" role="group" aria-label="Which flipped samples">
        {FILTERS.map((f) => (
          <button
            key={f.key}
            type="button"
            className={`button small ${runs.flipFilter === f.key ? 'active' : ''}`}
            aria-pressed={runs.flipFilter === f.key}
            data-testid={`flips.filter-${f.key}`}
            onClick={() => controller.setFlipFilter(f.key)}
          >
            {f.label} ({count(f.key)})
          </button>
        ))}
      </div>
      {runs.samplesError && (
        <div className="runs-notice error" role="alert">
          {runs.samplesError.message}
        </div>
      )}
      {total === 0 ? (
        <p className="hint">No sample of this kind.</p>
      ) : (
        <ol className="flip-cells">
          {rows.map((f) => {
            const words = flipWords(f);
            return (
              <li
                key={f.index}
                className={`flip-cell ${f.kind}`}
                data-index={f.index}
                data-kind={f.kind}
                data-dense={f.dense}
                data-pruned={f.pruned}
              >
                <SampleCanvas
                  sample={runs.samples[f.index]}
                  layout={layout}
                  label={`Sample ${f.index}: ${words}`}
                />
                <span className="flip-caption">
                  <span className="flip-index">#{f.index}</span>
                  {f.label !== null && <span>true {f.label}</span>}
                  <span>
                    {f.dense} <small>{Math.round(100 * f.denseConf)}%</small> → <strong>{f.pruned}</strong>{' '}
                    <small>{Math.round(100 * f.prunedConf)}%</small>
                  </span>
                </span>
              </li>
            );
          })}
        </ol>
      )}
      {pages > 1 && (
        <nav className="pager" aria-label="Pages of flipped samples">
          <button
            type="button"
            className="button small"
            disabled={page === 0}
            data-testid="flips.prev"
            onClick={() => controller.setFlipPage(page - 1)}
          >
            Previous
          </button>
          <span data-testid="flips.page">
            Page {page + 1} of {pages}
          </span>
          <button
            type="button"
            className="button small"
            disabled={page >= pages - 1}
            data-testid="flips.next"
            onClick={() => controller.setFlipPage(page + 1)}
          >
            Next
          </button>
        </nav>
      )}
      <p className="hint">
        Indices are evaluation points; sample i of the evaluation is sample {c.points} + i of the batch.
      </p>
    </div>
  );
}
