// Runs in IndexedDB: one object store keyed by id. Each write is one transaction, so a write the
// browser refuses (quota) is rolled back whole and never touches the records already there.
import type { RunRecord } from '../../report/types';
import type { Estimate, RunBackend } from './store';

const DB = 'sipp-studio';
const STORE = 'runs';

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error ?? new Error('IndexedDB request failed'));
  });
}

export class IdbBackend implements RunBackend {
  private db: Promise<IDBDatabase> | null = null;

  constructor(
    private readonly factory: IDBFactory,
    private readonly name = DB,
  ) {}

  private open(): Promise<IDBDatabase> {
    this.db ??= new Promise((resolve, reject) => {
      const r = this.factory.open(this.name, 1);
      r.onupgradeneeded = () => {
        if (!r.result.objectStoreNames.contains(STORE)) r.result.createObjectStore(STORE, { keyPath: 'id' });
      };
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error ?? new Error('IndexedDB could not be opened'));
      r.onblocked = () => reject(new Error('IndexedDB is blocked by another tab of this page'));
    });
    return this.db;
  }

  private async tx(mode: IDBTransactionMode, fn: (s: IDBObjectStore) => IDBRequest): Promise<unknown> {
    const db = await this.open();
    return new Promise((resolve, reject) => {
      const t = db.transaction(STORE, mode);
      const r = fn(t.objectStore(STORE));
      t.oncomplete = () => resolve(r.result);
      t.onabort = () => reject(t.error ?? r.error ?? new Error('IndexedDB transaction aborted'));
      t.onerror = () => reject(t.error ?? r.error ?? new Error('IndexedDB transaction failed'));
    });
  }

  async all(): Promise<RunRecord[]> {
    const db = await this.open();
    return request(db.transaction(STORE, 'readonly').objectStore(STORE).getAll() as IDBRequest<RunRecord[]>);
  }

  async put(record: RunRecord): Promise<void> {
    await this.tx('readwrite', (s) => s.put(record));
  }

  async delete(id: string): Promise<void> {
    await this.tx('readwrite', (s) => s.delete(id));
  }
}

/** The page's storage estimate, or null where the browser has none. */
export const browserEstimate: Estimate = async () => {
  if (typeof navigator === 'undefined' || !navigator.storage?.estimate) return null;
  return navigator.storage.estimate();
};
