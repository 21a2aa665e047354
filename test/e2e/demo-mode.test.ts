/**
 * Demo mode has no Bot Framework authentication, so it must never reach a real tenant, and nothing but
 * a page it served (or a Bot Framework client on this machine) may drive it.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import path from 'node:path';
import { startMfaBot, type RunningBot } from '../../src/index';
import { startFakeConnector, type FakeConnector } from '../support/connector';
import { cardAction } from '../support/activities';
import { startPlayground, type Playground } from '../../src/playground';

const ROOT = path.resolve(__dirname, '../..');
const FIXTURE = path.join(__dirname, '..', 'fixtures', 'fabrikam.json');
const TENANT = 'f1b2c3d4-0000-4000-8000-00000000fab1';
const APPROVER = 'a0000000-0000-4000-8000-0000000000a1';

/** Runs the production entry point with exactly `env` and waits for it to exit (or to listen). */
function runEntry(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--disable-warning=DEP0111', '--require', 'tsx/cjs', 'src/index.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: '0', SIM_PORT: '0', PLAYGROUND_PORT: '0', MFABOT_STORAGE: 'memory', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += String(c);
      // Started anyway: that is the failure this test looks for, so stop it and report.
      if (stdout.includes('MfaBot listening')) child.kill('SIGKILL');
    });
    child.stderr.on('data', (c: Buffer) => { stderr += String(c); });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A raw HTTP request, so the Host header and the body are exactly what a browser could send. */
function rawPost(url: string, opts: { host?: string; contentType: string; body: string; path?: string }): Promise<{ status: number; body: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({
      host: u.hostname, port: u.port, method: 'POST', path: opts.path ?? '/api/messages',
      headers: { host: opts.host ?? u.host, 'content-type': opts.contentType, 'content-length': Buffer.byteLength(opts.body) },
    }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => { body += String(c); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

describe('demo mode never reaches a real tenant', () => {
  const graphSecret = 'demo-must-not-use-this-secret';
  const cases: [string, Record<string, string>, string[]][] = [
    ['Microsoft Graph with a client secret', {
      MFABOT_GRAPH_URL: 'https://graph.microsoft.com', MicrosoftAppTenantId: TENANT,
      MFABOT_GRAPH_CLIENT_ID: '11111111-2222-4333-8444-555555555555', MFABOT_GRAPH_CLIENT_SECRET: graphSecret,
    }, ['MFABOT_GRAPH_CLIENT_ID', 'MFABOT_GRAPH_CLIENT_SECRET', 'MFABOT_GRAPH_URL']],
    ['the bot password reused for Graph', { MicrosoftAppPassword: graphSecret, MicrosoftAppTenantId: TENANT }, ['MicrosoftAppPassword']],
    ['a managed identity', { MFABOT_GRAPH_MANAGED_IDENTITY: 'system', MicrosoftAppTenantId: TENANT }, ['MFABOT_GRAPH_MANAGED_IDENTITY']],
    ['a certificate', { MFABOT_GRAPH_CERTIFICATE_PATH: '/etc/mfabot/graph.pem', MFABOT_GRAPH_CLIENT_ID: '11111111-2222-4333-8444-555555555555', MicrosoftAppTenantId: TENANT }, ['MFABOT_GRAPH_CERTIFICATE_PATH']],
    ['a Graph URL that is not loopback', { MFABOT_GRAPH_URL: 'https://graph.contoso.example' }, ['MFABOT_GRAPH_URL']],
  ];

  for (const [what, env, named] of cases) {
    it(`refuses to start without MicrosoftAppId given ${what}, in one line naming the settings`, async () => {
      await assert.rejects(startMfaBot({ PORT: '0', SIM_PORT: '0', MFABOT_STORAGE: 'memory', ...env }), (err: Error) => {
        assert.equal(err.message.split('\n').length, 1, err.message);
        for (const key of ['MicrosoftAppId', 'MicrosoftAppTenantId', ...named]) assert.ok(err.message.includes(key), `names ${key}: ${err.message}`);
        assert.ok(!err.message.includes(graphSecret), 'the secret is not echoed');
        return true;
      });
    });
  }

  it('as a process, exits with that one line on stderr and never listens', async function () {
    this.timeout(60_000);
    const [, env] = cases[0] ?? [];
    const run = await runEntry(env ?? {});
    assert.notEqual(run.code, 0, 'the process must fail');
    assert.ok(!run.stdout.includes('MfaBot listening'), 'it must not listen');
    assert.ok(!run.stdout.includes('demo mode on the simulated tenant'), 'it must not claim to be a demo');
    const lines = run.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `one line on stderr, got:\n${run.stderr}`);
    assert.match(lines[0] ?? '', /MicrosoftAppId.*MFABOT_GRAPH_URL/);
    assert.ok(!run.stderr.includes(graphSecret));
  });

  it('still runs the demo on a simulator given by a loopback URL', async () => {
    const bot = await startMfaBot({ PORT: '0', SIM_PORT: '0', MFABOT_STORAGE: 'memory', MFABOT_TENANT_FILE: FIXTURE });
    try {
      assert.equal(bot.config.demo, true);
      assert.ok(bot.simulator, 'the demo started its own simulator');
    } finally {
      await bot.close();
    }
  });
});

describe('demo mode answers only JSON from loopback', () => {
  let bot: RunningBot;
  let connector: FakeConnector;
  let playground: Playground;

  before(async () => {
    connector = await startFakeConnector();
    bot = await startMfaBot({ PORT: '0', SIM_PORT: '0', MFABOT_STORAGE: 'memory', MFABOT_TENANT_FILE: FIXTURE, MFABOT_APPROVERS: APPROVER, LOG_LEVEL: 'silent' });
    const simulator = bot.simulator;
    assert.ok(simulator);
    playground = await startPlayground({
      botUrl: bot.url, simulator, tenantId: TENANT, approverIds: [APPROVER], approverGroupId: null, roleIds: bot.config.roleIds, port: 0, host: '127.0.0.1',
    });
  });

  after(async () => {
    await playground?.close();
    await bot?.close();
    await connector?.close();
  });

  const policyCount = () => bot.simulator?.state.conditionalAccessPolicies.length ?? -1;
  const createPolicy = () => cardAction('policy.create', {}, { serviceUrl: connector.url, tenantId: TENANT, fromAadObjectId: APPROVER, fromName: 'Approver' });

  it('refuses an HTML form that would create the policy (urlencoded, nested keys)', async () => {
    const before = policyCount();
    const a = createPolicy();
    const form = new URLSearchParams({
      type: 'invoke', name: 'adaptiveCard/action', channelId: 'msteams', serviceUrl: a.serviceUrl, id: a.id, replyToId: a.replyToId,
      'from[id]': a.from.id, 'from[aadObjectId]': APPROVER, 'recipient[id]': a.recipient.id,
      'conversation[id]': a.conversation.id, 'conversation[tenantId]': TENANT, 'channelData[tenant][id]': TENANT,
      'value[action][type]': 'Action.Execute', 'value[action][verb]': 'policy.create', 'value[trigger]': 'manual',
    }).toString();
    const res = await rawPost(bot.url, { contentType: 'application/x-www-form-urlencoded', body: form });
    assert.equal(res.status, 415);
    assert.equal(policyCount(), before, 'no policy was created');
  });

  for (const contentType of ['text/plain', 'multipart/form-data; boundary=x', 'application/x-json', 'application/merge-patch+json']) {
    it(`refuses ${contentType} even when the body is the JSON of a real click`, async () => {
      const before = policyCount();
      const res = await rawPost(bot.url, { contentType, body: JSON.stringify(createPolicy()) });
      assert.equal(res.status, 415);
      assert.equal(policyCount(), before);
    });
  }

  it('refuses a request addressed to a name that is not loopback (DNS rebinding)', async () => {
    const before = policyCount();
    const res = await rawPost(bot.url, { host: `attacker.example:${new URL(bot.url).port}`, contentType: 'application/json', body: JSON.stringify(createPolicy()) });
    assert.equal(res.status, 403);
    assert.equal(policyCount(), before);
  });

  it('serves JSON addressed to localhost, as the Bot Framework Emulator sends it', async () => {
    const activity = cardAction('status.refresh', {}, { serviceUrl: connector.url, tenantId: TENANT });
    const res = await rawPost(bot.url, { host: `localhost:${new URL(bot.url).port}`, contentType: 'application/json; charset=utf-8', body: JSON.stringify(activity) });
    assert.equal(res.status, 200);
  });

  it('the playground refuses forms and foreign Host names too', async () => {
    const url = playground.url.replace(/\/$/, '');
    const body = JSON.stringify({ as: APPROVER, conversationId: 'x', text: 'status' });
    assert.equal((await rawPost(url, { path: '/api/activities', contentType: 'text/plain', body })).status, 415);
    assert.equal((await rawPost(url, { path: '/api/activities', host: 'attacker.example', contentType: 'application/json', body })).status, 403);
    assert.equal((await rawPost(url, { path: `/api/users/${APPROVER}/register`, contentType: 'application/x-www-form-urlencoded', body: '' })).status, 415);
  });
});
