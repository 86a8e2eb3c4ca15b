// .npz reader: a zip archive of .npy members, as written by np.savez / np.savez_compressed.
// fflate does the unzipping; before handing it the bytes we walk the zip directory ourselves, because
// fflate trusts the entry count and sizes it finds there, and a damaged archive could make it loop for
// billions of entries or allocate gigabytes.

import { unzipSync } from 'fflate';
import { SippError } from '../util/errors';
import { parseNpy, parseNpyView, type NpyArray, type NpyViewOptions } from './npy';

export interface NpzBatchArrays {
  x: NpyArray;
  y: NpyArray | null;
  /** Every member name in the archive, in directory order. */
  members: string[];
}

const X_MEMBER = 'x.npy';
const Y_MEMBER = 'y.npy';
const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_DIRECTORY = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
// Deflate cannot expand data by more than about 1032:1; a larger claimed size means a damaged header.
const MAX_DEFLATE_RATIO = 1032;

function u16(b: Uint8Array, i: number): number {
  return b[i] | (b[i + 1] << 8);
}
function u32(b: Uint8Array, i: number): number {
  return (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0;
}

function corrupt(file: string, what: string): never {
  throw new SippError('npz-corrupt', `${file}: the .npz (zip) archive is damaged: ${what}.`);
}

let crcTable: Int32Array | null = null;

// fflate does not check the CRC-32 stored with each member, and a damaged deflate stream can inflate to
// plausible-looking wrong numbers; the checksum is what tells us.
function crc32(data: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Int32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c;
    }
  }
  let crc = -1;
  for (let i = 0; i < data.length; i++) crc = crcTable[(crc ^ data[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ -1) >>> 0;
}

/**
 * Checks that every directory entry and the data it points at lie inside the file; returns the CRC-32
 * of each member in directory order.
 */
function checkDirectory(b: Uint8Array, file: string): number[] {
  let end = -1;
  // The end record is 22 bytes plus a comment of at most 65535 bytes.
  for (let e = b.length - 22; e >= 0 && b.length - e <= 22 + 0xffff; e--) {
    if (u32(b, e) === END_OF_DIRECTORY) {
      end = e;
      break;
    }
  }
  if (end < 0) corrupt(file, 'no zip directory at the end of the file (is it truncated?)');
  if (end >= 20 && u32(b, end - 20) === ZIP64_LOCATOR) {
    corrupt(file, 'it is a zip64 archive (over 4 GiB or 65535 members), which is not supported');
  }
  const count = u16(b, end + 8);
  const crcs: number[] = [];
  let o = u32(b, end + 16);
  for (let i = 0; i < count; i++) {
    if (o + 46 > b.length || u32(b, o) !== CENTRAL_HEADER) corrupt(file, `directory entry ${i} is missing`);
    const size = u32(b, o + 20);
    const local = u32(b, o + 42);
    if (local + 30 > b.length || u32(b, local) !== LOCAL_HEADER)
      corrupt(file, `member ${i} has no local header`);
    const dataStart = local + 30 + u16(b, local + 26) + u16(b, local + 28);
    if (dataStart + size > b.length) corrupt(file, `member ${i} runs past the end of the file`);
    crcs.push(u32(b, o + 16));
    o += 46 + u16(b, o + 28) + u16(b, o + 30) + u16(b, o + 32);
  }
  return crcs;
}

export interface NpzOptions {
  /**
   * Read x with parseNpyView and these options: a uint8 or aligned float32 x is then a view on the
   * unpacked member, not a second copy of it.
   */
  view?: NpyViewOptions;
  /** Called with x.npy's unpacked size (from the zip directory) before it is unpacked; may throw. */
  beforeUnpackX?: (originalSize: number) => void;
}

/** Reads `x.npy` (required) and `y.npy` (optional) from an .npz archive. */
export function parseNpz(bytes: Uint8Array, file: string, opts: NpzOptions = {}): NpzBatchArrays {
  const isZip =
    bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && (bytes[2] === 3 || bytes[2] === 5);
  if (!isZip) {
    throw new SippError(
      'npz-not-zip',
      `${file} is not a zip archive, so it is not an .npz (write one with np.savez(path, x=inputs, y=labels)).`,
    );
  }
  const crcs = checkDirectory(bytes, file);
  const members: string[] = [];
  const expectedCrc = new Map<string, number>();
  let current: string | null = null;
  let unpacked: Record<string, Uint8Array>;
  try {
    unpacked = unzipSync(bytes, {
      filter: (f) => {
        members.push(f.name);
        if (f.name !== X_MEMBER && f.name !== Y_MEMBER) return false;
        current = f.name;
        expectedCrc.set(f.name, crcs[members.length - 1]);
        const plausible =
          f.compression === 0 ? f.originalSize === f.size : f.originalSize <= f.size * MAX_DEFLATE_RATIO + 64;
        if (!plausible) throw new Error(`claims ${f.originalSize} bytes from ${f.size} stored`);
        if (f.name === X_MEMBER) opts.beforeUnpackX?.(f.originalSize);
        return true;
      },
    });
  } catch (e) {
    if (e instanceof SippError) throw e;
    const reason = e instanceof Error ? e.message : String(e);
    if (current === null) corrupt(file, reason);
    throw new SippError('npz-corrupt-member', `${file}: member ${current} cannot be unpacked (${reason}).`);
  }
  for (const [name, crc] of expectedCrc) {
    if (crc32(unpacked[name]) !== crc) {
      throw new SippError(
        'npz-corrupt-member',
        `${file}: member ${name} is damaged (its CRC-32 checksum does not match).`,
      );
    }
  }
  const x = unpacked[X_MEMBER];
  if (!x) {
    const found = members.length ? members.join(', ') : 'no members at all';
    throw new SippError(
      'npz-missing-x',
      `${file} has no array named x (found: ${found}). Save with np.savez(path, x=inputs, y=labels).`,
    );
  }
  const y = unpacked[Y_MEMBER];
  return {
    x: opts.view
      ? parseNpyView(x, `${file} (member ${X_MEMBER})`, opts.view)
      : parseNpy(x, `${file} (member ${X_MEMBER})`),
    y: y ? parseNpy(y, `${file} (member ${Y_MEMBER})`) : null,
    members,
  };
}
