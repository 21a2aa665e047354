#!/usr/bin/env node
'use strict';
/**
 * Runs every test suite with mocha's spec reporter, then prints the totals as one line,
 * "N passed, N failed", which CI reads. Usage: npm test [-- --grep PATTERN] [-- FILES or FOLDERS...]
 */
require('tsx/cjs');
const path = require('node:path');
const fs = require('node:fs');
const { Mocha } = require('mocha');

const args = process.argv.slice(2);
let grep;
const files = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--grep' || args[i] === '-g') grep = args[++i];
  else files.push(args[i]);
}

function collect(dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...collect(full));
    else if (entry.name.endsWith('.test.ts')) out.push(full);
  }
  return out;
}

const root = path.resolve(__dirname, '..');
const mocha = new Mocha({ reporter: 'spec', timeout: 20000, grep });
// A folder given on the command line stands for every test file under it.
const expand = (f) => (fs.statSync(path.resolve(f)).isDirectory() ? collect(path.resolve(f)).sort() : [path.resolve(f)]);
const selected = files.length > 0 ? files.flatMap(expand) : collect(path.join(root, 'test')).sort();
for (const f of selected) mocha.addFile(f);

let passed = 0;
let failed = 0;
let pending = 0;
mocha.loadFilesAsync().then(
  () => {
    const runner = mocha.run((failures) => {
      process.stdout.write(`\n${passed} passed, ${failed} failed${pending ? `, ${pending} skipped` : ''}\n`);
      process.exitCode = failures > 0 || passed === 0 ? 1 : 0;
      // Servers left open by a failing test must not keep CI waiting.
      setTimeout(() => process.exit(process.exitCode), 500).unref();
    });
    runner.on('pass', () => passed++);
    runner.on('fail', () => failed++);
    runner.on('pending', () => pending++);
  },
  (err) => {
    process.stderr.write(`${err && err.stack ? err.stack : err}\n`);
    process.stdout.write('\n0 passed, 1 failed\n');
    process.exit(1);
  },
);
