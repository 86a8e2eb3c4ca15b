// npm run bench:report: rewrites BENCHMARKS.md's generated part from bench/results.json alone, e.g.
// after a memory run made without --report. Measures nothing.
import { writeReport } from './report';
import { readResults } from './results';

writeReport(readResults());
console.log('BENCHMARKS.md rewritten from bench/results.json');
