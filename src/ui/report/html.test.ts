import { describe, expect, it } from 'vitest';
import { FP_A, sampleRecord } from '../../test-support/run-record';
import { compareReportHtml, runReportHtml } from './html';
import { standaloneSvg } from './svg';

/** Anything a browser would fetch: a URL with a scheme, or src/href attributes at all. */
function fetches(html: string): string[] {
  return [
    ...(html.match(/https?:\/\/[^\s"'<>)]*/g) ?? []),
    ...(html.match(/<script\b[^>]*>/gi) ?? []),
    ...(html.match(/\s(src|href|xlink:href)\s*=/gi) ?? []),
    ...(html.match(/url\(/gi) ?? []),
    ...(html.match(/@import/gi) ?? []),
  ];
}

describe('HTML report', () => {
  it("holds the run's numbers and nothing to fetch", () => {
    const r = sampleRecord({ name: 'SiPP <90 %> & co' });
    const html = runReportHtml(r, '2026-12-02T12:00:00.000Z');
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(fetches(html)).toEqual([]);
    expect(html).toContain('SiPP &lt;90 %&gt; &amp; co');
    expect(html).toContain('<span data-metric="accuracy">66.67 %</span>');
    expect(html).toContain('<span data-metric="dense">83.33 %</span>');
    expect(html).toContain('<span data-metric="achieved">90.01 %</span>');
    expect(html).toContain(FP_A);
    // The per-class row of class 8 (50 points lost) and where its sample went (8 -> 9).
    expect(html).toMatch(
      /<td>8<\/td><td class="num">2<\/td><td class="num">100.0 %<\/td><td class="num">50.0 %<\/td><td class="num"><span class="bad">−50.0 pt<\/span>/,
    );
    expect(html).toMatch(/<td>8<\/td><td>9<\/td><td class="num">1<\/td>/);
    expect((html.match(/<svg /g) ?? []).length).toBe(3);
  });

  it('a comparison holds both runs and their disagreements', () => {
    const a = sampleRecord();
    const b = sampleRecord({ id: 'run-2', name: 'WT 90 %', metrics: { ...a.metrics, accuracy: 0.5 } });
    const html = compareReportHtml([a, b], [1, 4]);
    expect(fetches(html)).toEqual([]);
    expect(html).toContain('WT 90 %');
    expect(html).toContain('50.00 %');
    expect(html).toContain('disagree on 2 of 6 evaluation points: 1, 4');
  });

  it('a standalone SVG file declares its namespace', () => {
    expect(standaloneSvg('<svg viewBox="0 0 1 1"></svg>')).toContain(
      '<svg xmlns="http://www.w3.org/2000/svg" viewBox',
    );
  });
});
