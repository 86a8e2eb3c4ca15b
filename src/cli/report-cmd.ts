// `report`: what a pruned model does differently from the original, class by class, on the
// evaluation points of the batch (the samples after the sensitivity points, as every command
// splits them): per-class accuracy of both, where the lost samples went, and the flipped indices.
import { writeFileSync } from 'node:fs';
import { SippError } from '../core';
import { classReport } from '../core/evaluate/per-class';
import { predictTop } from '../core/evaluate/confidence';
import { flipRows } from '../core/evaluate/flips';
import { runReportHtml } from '../ui/report/html';
import { disposeModel } from '../core/model/clone';
import { loadModel } from '../core/model/load';
import { samplesPerChunk } from '../core/memory/chunks';
import { open, sessionFacts, Timer, type CommonArgs } from './commands';
import { readBatchFiles, readModelFiles } from './files';
import { cliRecord } from './report-record';

export async function runClassReport(args: CommonArgs & { pruned: string; html?: string }) {
  const timer = new Timer();
  const { backend, loaded, batch, session, notices } = await open(args, timer);
  const pruned = await timer.time('loadPruned', () => loadModel(readModelFiles(args.pruned)));
  try {
    const a = JSON.stringify(loaded.model.inputs[0].shape);
    const b = JSON.stringify(pruned.model.inputs[0].shape);
    const classesA = loaded.model.outputs[0].shape.at(-1);
    const classesB = pruned.model.outputs[0].shape.at(-1);
    if (a !== b || classesA !== classesB)
      throw new SippError(
        'report-mismatch',
        `${args.pruned}: input ${b} and ${classesB} classes do not match the original's input ${a} and ${classesA} classes`,
      );
    const per = batch.xShape.slice(1);
    const size = per.reduce((x, y) => x * y, 1);
    const points = session.points;
    const evalX = { data: batch.x.subarray(points * size), shape: [session.evalPoints, ...per] };
    const denseTop = await timer.time('predictDense', () =>
      predictTop(loaded.model, evalX, samplesPerChunk(loaded.model)),
    );
    const prunedTop = await timer.time('predictPruned', () =>
      predictTop(pruned.model, evalX, samplesPerChunk(pruned.model)),
    );
    const denseCls = denseTop.classes;
    const prunedCls = prunedTop.classes;
    const r = classReport(denseCls, prunedCls, session.evalY, session.info.numClasses);
    const acc = (cls: Int32Array) => {
      const ref = session.evalY ?? denseCls;
      return cls.reduce((s, c, i) => s + (c === ref[i] ? 1 : 0), 0) / cls.length;
    };
    const numClasses = session.info.numClasses;
    const agreement = denseCls.reduce((s, c, i) => s + (c === prunedCls[i] ? 1 : 0), 0) / denseCls.length;
    let html: { path: string; bytes: number } | null = null;
    if (args.html) {
      const flips = flipRows(
        denseCls,
        denseTop.confidence,
        prunedCls,
        prunedTop.confidence,
        session.evalY,
        numClasses,
      );
      const record = cliRecord({
        modelPath: args.model,
        prunedPath: args.pruned,
        prunedFiles: readModelFiles(args.pruned),
        modelFiles: readModelFiles(args.model),
        batchFiles: readBatchFiles(args.batch),
        batchSource: args.batch,
        pruned: pruned.model,
        dense: loaded.model,
        points,
        evalPoints: session.evalPoints,
        labelled: session.evalY !== null,
        numClasses,
        accuracyDense: session.evalY ? acc(denseCls) : null,
        accuracyPruned: session.evalY ? acc(prunedCls) : null,
        agreement,
        report: r,
        flips,
        predictions: prunedCls,
      });
      const text = runReportHtml(record);
      writeFileSync(args.html, text);
      html = { path: args.html, bytes: Buffer.byteLength(text) };
    }
    return {
      command: 'report',
      model: args.model,
      pruned: args.pruned,
      accuracyDense: session.evalY ? acc(denseCls) : null,
      accuracyPruned: session.evalY ? acc(prunedCls) : null,
      agreement,
      classes: r.classes,
      shifts: r.shifts,
      // Indices into the evaluation points; add `points` for the index in the batch.
      flipped: { lost: [...r.lost], gained: [...r.gained], changed: [...r.changed] },
      ...sessionFacts(session),
      notices: [...notices, ...pruned.notices],
      html,
      timingsMs: timer.ms,
      backend: backend.name,
    };
  } finally {
    session.dispose();
    disposeModel(pruned.model);
  }
}
