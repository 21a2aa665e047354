#!/usr/bin/env node
'use strict';
// The CLI runs the compiled code: `npm run build` first (npm ci && npm run build; README, "The mfabot command").
let cli;
try {
  cli = require('../dist/cli.js');
} catch (err) {
  if (err && err.code === 'MODULE_NOT_FOUND') {
    process.stderr.write('mfabot: not built yet; run `npm run build` first\n');
    process.exit(2);
  }
  throw err;
}
cli.main(process.argv.slice(2));
