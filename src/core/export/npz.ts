import { zipSync } from 'fflate';

export interface NpyArray {
  shape: number[];
  data: Float32Array | Int32Array | Uint8Array;
}

const DESCR: Record<string, string> = { Float32Array: '<f4', Int32Array: '<i4', Uint8Array: '|u1' };

/** Encodes one array as NumPy .npy (format 1.0, little endian, C order). */
export function encodeNpy(arr: NpyArray): Uint8Array {
  const descr = DESCR[arr.data.constructor.name];
  if (!descr) throw new Error(`encodeNpy: unsupported array type ${arr.data.constructor.name}`);
  const shape = arr.shape.length === 1 ? `(${arr.shape[0]},)` : `(${arr.shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  // numpy pads the header with spaces so that the data starts on a 64-byte boundary.
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + arr.data.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]); // \x93NUMPY v1.0
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.set(new Uint8Array(arr.data.buffer, arr.data.byteOffset, arr.data.byteLength), 10 + header.length);
  return out;
}

/** Encodes named arrays as a compressed .npz (what np.savez_compressed writes). */
export function encodeNpz(arrays: Record<string, NpyArray>): Uint8Array {
  const files: Record<string, Uint8Array> = {};
  for (const [name, arr] of Object.entries(arrays)) files[`${name}.npy`] = encodeNpy(arr);
  return zipSync(files, { level: 6 });
}
