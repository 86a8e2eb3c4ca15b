import { describe, expect, it } from 'vitest';
import { initialState } from './initial';
import { readUrl, writeUrl, type UrlView } from './url';

const view = (patch: Partial<UrlView> = {}): UrlView => ({
  backend: 'auto',
  method: 'sipp',
  sparsity: 0.9,
  seed: 0,
  propagate: false,
  points: null,
  curves: ['sipp', 'wt'],
  demo: 'lenet-300-100',
  ...patch,
});

describe('URL: seed and propagation', () => {
  it('reads seed and propagate, ignoring nonsense', () => {
    expect(readUrl('?seed=7&propagate=1')).toMatchObject({ seed: 7, propagate: true });
    expect(readUrl('?seed=0&propagate=false')).toMatchObject({ seed: 0, propagate: false });
    expect(readUrl('')).toMatchObject({ seed: null, propagate: null, backend: null });
    for (const q of ['?seed=-1', '?seed=1.5', '?seed=x', '?seed=', '?seed=1e30'])
      expect(readUrl(q).seed, q).toBeNull();
    expect(readUrl('?propagate=maybe').propagate).toBeNull();
  });

  it('sets the initial seed and propagation', () => {
    expect(initialState(readUrl('?seed=12&propagate=1'))).toMatchObject({ seed: 12, propagate: true });
  });
});

describe('URL: writing the view back', () => {
  it('round-trips method, sparsity, seed and propagation, and keeps other parameters', () => {
    const s = writeUrl(
      '?debug&points=32',
      view({ method: 'wt', sparsity: 0.955, seed: 3, propagate: true, points: 32 }),
    );
    expect(s).toContain('debug');
    expect(readUrl(s)).toMatchObject({
      method: 'wt',
      sparsity: 0.955,
      seed: 3,
      propagate: true,
      points: 32,
      demo: 'lenet-300-100',
    });
  });

  it('leaves defaults out and removes them when they come back', () => {
    const s = writeUrl('?seed=3&propagate=1&points=32', view());
    expect(s).not.toMatch(/seed|propagate|points/);
    expect(s).toBe('?method=sipp&sparsity=0.9&demo=lenet-300-100');
  });

  it('rounds the sparsity as the slider does', () => {
    expect(readUrl(writeUrl('', view({ sparsity: 0.90100000001 }))).sparsity).toBe(0.901);
  });

  it('writes backend and curves only where the URL already names them', () => {
    const plain = writeUrl('', view({ backend: 'wasm' }));
    expect(plain).not.toMatch(/backend|curves/);
    const named = writeUrl('?backend=cpu&curves=wt', view({ backend: 'wasm', curves: ['snip', 'wt'] }));
    expect(readUrl(named)).toMatchObject({ backend: 'wasm', curves: ['snip', 'wt'] });
    expect(named).toContain('curves=snip,wt');
  });

  it('keeps the demo parameter for user files', () => {
    expect(readUrl(writeUrl('?demo=none', view({ demo: null }))).demo).toBe('none');
  });
});

describe('URL: model fingerprint and protocol', () => {
  const fp = '0123456789abcdef'.repeat(4);
  it('reads a fingerprint prefix and a protocol, ignoring nonsense', () => {
    expect(readUrl('?model=0123456789ABCDEF&protocol=cascade')).toMatchObject({
      model: '0123456789abcdef',
      protocol: 'cascade',
    });
    for (const q of ['?model=xyz', '?model=0123', '?model=', '']) expect(readUrl(q).model, q).toBeNull();
    expect(readUrl('?protocol=sometimes').protocol).toBeNull();
  });

  it('writes the model fingerprint (a prefix) and a protocol other than one-shot', () => {
    const s = writeUrl('', view({ model: fp, protocol: 'lottery' }));
    expect(readUrl(s)).toMatchObject({ model: fp.slice(0, 16), protocol: 'lottery' });
    expect(writeUrl(s, view({ model: fp, protocol: 'one-shot' }))).not.toContain('protocol');
    // Not known yet: an existing parameter is left alone.
    expect(readUrl(writeUrl('?model=0123456789abcdef', view({ model: null }))).model).toBe(
      '0123456789abcdef',
    );
  });

  it('sets the initial protocol', () => {
    expect(initialState(readUrl('?protocol=cascade')).retrain.form.protocol).toBe('cascade');
    expect(initialState(readUrl('')).retrain.form.protocol).toBe('one-shot');
  });
});
