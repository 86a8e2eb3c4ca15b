// Tile shape shared by the fused max-times programs. The WGSL bodies read these as `const`s that
// the TS side prepends, so a change here is the only edit needed to retile.

/** Threads per workgroup side; 16x16 = 256, the WebGPU default cap on invocations per workgroup. */
export const THREADS = 16;
/** Outputs per thread along each side, kept in vec4 registers (the WGSL is written for exactly 4). */
export const PER_THREAD = 4;
/** Output tile side: 64 rows j by 64 columns i per workgroup. */
export const TILE = THREADS * PER_THREAD;
/** Reduction rows staged per step: 2 arrays of 16x64 f32 = 8 KiB of the 16 KiB guaranteed. */
export const TILE_K = 16;

/** WGSL `const` declarations for the tile shape and the z rule's threshold. */
export function tileConstants(): string {
  return [
    `const THREADS : i32 = ${THREADS};`,
    `const TILE : i32 = ${TILE};`,
    `const TILE_K : i32 = ${TILE_K};`,
    // 2^-23 exactly: float32 epsilon, see EPS32 in src/core/sensitivity/kernel.ts.
    `const EPS32 : f32 = 1.1920928955078125e-7;`,
  ].join('\n');
}
