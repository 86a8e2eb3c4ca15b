// A small JSON parser of our own (used when JSON.parse fails), for two things JSON.parse does not give us: an error position that is
// the same in every engine (line and column), and Python's NaN / Infinity / -Infinity tokens, which
// json.dumps writes by default. Reading them as numbers lets the batch check name the sample and index
// of the bad value instead of failing on the syntax.

import { SippError } from '../util/errors';

export type JsonValue = number | string | boolean | null | JsonValue[] | { [key: string]: JsonValue };

// Batches nest a few levels; the cap keeps hostile input from exhausting the call stack.
const MAX_DEPTH = 256;
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?/y;
const SPECIAL: [string, number][] = [
  ['NaN', NaN],
  ['Infinity', Infinity],
  ['-Infinity', -Infinity],
];

class JsonReader {
  private pos = 0;
  constructor(
    private readonly text: string,
    private readonly file: string,
  ) {}

  fail(what: string): never {
    const before = this.text.slice(0, this.pos);
    const line = before.split('\n').length;
    const column = this.pos - before.lastIndexOf('\n');
    throw new SippError(
      'json-malformed',
      `${this.file}: not valid JSON at line ${line}, column ${column} (${what}).`,
    );
  }

  private skipSpace(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      this.pos++;
    }
  }

  readDocument(): JsonValue {
    const value = this.readValue(0);
    this.skipSpace();
    if (this.pos < this.text.length) this.fail('unexpected text after the end');
    return value;
  }

  private readValue(depth: number): JsonValue {
    if (depth > MAX_DEPTH) this.fail('nested too deeply');
    this.skipSpace();
    const c = this.text[this.pos];
    if (c === '[') return this.readArray(depth);
    if (c === '{') return this.readObject(depth);
    if (c === '"') return this.readString();
    if (c === undefined) return this.fail('unexpected end of file');
    NUMBER.lastIndex = this.pos;
    const m = NUMBER.exec(this.text);
    const special = SPECIAL.find(([word]) => this.text.startsWith(word, this.pos));
    if (special && !m) {
      this.pos += special[0].length;
      return special[1];
    }
    if (m) {
      this.pos += m[0].length;
      return Number(m[0]);
    }
    for (const [word, value] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (this.text.startsWith(word, this.pos)) {
        this.pos += word.length;
        return value;
      }
    }
    return this.fail(`unexpected ${JSON.stringify(c)}`);
  }

  private readArray(depth: number): JsonValue[] {
    this.pos++;
    const out: JsonValue[] = [];
    this.skipSpace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return out;
    }
    for (;;) {
      out.push(this.readValue(depth + 1));
      if (this.readSeparator(']')) return out;
    }
  }

  private readObject(depth: number): { [key: string]: JsonValue } {
    this.pos++;
    // No prototype: a key such as "__proto__" must stay an ordinary key.
    const out = Object.create(null) as { [key: string]: JsonValue };
    this.skipSpace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return out;
    }
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] !== '"') this.fail('expected a "quoted" key');
      const key = this.readString();
      this.skipSpace();
      if (this.text[this.pos] !== ':') this.fail("expected ':'");
      this.pos++;
      out[key] = this.readValue(depth + 1);
      if (this.readSeparator('}')) return out;
    }
  }

  /** After an item: false if a comma followed (another item comes), true if the container closed. */
  private readSeparator(close: string): boolean {
    this.skipSpace();
    const c = this.text[this.pos];
    if (c === ',') {
      this.pos++;
      return false;
    }
    if (c === close) {
      this.pos++;
      return true;
    }
    return this.fail(c === undefined ? 'unexpected end of file' : `expected ',' or '${close}'`);
  }

  private readString(): string {
    const start = this.pos;
    let i = start + 1;
    let escaped = false;
    for (;;) {
      const c = this.text.charCodeAt(i);
      if (Number.isNaN(c)) return this.fail('unterminated string');
      if (c === 0x22) break;
      if (c === 0x5c) {
        escaped = true;
        i++;
      }
      i++;
    }
    const raw = this.text.slice(start, i + 1);
    let value = raw.slice(1, -1);
    if (escaped) {
      // The token is delimited correctly; JSON.parse only decodes its escapes (and rejects bad ones).
      try {
        value = JSON.parse(raw) as string;
      } catch {
        this.fail('bad escape in a string');
      }
    }
    this.pos = i + 1;
    return value;
  }
}

export function parseJsonText(bytes: Uint8Array, file: string): JsonValue {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new SippError('json-malformed', `${file}: not valid JSON (the file is not UTF-8 text).`);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  // The engine's parser is several times faster; ours runs when it fails, to read NaN or to say where
  // the text is broken. Both give the same values for valid JSON.
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    return new JsonReader(text, file).readDocument();
  }
}
