// Bench page: filled in by the benchmark worker (see scripts/bench/browser.ts).
export {};
