// The header of a .npy file is a Python dict literal, e.g.
//   {'descr': '<f4', 'fortran_order': False, 'shape': (6, 28, 28), }
// This reads the small subset of Python literals numpy writes (dicts, tuples, lists, strings, ints,
// True/False/None) with its own scanner: eval-like shortcuts would be unsafe, and JSON.parse does not
// accept tuples or single quotes.

import { SippError } from '../util/errors';

export type PyValue = string | number | boolean | null | PyValue[] | { [key: string]: PyValue };

export interface NpyHeader {
  /** The dtype description as written: a string such as '<f4', or a list for structured dtypes. */
  descr: PyValue;
  fortranOrder: boolean;
  shape: number[];
}

// Real headers nest at most three deep (structured dtypes); the limit keeps hostile input from
// exhausting the stack.
const MAX_DEPTH = 16;

class LiteralReader {
  private pos = 0;
  constructor(
    private readonly text: string,
    private readonly file: string,
  ) {}

  fail(what: string): never {
    throw new SippError(
      'npy-bad-header',
      `${this.file}: the .npy header is not a valid dict literal (${what} at character ${this.pos}).`,
    );
  }

  private skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos])) this.pos++;
  }

  readAll(): PyValue {
    const value = this.readValue(0);
    this.skipSpace();
    if (this.pos !== this.text.length) this.fail('unexpected text after the dict');
    return value;
  }

  private readValue(depth: number): PyValue {
    if (depth > MAX_DEPTH) this.fail('nesting too deep');
    this.skipSpace();
    const c = this.text[this.pos];
    if (c === '{') return this.readDict(depth);
    if (c === '(') return this.readSequence(')', depth);
    if (c === '[') return this.readSequence(']', depth);
    if (c === "'" || c === '"') return this.readString(c);
    if (c !== undefined && /[-+0-9]/.test(c)) return this.readInt();
    for (const [word, value] of [
      ['True', true],
      ['False', false],
      ['None', null],
    ] as const) {
      if (this.text.startsWith(word, this.pos)) {
        this.pos += word.length;
        return value;
      }
    }
    return this.fail(c === undefined ? 'unexpected end' : `unexpected ${JSON.stringify(c)}`);
  }

  private readDict(depth: number): PyValue {
    this.pos++;
    // No prototype: a key such as '__proto__' in hostile input must stay an ordinary key.
    const out = Object.create(null) as { [key: string]: PyValue };
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] === '}') break;
      const key = this.readValue(depth + 1);
      if (typeof key !== 'string') this.fail('a dict key that is not a string');
      this.skipSpace();
      if (this.text[this.pos] !== ':') this.fail("missing ':'");
      this.pos++;
      out[key] = this.readValue(depth + 1);
      if (!this.readSeparator('}')) break;
    }
    this.pos++;
    return out;
  }

  private readSequence(close: string, depth: number): PyValue {
    this.pos++;
    const out: PyValue[] = [];
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] === close) break;
      out.push(this.readValue(depth + 1));
      if (!this.readSeparator(close)) break;
    }
    this.pos++;
    return out;
  }

  /** After an item: true if a comma followed (more may come), false if the closing bracket did. */
  private readSeparator(close: string): boolean {
    this.skipSpace();
    const c = this.text[this.pos];
    if (c === ',') {
      this.pos++;
      return true;
    }
    if (c === close) return false;
    return this.fail(c === undefined ? 'unexpected end' : `expected ',' or '${close}'`);
  }

  private readString(quote: string): string {
    const end = this.text.indexOf(quote, this.pos + 1);
    if (end < 0) this.fail('unterminated string');
    const s = this.text.slice(this.pos + 1, end);
    // numpy never writes escapes in the keys or type codes we read; a backslash means something else.
    if (s.includes('\\')) this.fail('escaped string');
    this.pos = end + 1;
    return s;
  }

  private readInt(): number {
    const m = /^[-+]?[0-9]+L?/.exec(this.text.slice(this.pos, this.pos + 40));
    if (!m) this.fail('bad number');
    this.pos += m[0].length;
    // Python 2 era files write longs as 3L.
    const value = Number(m[0].replace('L', ''));
    if (!Number.isSafeInteger(value)) this.fail(`integer ${m[0]} out of range`);
    return value;
  }
}

export function parseNpyHeader(text: string, file: string): NpyHeader {
  const reader: LiteralReader = new LiteralReader(text, file);
  const dict = reader.readAll();
  if (dict === null || typeof dict !== 'object' || Array.isArray(dict)) return reader.fail('not a dict');
  const { descr, fortran_order: fortran, shape } = dict;
  const bad = (msg: string): never => {
    throw new SippError('npy-bad-header', `${file}: the .npy header ${msg}.`);
  };
  if (descr === undefined) bad("has no 'descr' (dtype)");
  if (typeof fortran !== 'boolean') bad("has no boolean 'fortran_order'");
  if (!Array.isArray(shape)) bad("has no 'shape' tuple");
  const dims = shape as PyValue[];
  let size = 1;
  for (const d of dims) {
    if (typeof d !== 'number' || d < 0) bad(`has an invalid shape (${dims.join(', ')})`);
    size *= d as number;
    if (!Number.isSafeInteger(size)) bad(`has a shape too large to hold (${dims.join(', ')})`);
  }
  return { descr: descr as PyValue, fortranOrder: fortran as boolean, shape: dims as number[] };
}
