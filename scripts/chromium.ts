// How this project launches Debian's Chromium (Playwright cannot download browsers here): shared by
// the end-to-end tests and the browser benchmark so both run the same browser the same way.
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** WebGPU on (SwiftShader when there is no GPU), and quiet on a closed network. */
export const CHROMIUM_ARGS = [
  '--enable-unsafe-webgpu',
  '--no-sandbox',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
