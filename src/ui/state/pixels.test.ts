import { describe, expect, it } from 'vitest';
import { toRgba, zoomFor } from './pixels';

describe('pixels', () => {
  it('grey: min to black, max to white, opaque', () => {
    const rgba = toRgba(Float32Array.from([0, 0.5, 1, 1]), 2, 2, 1);
    expect([...rgba.slice(0, 8)]).toEqual([0, 0, 0, 255, 128, 128, 128, 255]);
    expect(rgba[8]).toBe(255);
  });
  it('colour: channels last, stretched together', () => {
    const rgba = toRgba(Float32Array.from([-1, 0, 1]), 1, 1, 3);
    expect([...rgba]).toEqual([0, 128, 255, 255]);
  });
  it('a constant picture does not divide by zero', () => {
    expect([...toRgba(Float32Array.from([3, 3]), 1, 2, 1)]).toEqual([0, 0, 0, 255, 0, 0, 0, 255]);
  });
  it('whole-number zoom', () => {
    expect(zoomFor(28, 28)).toBe(3);
    expect(zoomFor(224, 224)).toBe(1);
  });
});
