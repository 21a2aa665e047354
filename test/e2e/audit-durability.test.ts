/**
 * No change to Conditional Access goes unaudited: not after a crash left the audit log locked, and not
 * when the audit log cannot be written at all (then the change is not made).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { startSimulator, type Simulator } from '../../src/sim/server';
import { demoTenant } from '../../src/sim/demo';
import { fileNameForKey } from '../../src/store/fileStore';
import { startFakeConnector, type FakeConnector } from '../support/connector';
import { killAll, startBotProcess } from '../support/botProcess';
import { message, post, type ActivityOptions } from '../support/activities';
import { attachedCard, cardText } from '../support/cards';
import { MEGAN, POLICIES_PATH, TENANT, click, demoBotEnv } from './processHarness';

const ROOT = path.resolve(__dirname, '../..');

/** Appends audit entries in a loop in another process, and kills it (-9) in the middle of the loop. */
async function crashWhileAuditing(dir: string): Promise<number> {
  const script = path.join(dir, '..', `audit-writer-${path.basename(dir)}.ts`);
  writeFileSync(script, [
    `const { FileStore } = require(${JSON.stringify(path.join(ROOT, 'src/store/fileStore'))});`,
    `const { AuditLog } = require(${JSON.stringify(path.join(ROOT, 'src/store/audit'))});`,
    'const audit = new AuditLog(new FileStore(process.argv[2]), { pageSize: 5 });',
    '(async () => {',
    '  for (let i = 1; ; i++) {',
    "    await audit.append({ at: new Date().toISOString(), actor: { id: 'x', name: 'writer' }, action: 'write', result: 'ok', detail: String(i) });",
    "    process.stdout.write(`${i}\\n`);",
    '  }',
    '})();',
  ].join('\n'));
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', script, dir], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let seen = 0;
  child.stdout.on('data', (chunk: Buffer) => { seen = Number(chunk.toString().trim().split('\n').pop() ?? seen); });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  while (seen < 12) await new Promise((r) => setTimeout(r, 5));
  child.kill('SIGKILL');
  await exited;
  assert.ok(child.pid);
  return child.pid;
}

describe('the audit log of Conditional Access changes survives a crash (bot process, file store, kill -9)', function () {
  this.timeout(60_000);
  let sim: Simulator;
  let connector: FakeConnector;

  before(async () => {
    connector = await startFakeConnector();
    sim = await startSimulator({ tenant: demoTenant(), port: 0, host: '127.0.0.1' });
  });
  after(async () => {
    await killAll();
    await sim?.close();
    await connector?.close();
  });

  it('creates the policy and audits it at once, although the killed writer left the audit page locked', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mfabot-audit-crash-'));
    const pid = await crashWhileAuditing(dir);
    // Whatever instant the kill hit, the state the review found: the page being filled is locked by the dead writer.
    const head = JSON.parse(readFileSync(path.join(dir, fileNameForKey('audit/head')), 'utf8')) as { item: { page: number } };
    writeFileSync(path.join(dir, `${fileNameForKey(`audit/page/${head.item.page}`)}.lock`), `${pid}\n${hostname()}\nkilled\n${randomUUID()}\n`);

    const bot = await startBotProcess(demoBotEnv(sim.url, { MFABOT_STORAGE: 'file', MFABOT_DATA_DIR: dir }));
    const as: ActivityOptions = { serviceUrl: connector.url, tenantId: TENANT, conversationId: `19:${randomUUID()}@thread.tacv2`, fromAadObjectId: MEGAN, fromName: 'Megan Bowen' };
    const answer = await click(bot.url, 'policy.create', {}, as);
    assert.match(answer.text, /^Created: Conditional Access policy/m);
    assert.equal(sim.requests().filter((r) => r.method === 'POST' && r.path === POLICIES_PATH).length, 1);
    assert.ok(!bot.logs().some((l) => l.msg === 'could not append to the audit log'), 'no audit entry was lost');

    await post(bot.url, message('audit', as));
    const reply = await connector.waitFor((a) => a.conversationId === as.conversationId && attachedCard(a.body) !== undefined && cardText(attachedCard(a.body)).startsWith('Audit log'));
    const audit = cardText(attachedCard(reply.body));
    assert.match(audit, /policy\.create[\s\S]*created/, audit);
    assert.match(audit, /policy\.create[\s\S]*intent/, 'the intent was recorded before the write');
    await bot.stop();
  });
});
