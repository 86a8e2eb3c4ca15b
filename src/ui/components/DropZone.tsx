import { useRef, useState, type DragEvent } from 'react';
import { flushSync } from 'react-dom';
import type { NamedBlob } from '../../worker/client';
import { useStudio } from '../state/context';

/** Files of a drop, folders included ("dir/model.json"), so a model keeps its folder's name. */
export async function droppedFiles(dt: DataTransfer): Promise<NamedBlob[]> {
  const entries = [...dt.items]
    .map((i) => (i.kind === 'file' ? i.webkitGetAsEntry?.() : null))
    .filter((e): e is FileSystemEntry => !!e);
  if (entries.length === 0) return [...dt.files].map((f) => ({ name: f.name, blob: f }));
  const out: NamedBlob[] = [];
  const walk = async (entry: FileSystemEntry, prefix: string): Promise<void> => {
    if (entry.isFile) {
      const file = await new Promise<File>((res, rej) => (entry as FileSystemFileEntry).file(res, rej));
      out.push({ name: prefix + file.name, blob: file });
    } else if (entry.isDirectory) {
      const reader = (entry as FileSystemDirectoryEntry).createReader();
      for (;;) {
        const batch = await new Promise<FileSystemEntry[]>((res, rej) => reader.readEntries(res, rej));
        if (batch.length === 0) break;
        for (const e of batch) await walk(e, `${prefix}${entry.name}/`);
      }
    }
  };
  for (const e of entries) await walk(e, '');
  return out;
}

export function DropZone() {
  const [, studio] = useStudio();
  const input = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);

  const take = (files: NamedBlob[]) => {
    // Synchronously: a script waiting for the progress bar must not see the previous 'done'.
    flushSync(() => studio.startLoading());
    void studio.addFiles(files);
  };

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    flushSync(() => studio.startLoading());
    void droppedFiles(e.dataTransfer).then((files) => void studio.addFiles(files));
  };

  return (
    <div
      className={`dropzone${over ? ' over' : ''}`}
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={onDrop}
    >
      <p className="dropzone-title">Drop your model here</p>
      <p className="dropzone-hint">
        <code>model.json</code>, its <code>.bin</code> weight files and a batch (<code>.npz</code> with{' '}
        <code>x</code>, <code>y</code>; <code>.npy</code>; <code>.json</code>): together or one after another.
      </p>
      <label className="button">
        Choose files…
        <input
          ref={input}
          className="visually-hidden"
          type="file"
          multiple
          data-testid="model.drop"
          onChange={(e) => {
            const files = [...(e.target.files ?? [])].map((f) => ({
              name: f.webkitRelativePath || f.name,
              blob: f,
            }));
            // Cleared so that picking the same file again (after fixing it) fires a change.
            e.target.value = '';
            take(files);
          }}
        />
      </label>
    </div>
  );
}
