#!/usr/bin/env node
// The CLI is TypeScript run through tsx, so `npm run cli` and the `sipp-studio` bin share one entry.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
