import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FileStore } from '../../src/store/fileStore';
import { readOne, updateOne } from '../../src/store/kv';
import { AuditLog } from '../../src/store/audit';

const ROOT = path.resolve(__dirname, '../..');

describe('FileStore survives kill -9 in the middle of writing', () => {
  it('keeps every acknowledged write and no corrupt item after a crash and restart', async function () {
    this.timeout(60_000);
    const dir = mkdtempSync(path.join(tmpdir(), 'mfabot-crash-'));
    const script = path.join(dir, '..', `crash-writer-${path.basename(dir)}.ts`);
    // The child writes big items in a tight loop and reports each write the store acknowledged.
    writeFileSync(script, [
      `const { FileStore } = require(${JSON.stringify(path.join(ROOT, 'src/store/fileStore'))});`,
      `const { updateOne } = require(${JSON.stringify(path.join(ROOT, 'src/store/kv'))});`,
      `const { AuditLog } = require(${JSON.stringify(path.join(ROOT, 'src/store/audit'))});`,
      // Default options, as the bot runs: a lock left by the previous crash names a process that is gone.
      'const store = new FileStore(process.argv[2]);',
      'const audit = new AuditLog(store);',
      "const filler = 'x'.repeat(200000);",
      '(async () => {',
      '  for (let i = 1; ; i++) {',
      "    await updateOne(store, 'counter', () => ({ n: i, filler }));",
      "    await audit.append({ at: new Date().toISOString(), actor: { id: 'crash-test', name: 'crash test' }, action: 'write', result: 'ok', detail: String(i) });",
      "    process.stdout.write(`${i}\\n`);",
      '  }',
      '})();',
    ].join('\n'));

    // Several crashes at random points of the write loop, each followed by a restart check.
    let counter: { n: number; filler: string } | undefined;
    let acknowledged = 0;
    for (let round = 0; round < 3; round++) {
      const child = spawn(process.execPath, ['--require', 'tsx/cjs', script, dir], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
      let seen = 0;
      child.stdout.on('data', (chunk: Buffer) => {
        const last = chunk.toString().trim().split('\n').pop();
        if (last) seen = Number(last);
      });
      let gone = false;
      const exited = new Promise<void>((resolve) => child.once('exit', () => { gone = true; resolve(); }));
      const target = 10 + Math.floor(Math.random() * 20);
      while (seen < target && !gone) await new Promise((r) => setTimeout(r, 2));
      assert.ok(!gone, 'the writer was still running when killed');
      child.kill('SIGKILL');
      await exited;
      acknowledged = seen;

      const store = new FileStore(dir);
      counter = await readOne<{ n: number; filler: string }>(store, 'counter');
      assert.ok(counter, 'the item is still there');
      assert.ok(counter.n >= acknowledged, `acknowledged write ${acknowledged} was kept (found ${counter.n})`);
      assert.equal(counter.filler.length, 200000, 'the item is complete, not torn');
    }
    assert.ok(counter);
    const store = new FileStore(dir);
    const entries = await new AuditLog(store).latest(1000);
    assert.ok(entries.length >= 30, `the acknowledged audit entries of every round are kept (${entries.length})`);

    // The store keeps working after the crash, even if the child died holding a lock.
    await updateOne<{ n: number; filler: string }>(store, 'counter', (c) => ({ n: (c?.n ?? 0) + 1, filler: 'y' }));
    assert.equal((await readOne<{ n: number }>(store, 'counter'))?.n, counter.n + 1);
  });
});
