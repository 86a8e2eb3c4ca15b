// The check issue 5 announces: `sensitivities --backend webgpu` compared with the float64 reference
// (src/test-support/cli-sensitivities.ts has the cases). Needs Dawn's SwiftShader here.
import { existsSync } from 'node:fs';
import { describe } from 'vitest';
import { cliSensitivityTests } from '../test-support/cli-sensitivities';
import { SWIFTSHADER_ICD } from '../test-support/webgpu-node';

describe.skipIf(!existsSync(SWIFTSHADER_ICD))(
  'cli sensitivities --backend webgpu vs the float64 reference',
  () => {
    cliSensitivityTests('webgpu', [{ kernel: 'webgpu-fused' }]);
  },
);
