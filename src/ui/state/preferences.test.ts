import { describe, expect, it } from 'vitest';
import { initialState } from './initial';
import {
  parsePreferences,
  PREFERENCES_KEY,
  PREFERENCES_VERSION,
  PreferenceStore,
  serializePreferences,
  type PreferenceStorage,
} from './preferences';
import { readUrl } from './url';

/** A Map-backed Storage that counts writes. */
function fakeStorage(initial?: string): PreferenceStorage & { writes: number; value(): string | null } {
  const m = new Map<string, string>();
  if (initial !== undefined) m.set(PREFERENCES_KEY, initial);
  return {
    writes: 0,
    getItem: (k) => m.get(k) ?? null,
    setItem(k, v) {
      this.writes++;
      m.set(k, v);
    },
    value: () => m.get(PREFERENCES_KEY) ?? null,
  };
}

describe('preferences', () => {
  it('round-trips every field through storage', () => {
    const storage = fakeStorage();
    const a = new PreferenceStore(storage);
    expect(a.get()).toEqual({});
    expect(a.update({ backend: 'wasm', curves: ['wt', 'snip'], stretchX: false, showDelta: true })).toBe(
      true,
    );
    expect(JSON.parse(storage.value()!)).toMatchObject({ version: PREFERENCES_VERSION });
    const b = new PreferenceStore(storage);
    expect(b.get()).toEqual({ backend: 'wasm', curves: ['wt', 'snip'], stretchX: false, showDelta: true });
  });

  it('does not write when nothing changed', () => {
    const storage = fakeStorage();
    const p = new PreferenceStore(storage);
    p.update({ stretchX: false });
    p.update({ stretchX: false });
    p.update({});
    expect(storage.writes).toBe(1);
    // A fresh page with the same data writes nothing either.
    new PreferenceStore(storage).update({ stretchX: false });
    expect(storage.writes).toBe(1);
    p.update({ curves: [] });
    expect(storage.writes).toBe(2);
  });

  it('ignores corrupt, foreign and old data without throwing', () => {
    for (const raw of [
      '{',
      'null',
      '42',
      '"x"',
      '[]',
      '{"backend":"wasm"}',
      `{"version":0,"backend":"wasm"}`,
    ])
      expect(parsePreferences(raw)).toEqual({});
    // Field by field: a bad field is dropped, the good ones are kept.
    const mixed = JSON.stringify({
      version: PREFERENCES_VERSION,
      backend: 'tpu',
      curves: ['wt', 'gone', 7, 'wt', 'sipp'],
      stretchX: 'yes',
      showDelta: true,
    });
    expect(parsePreferences(mixed)).toEqual({ curves: ['wt', 'sipp'], showDelta: true });
    expect(new PreferenceStore(fakeStorage('not json')).get()).toEqual({});
  });

  it('survives a storage that throws', () => {
    const broken: PreferenceStorage = {
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
    };
    const p = new PreferenceStore(broken);
    expect(p.get()).toEqual({});
    expect(p.update({ backend: 'cpu' })).toBe(false);
    expect(p.get()).toEqual({ backend: 'cpu' });
    expect(new PreferenceStore(null).update({ backend: 'cpu' })).toBe(false);
  });

  it('serialises equal preferences to equal strings, whatever the key order', () => {
    expect(serializePreferences({ showDelta: true, backend: 'cpu' })).toBe(
      serializePreferences({ backend: 'cpu', showDelta: true }),
    );
  });

  it('fills what the URL leaves out; URL parameters win', () => {
    const prefs = { backend: 'wasm', curves: ['wt'], stretchX: false, showDelta: true } as const;
    const fromPrefs = initialState(readUrl(''), { ...prefs, curves: [...prefs.curves] });
    expect(fromPrefs).toMatchObject({ backendChoice: 'wasm', stretchX: false, showDelta: true });
    expect(fromPrefs.curves.methods).toEqual(['wt']);
    const fromUrl = initialState(readUrl('?backend=cpu&curves=snip,sipp'), { ...prefs, curves: ['wt'] });
    expect(fromUrl.backendChoice).toBe('cpu');
    expect(fromUrl.curves.methods).toEqual(['snip', 'sipp']);
    // Nothing stored, nothing in the URL: the defaults.
    const plain = initialState(readUrl(''));
    expect(plain).toMatchObject({ backendChoice: 'auto', stretchX: true, showDelta: false, seed: 0 });
  });
});
