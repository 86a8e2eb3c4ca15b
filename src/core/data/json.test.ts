import { describe, expect, it } from 'vitest';
import { parseBatchJson } from './json';
import { parseJsonText } from './json-text';
import { errorCode } from './test-fixtures';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('parseJsonText', () => {
  // Appending a NaN makes JSON.parse fail, so these documents go through our own reader; it must read
  // everything else exactly as JSON.parse does.
  it.each([
    [{ a: [1, -2.5, 3e-7, 1.5e300, 0], b: { c: 'q"uote\\ \u00e9 \ud83d\ude00\n', d: [true, false, null] } }],
    [{ x: [[[]], [[]]], '': {}, __proto__key: [-0] }],
    [{ nested: [[[[[[1]]]]]], s: '\\u0041' }],
  ])('reads %j like JSON.parse', (doc) => {
    const text = JSON.stringify(doc, null, 2);
    const withNaN = text.slice(0, -1) + ', "z": NaN, "w": [Infinity, -Infinity]}';
    const parsed = parseJsonText(bytes(withNaN), 'd.json') as Record<string, unknown>;
    expect(parsed.z).toBeNaN();
    expect(parsed.w).toEqual([Infinity, -Infinity]);
    const rest = Object.fromEntries(Object.entries(parsed).filter(([k]) => k !== 'z' && k !== 'w'));
    expect(rest).toEqual(JSON.parse(text));
  });

  it('keeps "__proto__" an ordinary key', () => {
    const parsed = parseJsonText(bytes('{"__proto__": {"polluted": 1}, "v": NaN}'), 'p.json') as object;
    expect(Object.keys(parsed)).toEqual(['__proto__', 'v']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each([
    ['{"x": [1, 2,]}', 'line 1, column 13'],
    ['{\n  "x": [1, 2],\n  "y": [0 1]\n}', 'line 3, column 11'],
    ['{"x": [1]} extra', 'line 1, column 12'],
    ['{"x": "\\q"}', 'line 1, column 7'],
    ['\u00ff'.repeat(3), 'line 1, column 1'],
    ['['.repeat(10_000), 'nested too deeply'],
  ])('reports %j with its position', (text, where) => {
    expect(errorCode(() => parseJsonText(bytes(text), 'bad.json'))).toBe('json-malformed');
    expect(() => parseJsonText(bytes(text), 'bad.json')).toThrow(where);
  });

  it('rejects bytes that are not UTF-8', () => {
    expect(errorCode(() => parseJsonText(new Uint8Array([0x7b, 0xff, 0x7d]), 'b.json'))).toBe(
      'json-malformed',
    );
  });
});

describe('parseBatchJson', () => {
  it('reads x and y into dense arrays in C order', () => {
    const { x, y } = parseBatchJson(
      bytes('{"x": [[[1, 2], [3, 4]], [[5, 6], [7, 8]]], "y": [1, 0]}'),
      'b.json',
    );
    expect(x.shape).toEqual([2, 2, 2]);
    expect(Array.from(x.data)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(y && Array.from(y.data)).toEqual([1, 0]);
  });

  it.each([
    ['{"x": [[1, 2], 3]}', 'json-ragged', 'x[1] is 3'],
    ['{"x": [1, [2]]}', 'json-ragged', 'x[1] is an array'],
    ['{"x": [[1], [2]], "y": [0, [1]]}', 'json-ragged', 'y[1]'],
    ['{"x": [[1, null]]}', 'json-not-numeric', 'x[0][1] is null'],
    ['{"x": [[1, true]]}', 'json-not-numeric', 'x[0][1] is true'],
    ['[[1, 2]]', 'json-missing-x', 'an array'],
  ])('%s -> %s', (text, code, message) => {
    expect(errorCode(() => parseBatchJson(bytes(text), 'b.json'))).toBe(code);
    expect(() => parseBatchJson(bytes(text), 'b.json')).toThrow(message);
  });
});
