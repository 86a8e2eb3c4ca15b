/**
 * An error meant for the user: `code` is stable (tests and the regression table key on it),
 * `message` names the file, layer or shape at fault.
 */
export class SippError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'SippError';
    this.code = code;
  }
}

export class AbortError extends Error {
  constructor(message = 'Cancelled') {
    super(message);
    this.name = 'AbortError';
  }
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortError();
}

export function isAbortError(e: unknown): boolean {
  return e instanceof Error && e.name === 'AbortError';
}

/**
 * Plain Uint8Array views of the inputs. Node's Buffer is a Uint8Array whose `slice()` returns a
 * view instead of a copy; parsers that copy with `slice()` would then read the whole pool.
 */
export function plainFiles<T extends { data: Uint8Array }>(files: T[]): T[] {
  return files.map((f) =>
    f.data.constructor === Uint8Array
      ? f
      : { ...f, data: new Uint8Array(f.data.buffer, f.data.byteOffset, f.data.byteLength) },
  );
}
