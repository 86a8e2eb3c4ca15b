// Preferences that belong to the user, not to a model: kept in localStorage across reloads.
// Only what the user changes on this page is written (a shared link's ?backend=cpu does not
// become the next visit's default), and URL parameters always win over what is stored.
//
// The stored value is one JSON object under one key, with a version: data written by another
// version, or damaged by hand, is ignored field by field and never throws.
import { BACKEND_NAMES, METHOD_KEYS, type BackendChoice, type MethodKey } from '../../worker/protocol';

export const PREFERENCES_KEY = 'sipp-studio.preferences';
/** Bump when a field changes meaning; older data is then ignored as a whole. */
export const PREFERENCES_VERSION = 1;

export interface Preferences {
  backend: BackendChoice;
  /** Methods drawn as curves. */
  curves: MethodKey[];
  /** The chart's "stretch high sparsity" x axis. */
  stretchX: boolean;
  /** "Show change from dense" instead of the accuracy itself. */
  showDelta: boolean;
}

/** Whatever could be read: a field that is absent or malformed is left out. */
export type StoredPreferences = Partial<Preferences>;

/** The part of Storage this module uses, so tests can pass a Map-backed fake. */
export type PreferenceStorage = Pick<Storage, 'getItem' | 'setItem'>;

const isBackend = (v: unknown): v is BackendChoice =>
  typeof v === 'string' && (v === 'auto' || (BACKEND_NAMES as readonly string[]).includes(v));
const isMethod = (v: unknown): v is MethodKey =>
  typeof v === 'string' && (METHOD_KEYS as readonly string[]).includes(v);

/** Reads a stored value; anything unexpected gives {} (or drops just the bad field). */
export function parsePreferences(raw: string | null): StoredPreferences {
  if (raw === null) return {};
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch {
    return {};
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return {};
  const o = data as Record<string, unknown>;
  if (o.version !== PREFERENCES_VERSION) return {};
  const out: StoredPreferences = {};
  if (isBackend(o.backend)) out.backend = o.backend;
  // A list with an unknown method (one removed since) keeps the known ones, without repeats.
  if (Array.isArray(o.curves)) out.curves = [...new Set(o.curves.filter(isMethod))];
  if (typeof o.stretchX === 'boolean') out.stretchX = o.stretchX;
  if (typeof o.showDelta === 'boolean') out.showDelta = o.showDelta;
  return out;
}

/** The stored form: fields in a fixed order, so equal preferences give equal strings. */
export function serializePreferences(p: StoredPreferences): string {
  return JSON.stringify({
    version: PREFERENCES_VERSION,
    backend: p.backend,
    curves: p.curves,
    stretchX: p.stretchX,
    showDelta: p.showDelta,
  });
}

/** localStorage when the page may use it; null where it throws (blocked cookies, sandboxed frames). */
export function browserStorage(): PreferenceStorage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}

/** Holds what is stored and writes a change through, only when the stored string would differ. */
export class PreferenceStore {
  private stored: StoredPreferences;
  private raw: string | null;

  constructor(private readonly storage: PreferenceStorage | null) {
    this.raw = safeGet(storage);
    this.stored = parsePreferences(this.raw);
  }

  get(): StoredPreferences {
    return this.stored;
  }

  /** Merges `patch` into the stored preferences; returns whether anything was written. */
  update(patch: StoredPreferences): boolean {
    const next = { ...this.stored, ...patch };
    const raw = serializePreferences(next);
    if (raw === this.raw) return false;
    this.stored = next;
    this.raw = raw;
    try {
      this.storage?.setItem(PREFERENCES_KEY, raw);
    } catch {
      // Quota or privacy mode: the preference holds for this page's life only.
      return false;
    }
    return this.storage !== null;
  }
}

function safeGet(storage: PreferenceStorage | null): string | null {
  try {
    return storage?.getItem(PREFERENCES_KEY) ?? null;
  } catch {
    return null;
  }
}
