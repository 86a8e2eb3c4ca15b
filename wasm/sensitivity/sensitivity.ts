// AssemblyScript source of src/core/sensitivity/simd/sensitivity.wasm (npm run build:wasm; a unit
// test rebuilds it and compares byte for byte). The hot loop of the SensitivityKernel contract
// (src/core/sensitivity/kernel.ts) on 128-bit SIMD; the caller (simd-kernel.ts) owns the memory
// layout and passes byte addresses. Layouts (outsP = outs rounded up to 4):
//   m         [fanIn][outsP] f32, the running maximum (padding is never read back)
//   wpm, v    block-major: the outputs fall into blocks of 16 (then of 4 for the rest), and each
//             block keeps all its rows together, a row being W+ (V+) then W- (V-) of each group of
//             four outputs: 128 contiguous bytes per row of a 16-block, 32 of a 4-block. Rows of a
//             block are contiguous because a row-major layout put them 8 KB apart at 1024 outputs,
//             which maps every row to the same cache sets (measured: twice as slow).
//             wpm rows are fan-in indices j (padding: w = 0, so it scores 0; |w| = W+ - W-, and
//             the sign is W- < 0); v rows are the chunk's rows (point, position).
//   lists     [fanIn][cap] of (i32 row << 7, f32 input value): the non-zero inputs of each fan-in
//             index, so that zeros (half of a ReLU's output, all of a sign copy's other half) cost
//             nothing; row << 7 is the row's byte offset in a 16-block, >> 2 that in a 4-block
//   cnt       [fanIn] i32 entries per list; seg [fanIn][points + 1] i32 where each point starts
//   rowLists  Dense only, the same per row: (i32 j << 7, f32 a[row, j]), with rowCnt [rows]
//
// Why this shape: m[j, i] = max over rows of a[row, j] * V(row, i) is a matrix product with
// (max, *) in place of (+, *). Both weight signs are reduced at once (the sign of w[j, i] picks
// one of the two at the end, in flush), since picking V per weight inside the loop would cost a
// select per lane and per row, more than the second multiply-max. Sixteen outputs of one row j
// stay in eight registers while its list streams past, and the V block of a chunk's rows stays in
// cache across all fan-in indices. pmax (one maxps) instead of max (NaN and -0 fix-ups) is exact
// here: every value is >= 0 and finite.

/** Float32 machine epsilon: |z| at or below it counts as infinite, as in the reference. */
const EPS: f32 = 1.1920928955078125e-7;

/** The z rule on four lanes: 1/|z|, or 0 where |z| <= eps (1/0 = inf is masked off too). */
function recip(z: v128): v128 {
  const a = f32x4.abs(z);
  return v128.and(f32x4.div(f32x4.splat(1), a), f32x4.gt(a, f32x4.splat(EPS)));
}

/** Byte address of the group of four outputs starting at `o`, row `r`, of a block-major array. */
function blockAt(base: usize, o: i32, r: i32, rows: i32, full16: i32): usize {
  const start = o < full16 ? o & ~15 : o;
  const width = o < full16 ? 16 : 4;
  return base + <usize>start * <usize>rows * 8 + <usize>r * <usize>width * 8 + <usize>(o - start) * 8;
}

/** wpm from w staged as [fanIn][outsP] (padding zero). */
export function splitWeights(w: usize, wpm: usize, fanIn: i32, outsP: i32): void {
  const z = f32x4.splat(0);
  const full16 = outsP & ~15;
  for (let j = 0; j < fanIn; j++) {
    for (let o = 0; o < outsP; o += 4) {
      const wv = v128.load(w + ((<usize>j * <usize>outsP + <usize>o) << 2));
      const at = blockAt(wpm, o, j, fanIn, full16);
      v128.store(at, f32x4.pmax(wv, z));
      v128.store(at, f32x4.pmin(wv, z), 16);
    }
  }
}

/** Dense: per row of a [rows][fanIn], its non-zero entries (j * colBytes, a[row, j]) and count. */
export function rowLists(a: usize, rows: i32, fanIn: i32, lists: usize, cnt: usize): void {
  for (let n = 0; n < rows; n++) {
    const ar = a + ((<usize>n * <usize>fanIn) << 2);
    const base = lists + ((<usize>n * <usize>fanIn) << 3);
    let c = 0;
    for (let j = 0; j < fanIn; j++) {
      const val = load<f32>(ar + ((<usize>j) << 2));
      const e = base + ((<usize>c) << 3);
      store<i32>(e, j << 7);
      store<f32>(e, val, 4);
      c += i32(val != 0);
    }
    store<i32>(cnt + ((<usize>n) << 2), c);
  }
}

/**
 * Dense Z+ = a W+ and Z- = a W- in one pass over the non-zero inputs, straight into V (z rule
 * applied in registers): Z never exists in memory, and no sign-split copy of W is made per call.
 * Cheaper than two tfjs matMuls by the input's share of zeros, and it needs no repacking of W±,
 * which XNNPACK would redo on every call because W± are new tensors each time.
 */
export function signedZDense(
  lists: usize,
  cnt: usize,
  rows: i32,
  fanIn: i32,
  wpm: usize,
  outsP: i32,
  v: usize,
): void {
  const z = f32x4.splat(0);
  const full16 = outsP & ~15;
  let ib = 0;
  for (; ib < full16; ib += 16) {
    const wb = wpm + <usize>ib * <usize>fanIn * 8;
    for (let n = 0; n < rows; n++) {
      let p0 = z,
        n0 = z,
        p1 = z,
        n1 = z,
        p2 = z,
        n2 = z,
        p3 = z,
        n3 = z;
      let e = lists + ((<usize>n * <usize>fanIn) << 3);
      const end = e + ((<usize>load<i32>(cnt + ((<usize>n) << 2))) << 3);
      for (; e < end; e += 8) {
        const q = wb + <usize>load<i32>(e);
        const a = v128.load32_splat(e, 4);
        p0 = f32x4.add(p0, f32x4.mul(a, v128.load(q)));
        n0 = f32x4.add(n0, f32x4.mul(a, v128.load(q, 16)));
        p1 = f32x4.add(p1, f32x4.mul(a, v128.load(q, 32)));
        n1 = f32x4.add(n1, f32x4.mul(a, v128.load(q, 48)));
        p2 = f32x4.add(p2, f32x4.mul(a, v128.load(q, 64)));
        n2 = f32x4.add(n2, f32x4.mul(a, v128.load(q, 80)));
        p3 = f32x4.add(p3, f32x4.mul(a, v128.load(q, 96)));
        n3 = f32x4.add(n3, f32x4.mul(a, v128.load(q, 112)));
      }
      const vr = blockAt(v, ib, n, rows, full16);
      v128.store(vr, recip(p0));
      v128.store(vr, recip(n0), 16);
      v128.store(vr, recip(p1), 32);
      v128.store(vr, recip(n1), 48);
      v128.store(vr, recip(p2), 64);
      v128.store(vr, recip(n2), 80);
      v128.store(vr, recip(p3), 96);
      v128.store(vr, recip(n3), 112);
    }
  }
  for (; ib < outsP; ib += 4) {
    const wb = wpm + <usize>ib * <usize>fanIn * 8;
    for (let n = 0; n < rows; n++) {
      let p0 = z,
        n0 = z;
      let e = lists + ((<usize>n * <usize>fanIn) << 3);
      const end = e + ((<usize>load<i32>(cnt + ((<usize>n) << 2))) << 3);
      for (; e < end; e += 8) {
        const q = wb + ((<usize>load<i32>(e)) >> 2);
        const a = v128.load32_splat(e, 4);
        p0 = f32x4.add(p0, f32x4.mul(a, v128.load(q)));
        n0 = f32x4.add(n0, f32x4.mul(a, v128.load(q, 16)));
      }
      const vr = blockAt(v, ib, n, rows, full16);
      v128.store(vr, recip(p0));
      v128.store(vr, recip(n0), 16);
    }
  }
}

/** V of `rows` rows from Z+ and Z- staged as [rows][outs]: the z rule, 1/|z| or 0. */
export function reciprocals(zp: usize, zn: usize, v: usize, rows: i32, outs: i32, outsP: i32): void {
  const full = outs & ~3;
  const full16 = outsP & ~15;
  for (let r = 0; r < rows; r++) {
    const zpr = zp + ((<usize>r * <usize>outs) << 2);
    const znr = zn + ((<usize>r * <usize>outs) << 2);
    let g = 0;
    for (; g < full; g += 4) {
      const at = blockAt(v, g, r, rows, full16);
      v128.store(at, recip(v128.load(zpr + ((<usize>g) << 2))));
      v128.store(at, recip(v128.load(znr + ((<usize>g) << 2))), 16);
    }
    for (; g < outsP; g++) {
      let p: f32 = 0;
      let n: f32 = 0;
      if (g < outs) {
        const ap = Mathf.abs(load<f32>(zpr + ((<usize>g) << 2)));
        const an = Mathf.abs(load<f32>(znr + ((<usize>g) << 2)));
        p = ap > EPS ? 1 / ap : 0;
        n = an > EPS ? 1 / an : 0;
      }
      const at = blockAt(v, g & ~3, r, rows, full16) + ((<usize>(g & 3)) << 2);
      store<f32>(at, p);
      store<f32>(at, n, 16);
    }
  }
}

/**
 * The lists of `points` points of a Conv2D input x [points][inH][inW][ch] (Dense: 1x1 input and
 * kernel, ch = fanIn), patch order j = (u * kw + t) * ch + c. Positions outside the input are the
 * zero padding and never listed. Every value is written and the cursor moves only past non-zero
 * ones: no branch on the data. With `segments` != 0, seg records where each point starts.
 */
export function buildLists(
  x: usize,
  points: i32,
  inH: i32,
  inW: i32,
  ch: i32,
  outH: i32,
  outW: i32,
  kh: i32,
  kw: i32,
  sy: i32,
  sx: i32,
  dy: i32,
  dx: i32,
  padTop: i32,
  padLeft: i32,
  lists: usize,
  cap: i32,
  cnt: usize,
  seg: usize,
  segments: i32,
): void {
  const fanIn = kh * kw * ch;
  const positions = outH * outW;
  memory.fill(cnt, 0, (<usize>fanIn) << 2);
  for (let n = 0; n < points; n++) {
    if (segments != 0) {
      for (let j = 0; j < fanIn; j++) {
        store<i32>(
          seg + ((<usize>j * <usize>(points + 1) + <usize>n) << 2),
          load<i32>(cnt + ((<usize>j) << 2)),
        );
      }
    }
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        const off = (n * positions + oy * outW + ox) << 7;
        for (let u = 0; u < kh; u++) {
          const iy = oy * sy + u * dy - padTop;
          if (<u32>iy >= <u32>inH) continue;
          for (let t = 0; t < kw; t++) {
            const ix = ox * sx + t * dx - padLeft;
            if (<u32>ix >= <u32>inW) continue;
            const xo = x + ((<usize>((n * inH + iy) * inW + ix) * <usize>ch) << 2);
            const jb = (u * kw + t) * ch;
            for (let c = 0; c < ch; c++) {
              const val = load<f32>(xo + ((<usize>c) << 2));
              const cp = cnt + ((<usize>(jb + c)) << 2);
              const k = load<i32>(cp);
              const e = lists + ((<usize>(jb + c) * <usize>cap + <usize>k) << 3);
              store<i32>(e, off);
              store<f32>(e, val, 4);
              store<i32>(cp, k + i32(val != 0));
            }
          }
        }
      }
    }
  }
  if (segments != 0) {
    for (let j = 0; j < fanIn; j++) {
      store<i32>(
        seg + ((<usize>j * <usize>(points + 1) + <usize>points) << 2),
        load<i32>(cnt + ((<usize>j) << 2)),
      );
    }
  }
}

/** m = max(m, |w| * scale * acc of w's sign) for four outputs: W± at `w`, m at `m`. */
function flush4(w: usize, m: usize, pos: v128, neg: v128, scale: v128): void {
  const wp = v128.load(w);
  const wn = v128.load(w, 16);
  const pick = v128.bitselect(neg, pos, f32x4.lt(wn, f32x4.splat(0)));
  const s = f32x4.mul(f32x4.sub(wp, wn), f32x4.mul(pick, scale));
  v128.store(m, f32x4.pmax(v128.load(m), s));
}

/**
 * The reduction over one block of rows for 16 outputs starting at `ib`: for every fan-in index j,
 * the entries [from, to) of its list (max: all of them; mean: one point's) against the block's V.
 */
function block16(
  lists: usize,
  cap: i32,
  cnt: usize,
  seg: usize,
  points: i32,
  mean: i32,
  scale: v128,
  vb: usize,
  wpm: usize,
  m: usize,
  fanIn: i32,
  outsP: i32,
  ib: i32,
): void {
  const z = f32x4.splat(0);
  const parts = mean != 0 ? points : 1;
  const wb = wpm + <usize>ib * <usize>fanIn * 8;
  for (let j = 0; j < fanIn; j++) {
    const list = lists + ((<usize>j * <usize>cap) << 3);
    const row = m + ((<usize>(j * outsP + ib)) << 2);
    const wr = wb + ((<usize>j) << 7);
    for (let k = 0; k < parts; k++) {
      let from = 0;
      let to = load<i32>(cnt + ((<usize>j) << 2));
      if (mean != 0) {
        const sp = seg + ((<usize>j * <usize>(points + 1) + <usize>k) << 2);
        from = load<i32>(sp);
        to = load<i32>(sp, 4);
        // An empty point contributes 0, which m (>= 0) already covers.
        if (from == to) continue;
      }
      let p0 = z,
        n0 = z,
        p1 = z,
        n1 = z,
        p2 = z,
        n2 = z,
        p3 = z,
        n3 = z;
      const end = list + ((<usize>to) << 3);
      let e = list + ((<usize>from) << 3);
      if (mean != 0) {
        for (; e < end; e += 8) {
          const q = vb + <usize>load<i32>(e);
          const a = v128.load32_splat(e, 4);
          p0 = f32x4.add(p0, f32x4.mul(a, v128.load(q)));
          n0 = f32x4.add(n0, f32x4.mul(a, v128.load(q, 16)));
          p1 = f32x4.add(p1, f32x4.mul(a, v128.load(q, 32)));
          n1 = f32x4.add(n1, f32x4.mul(a, v128.load(q, 48)));
          p2 = f32x4.add(p2, f32x4.mul(a, v128.load(q, 64)));
          n2 = f32x4.add(n2, f32x4.mul(a, v128.load(q, 80)));
          p3 = f32x4.add(p3, f32x4.mul(a, v128.load(q, 96)));
          n3 = f32x4.add(n3, f32x4.mul(a, v128.load(q, 112)));
        }
      } else {
        for (; e < end; e += 8) {
          const q = vb + <usize>load<i32>(e);
          const a = v128.load32_splat(e, 4);
          p0 = f32x4.pmax(p0, f32x4.mul(a, v128.load(q)));
          n0 = f32x4.pmax(n0, f32x4.mul(a, v128.load(q, 16)));
          p1 = f32x4.pmax(p1, f32x4.mul(a, v128.load(q, 32)));
          n1 = f32x4.pmax(n1, f32x4.mul(a, v128.load(q, 48)));
          p2 = f32x4.pmax(p2, f32x4.mul(a, v128.load(q, 64)));
          n2 = f32x4.pmax(n2, f32x4.mul(a, v128.load(q, 80)));
          p3 = f32x4.pmax(p3, f32x4.mul(a, v128.load(q, 96)));
          n3 = f32x4.pmax(n3, f32x4.mul(a, v128.load(q, 112)));
        }
      }
      flush4(wr, row, p0, n0, scale);
      flush4(wr + 32, row + 16, p1, n1, scale);
      flush4(wr + 64, row + 32, p2, n2, scale);
      flush4(wr + 96, row + 48, p3, n3, scale);
    }
  }
}

/** block16 for the last outsP % 16 outputs, four at a time. */
function block4(
  lists: usize,
  cap: i32,
  cnt: usize,
  seg: usize,
  points: i32,
  mean: i32,
  scale: v128,
  vb: usize,
  wpm: usize,
  m: usize,
  fanIn: i32,
  outsP: i32,
  ib: i32,
): void {
  const z = f32x4.splat(0);
  const parts = mean != 0 ? points : 1;
  const wb = wpm + <usize>ib * <usize>fanIn * 8;
  for (let j = 0; j < fanIn; j++) {
    const list = lists + ((<usize>j * <usize>cap) << 3);
    const row = m + ((<usize>(j * outsP + ib)) << 2);
    const wr = wb + ((<usize>j) << 5);
    for (let k = 0; k < parts; k++) {
      let from = 0;
      let to = load<i32>(cnt + ((<usize>j) << 2));
      if (mean != 0) {
        const sp = seg + ((<usize>j * <usize>(points + 1) + <usize>k) << 2);
        from = load<i32>(sp);
        to = load<i32>(sp, 4);
        if (from == to) continue;
      }
      let p0 = z,
        n0 = z;
      const end = list + ((<usize>to) << 3);
      let e = list + ((<usize>from) << 3);
      if (mean != 0) {
        for (; e < end; e += 8) {
          const q = vb + ((<usize>load<i32>(e)) >> 2);
          const a = v128.load32_splat(e, 4);
          p0 = f32x4.add(p0, f32x4.mul(a, v128.load(q)));
          n0 = f32x4.add(n0, f32x4.mul(a, v128.load(q, 16)));
        }
      } else {
        for (; e < end; e += 8) {
          const q = vb + ((<usize>load<i32>(e)) >> 2);
          const a = v128.load32_splat(e, 4);
          p0 = f32x4.pmax(p0, f32x4.mul(a, v128.load(q)));
          n0 = f32x4.pmax(n0, f32x4.mul(a, v128.load(q, 16)));
        }
      }
      flush4(wr, row, p0, n0, scale);
    }
  }
}

/**
 * m = max(m, |w| * R(a * V)) over one block of rows, R the max over rows (mean == 0) or, per point,
 * the sum over its rows times `invPositions` (mean != 0), then the max over points.
 */
export function maxTimes(
  lists: usize,
  cap: i32,
  cnt: usize,
  seg: usize,
  points: i32,
  mean: i32,
  invPositions: f32,
  v: usize,
  wpm: usize,
  m: usize,
  fanIn: i32,
  outsP: i32,
): void {
  const scale = f32x4.splat(mean != 0 ? invPositions : 1);
  let ib = 0;
  for (; ib + 16 <= outsP; ib += 16) {
    block16(
      lists,
      cap,
      cnt,
      seg,
      points,
      mean,
      scale,
      v + <usize>ib * <usize>cap * 8,
      wpm,
      m,
      fanIn,
      outsP,
      ib,
    );
  }
  for (; ib < outsP; ib += 4) {
    block4(
      lists,
      cap,
      cnt,
      seg,
      points,
      mean,
      scale,
      v + <usize>ib * <usize>cap * 8,
      wpm,
      m,
      fanIn,
      outsP,
      ib,
    );
  }
}
