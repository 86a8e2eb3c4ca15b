import { SippError } from '../util/errors';

/**
 * A model.json larger than this is refused before decoding: real layers-model topologies are a few
 * hundred KB (weights live in the shards), and parsing hundreds of MB of JSON in a worker would
 * freeze it for a long time and may exhaust memory before any error could be shown.
 */
export const MAX_MODEL_JSON_BYTES = 64 * 1024 * 1024;

const HINTS: Array<{ magic: number[]; what: string }> = [
  {
    magic: [0x89, 0x48, 0x44, 0x46],
    what: 'a Keras HDF5 file (.h5): convert it with tensorflowjs_converter',
  },
  {
    magic: [0x50, 0x4b, 0x03, 0x04],
    what: 'a zip archive (a Keras 3 .keras file or a zipped folder): convert or unzip it first',
  },
];

/** Decodes and parses a JSON file, with errors that name the file and, for syntax errors, the line and column. */
export function parseJsonFile(file: { name: string; data: Uint8Array }): unknown {
  const { name, data } = file;
  if (data.byteLength > MAX_MODEL_JSON_BYTES) {
    throw new SippError(
      'model-json-too-large',
      `${name} is ${(data.byteLength / 2 ** 20).toFixed(0)} MB; a model.json larger than ` +
        `${MAX_MODEL_JSON_BYTES / 2 ** 20} MB is not a layers-model topology (weights belong in .bin shards).`,
    );
  }
  if (data.byteLength === 0) throw new SippError('empty-file', `${name} is empty (0 bytes).`);
  for (const hint of HINTS) {
    if (hint.magic.every((b, i) => data[i] === b)) {
      throw new SippError(
        'not-a-model',
        `${name} is ${hint.what}; SiPP Studio reads TensorFlow.js layers models.`,
      );
    }
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(data);
  } catch {
    throw new SippError('not-a-model', `${name} is binary data, not JSON text, so it is not a model.json.`);
  }
  if (text.includes('\u0000')) {
    throw new SippError('not-a-model', `${name} contains NUL bytes: it is binary data, not a model.json.`);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === '') throw new SippError('empty-file', `${name} contains only whitespace.`);
  try {
    return JSON.parse(text);
  } catch {
    // Engines word (and position) JSON.parse errors differently, so locate the fault ourselves.
    const fault = findJsonSyntaxError(text);
    const { line, column } = lineColumn(text, fault.offset);
    throw new SippError(
      'model-json-malformed',
      `${name} is not valid JSON: ${fault.message} at line ${line}, column ${column}.`,
    );
  }
}

export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

interface Fault {
  offset: number;
  message: string;
}

/**
 * Scans JSON text and returns the first syntax error. Iterative (an explicit stack) so that
 * pathologically deep nesting cannot overflow the call stack. Only called once JSON.parse failed.
 */
export function findJsonSyntaxError(text: string): Fault {
  const stack: Array<'{' | '['> = [];
  let i = 0;
  const n = text.length;
  const ws = () => {
    while (i < n && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const end = (): Fault => ({ offset: n, message: 'unexpected end of file (the file looks truncated)' });
  const unexpected = (what: string): Fault => ({
    offset: i,
    message: `unexpected ${JSON.stringify(text[i])} where ${what} was expected`,
  });
  // Returns a fault, or null when a string was consumed.
  const str = (): Fault | null => {
    const start = i;
    i++;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 34) {
        i++;
        return null;
      }
      if (c === 92) {
        const e = text[i + 1];
        if (e === undefined) return end();
        if (e === 'u') {
          const hex = /^[0-9a-fA-F]{0,4}/.exec(text.slice(i + 2, i + 6))?.[0].length ?? 0;
          if (hex < 4) return i + 2 + hex >= n ? end() : { offset: i + 2 + hex, message: 'bad \\u escape' };
          i += 6;
        } else if ('"\\/bfnrt'.includes(e)) i += 2;
        else return { offset: i + 1, message: `bad escape \\${e}` };
      } else if (c < 32) {
        return { offset: i, message: `control character in string (string opened at offset ${start})` };
      } else i++;
    }
    return { offset: n, message: 'unterminated string (the file looks truncated)' };
  };
  const value = (): Fault | null => {
    ws();
    if (i >= n) return end();
    const c = text[i];
    if (c === '"') return str();
    if (c === '{' || c === '[') {
      stack.push(c);
      i++;
      return null;
    }
    for (const word of ['true', 'false', 'null']) {
      if (c !== word[0]) continue;
      for (let j = 1; j < word.length; j++) {
        if (i + j >= n) return end();
        if (text[i + j] !== word[j]) {
          i += j;
          return unexpected(`'${word}'`);
        }
      }
      i += word.length;
      return null;
    }
    if (c === '-' || (c >= '0' && c <= '9')) return num();
    return unexpected('a value');
  };
  // Reports the first character where a number stops being valid, as V8 does.
  const digits = (what: string): Fault | null => {
    if (i >= n) return end();
    if (!(text[i] >= '0' && text[i] <= '9')) return unexpected(what);
    while (i < n && text[i] >= '0' && text[i] <= '9') i++;
    return null;
  };
  const num = (): Fault | null => {
    if (text[i] === '-') i++;
    if (text[i] === '0') i++;
    else {
      const f = digits('a digit');
      if (f) return f;
    }
    if (text[i] === '.') {
      i++;
      const f = digits('a digit after the decimal point');
      if (f) return f;
    }
    if (text[i] === 'e' || text[i] === 'E') {
      i++;
      if (text[i] === '+' || text[i] === '-') i++;
      const f = digits('a digit in the exponent');
      if (f) return f;
    }
    return null;
  };
  // State machine over containers: after a value we expect ',' or the closer.
  let f = value();
  if (f) return f;
  let justOpened = stack.length > 0;
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    ws();
    if (i >= n) return end();
    if (justOpened) {
      justOpened = false;
      if ((top === '{' && text[i] === '}') || (top === '[' && text[i] === ']')) {
        stack.pop();
        i++;
        continue;
      }
    } else {
      const closer = top === '{' ? '}' : ']';
      if (text[i] === closer) {
        stack.pop();
        i++;
        continue;
      }
      if (text[i] !== ',') return unexpected(`',' or '${closer}'`);
      i++;
      ws();
    }
    if (top === '{') {
      if (i >= n) return end();
      if (text[i] !== '"') return unexpected('a property name in double quotes');
      f = str();
      if (f) return f;
      ws();
      if (i >= n) return end();
      if (text[i] !== ':') return unexpected("':'");
      i++;
    }
    const depth = stack.length;
    f = value();
    if (f) return f;
    justOpened = stack.length > depth;
  }
  ws();
  if (i < n) return unexpected('the end of the file');
  return { offset: n, message: 'invalid JSON' };
}
