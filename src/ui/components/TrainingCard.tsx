import { useState, type DragEvent } from 'react';
import type { NamedBlob } from '../../worker/client';
import { useStudio } from '../state/context';
import { bytes, count, shape } from '../state/format';
import { droppedFiles } from './DropZone';
import { ErrorMessage, Notices } from './ErrorMessage';

/** A file input and a drop target that hand their files to `take`. */
export function FileSlot({
  testId,
  label,
  hint,
  take,
  disabled,
}: {
  testId: string;
  label: string;
  hint: string;
  take: (files: NamedBlob[]) => void;
  disabled?: boolean;
}) {
  const [over, setOver] = useState(false);
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    void droppedFiles(e.dataTransfer).then(take);
  };
  return (
    <div
      className={`dropzone slot${over ? ' over' : ''}`}
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={onDrop}
    >
      <label className="button small">
        {label}
        <input
          className="visually-hidden"
          type="file"
          multiple
          disabled={disabled}
          data-testid={testId}
          onChange={(e) => {
            const files = [...(e.target.files ?? [])].map((f) => ({
              name: f.webkitRelativePath || f.name,
              blob: f,
            }));
            e.target.value = '';
            take(files);
          }}
        />
      </label>
      <span className="dropzone-hint">{hint}</span>
    </div>
  );
}

/** The training set for retraining: its own files, or a seeded split of the batch. */
export function TrainingCard() {
  const [state, studio] = useStudio();
  const t = state.training;
  const set = t?.set ?? null;
  const rv = state.retrain;
  const errors = [
    ...(t?.errors ?? []).filter((e) => e.where === 'train'),
    ...(state.workspace?.errors ?? []).filter((e) => e.where === 'train'),
    ...(rv.error && rv.error.where === 'train' ? [rv.error] : []),
  ];
  const waiting = (t?.files.length ?? 0) > 0 && !set;
  const splitOn = !!state.options.trainSplit;
  return (
    <div className="card train-card" aria-label="Training set" data-testid="train.card">
      <h3>Training set{set ? `: ${set.source}` : ''}</h3>
      <p className="hint">
        What retraining learns from, apart from the batch (which stays for pruning and evaluation). Same
        formats as the batch: <code>.npz</code>, <code>x.npy</code> + <code>y.npy</code>, <code>.json</code>.
      </p>
      <FileSlot
        testId="train.drop"
        label="Choose training files…"
        hint="or drop them here"
        take={(files) => void studio.retrain.addTrainingFiles(files)}
      />
      {rv.loading === 'train-set' && (
        <p className="hint" role="status">
          Reading the training set…
        </p>
      )}
      {errors.map((e, i) => (
        <ErrorMessage
          key={i}
          error={e}
          title={set ? `Not loaded; still using ${set.source}.` : 'The training set cannot be used.'}
        />
      ))}
      {waiting && errors.length === 0 && (
        <p className="hint">
          {t!.files.map((f) => f.name).join(', ')}: waiting for a model to fit the training set to.
        </p>
      )}
      {set && (
        <div data-testid="train.summary" data-samples={set.samples} data-labelled={set.labelled}>
          <dl className="facts">
            <dt>Samples</dt>
            <dd>
              {count(set.samples)} × {shape(set.shape.slice(1))} ({set.dtype})
            </dd>
            <dt>Labels</dt>
            <dd>{set.labelled ? 'yes' : 'none: training follows the unpruned model (distillation)'}</dd>
            <dt>Memory</dt>
            <dd>
              {bytes(set.bytes)}
              {set.dtype === 'uint8' ? ' (kept as bytes)' : ''}
            </dd>
          </dl>
          {set.split && (
            <p className="split-description" data-testid="train.split-description">
              {set.split}.
            </p>
          )}
          {set.looksUint8 && (
            <label className="check">
              <input
                type="checkbox"
                checked={state.options.scaleUint8}
                onChange={(e) => void studio.setOptions({ scaleUint8: e.target.checked })}
              />
              Pixel values are 0–255: divide by 255 (the same switch as the batch)
            </label>
          )}
          <Notices items={set.notices} label="Notes on the training set" />
          <button
            type="button"
            className="link-button"
            data-testid="train.remove"
            onClick={() => void (set.split ? studio.retrain.unsplit() : studio.retrain.removeTrainingSet())}
          >
            {set.split ? 'Stop splitting the batch' : 'Remove the training set'}
          </button>
        </div>
      )}
      {!set && !waiting && !splitOn && state.workspace?.batch && (
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            void studio.retrain.split();
          }}
        >
          <span>No training set? Split the batch:</span>
          <label>
            <input
              type="number"
              min={1}
              max={99}
              step={1}
              value={rv.splitPercent}
              data-testid="train.split-percent"
              aria-label="Share of the batch for training, in percent"
              onChange={(e) => studio.retrain.setSplitPercent(e.target.value)}
            />{' '}
            % for training
          </label>
          <button type="submit" className="button small" data-testid="train.split">
            Split the batch
          </button>
          <span className="hint">seeded; the rest prunes and evaluates, so no test sample is trained on</span>
        </form>
      )}
    </div>
  );
}
