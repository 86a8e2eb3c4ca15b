import * as fs from 'node:fs';
import * as path from 'node:path';
import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import { SippError } from '../util/errors';
import { findJsonSyntaxError, lineColumn, MAX_MODEL_JSON_BYTES, parseJsonFile } from './io-json';

const enc = (s: string) => new TextEncoder().encode(s);
const code = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return e instanceof SippError ? `${e.code}: ${e.message}` : String(e);
  }
  return 'no error';
};

describe('findJsonSyntaxError', () => {
  it('agrees with V8 on the fault position of randomly corrupted model.json files', () => {
    const fixture = path.join(__dirname, 'fixtures/good/functional/keras3/model.json');
    const base = JSON.stringify(JSON.parse(fs.readFileSync(fixture, 'utf8')), null, 1);
    const rng = seedrandom('corrupt');
    const chars = '{}[],:"\'x1-.e \\\n';
    let compared = 0;
    for (let k = 0; k < 1500; k++) {
      const i = Math.floor(rng() * base.length);
      const op = rng();
      const t =
        op < 0.4
          ? base.slice(0, i) + base.slice(i + 1)
          : op < 0.8
            ? base.slice(0, i) + chars[Math.floor(rng() * chars.length)] + base.slice(i)
            : base.slice(0, i);
      let msg: string;
      try {
        JSON.parse(t);
        continue;
      } catch (e) {
        msg = (e as Error).message;
      }
      const ours = findJsonSyntaxError(t);
      const pos = /position (\d+)/.exec(msg);
      const token = /^Unexpected token '(.)'/.exec(msg);
      if (pos) expect(ours.offset, msg).toBe(Number(pos[1]));
      else if (token) expect(t[ours.offset], msg).toBe(token[1]);
      else if (/end of JSON/.test(msg)) expect(ours.offset, msg).toBe(t.length);
      else continue;
      compared++;
    }
    expect(compared).toBeGreaterThan(500);
  });

  it('names the fault and handles deep nesting without recursion', () => {
    expect(findJsonSyntaxError('{"a": 1,}')).toEqual({
      offset: 8,
      message: expect.stringContaining('property name'),
    });
    expect(findJsonSyntaxError('{"a": tru').message).toContain('truncated');
    expect(findJsonSyntaxError('"abc').message).toContain('unterminated');
    const deep = '['.repeat(200_000);
    expect(findJsonSyntaxError(deep).offset).toBe(deep.length);
  });

  it('computes 1-based line and column', () => {
    expect(lineColumn('ab\ncd\nef', 7)).toEqual({ line: 3, column: 2 });
    expect(lineColumn('x', 0)).toEqual({ line: 1, column: 1 });
  });
});

describe('parseJsonFile', () => {
  it('parses valid JSON, with or without a BOM', () => {
    expect(parseJsonFile({ name: 'a.json', data: enc('\ufeff{"x": [1, 2]}') })).toEqual({ x: [1, 2] });
  });

  it('reports syntax errors with file, line and column', () => {
    const msg = code(() => parseJsonFile({ name: 'dir/model.json', data: enc('{\n  "a": 1\n  "b": 2\n}') }));
    expect(msg).toBe(
      "model-json-malformed: dir/model.json is not valid JSON: unexpected \"\\\"\" where ',' or '}' was expected at line 3, column 3.",
    );
  });

  it('rejects empty, blank, binary and HDF5 files with their own codes', () => {
    expect(code(() => parseJsonFile({ name: 'm.json', data: new Uint8Array() }))).toMatch(/^empty-file/);
    expect(code(() => parseJsonFile({ name: 'm.json', data: enc(' \n ') }))).toMatch(/^empty-file/);
    expect(
      code(() => parseJsonFile({ name: 'm.json', data: new Uint8Array([0xff, 0xfe, 0x00, 0x81]) })),
    ).toMatch(/^not-a-model: m.json is binary/);
    expect(code(() => parseJsonFile({ name: 'm.json', data: enc('{"a":\u0000}') }))).toMatch(/NUL/);
    const h5 = new Uint8Array([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(code(() => parseJsonFile({ name: 'm.json', data: h5 }))).toMatch(/HDF5/);
  });

  it('refuses a model.json over the size limit without decoding it', () => {
    const big = new Uint8Array(MAX_MODEL_JSON_BYTES + 1);
    const t0 = performance.now();
    expect(code(() => parseJsonFile({ name: 'model.json', data: big }))).toMatch(
      /^model-json-too-large: model.json is 64 MB/,
    );
    expect(performance.now() - t0).toBeLessThan(50);
  });
});
