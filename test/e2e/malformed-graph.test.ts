/**
 * Graph answers that are not what Graph sends (a proxy's HTML page, a truncated body, a `$batch` with
 * null items) reach a real bot process through a corrupting proxy in front of the simulator. Each one
 * must end in a clear answer in Teams and a log line, never in a crashed process or an unhandled rejection.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startSimulator, type Simulator } from '../../src/sim/server';
import { demoTenant } from '../../src/sim/demo';
import { startFakeConnector, type FakeConnector } from '../support/connector';
import { killAll, startBotProcess, type BotProcess } from '../support/botProcess';
import type { ActivityOptions } from '../support/activities';
import { MEGAN, TENANT, click, demoBotEnv } from './processHarness';

interface Corruption {
  /** Which requests get the malformed answer: `$batch` POSTs, or every plain GET. */
  target: 'batch' | 'get';
  body: string;
  contentType?: string;
}

const JSON_TYPE = 'application/json; charset=utf-8';
const HTML = '<html><body><h1>502 Bad Gateway</h1></body></html>';

const CASES: [string, Corruption][] = [
  ['a $batch whose responses hold null', { target: 'batch', body: '{"responses":[null]}' }],
  ['a $batch whose responses are null', { target: 'batch', body: '{"responses":null}' }],
  ['a $batch whose responses are a string', { target: 'batch', body: '{"responses":"yes"}' }],
  ['a $batch item without a status', { target: 'batch', body: '{"responses":[{"id":"1"},{"id":"2"}]}' }],
  ['a $batch item whose status is a string', { target: 'batch', body: '{"responses":[{"id":"1","status":"200","body":{}}]}' }],
  ['$batch items whose bodies are HTML and null', { target: 'batch', body: '{"responses":[{"id":"1","status":200,"body":"<html>"},{"id":"2","status":200,"body":null}]}' }],
  ['a $batch item with headers that are a string and a page without a list', { target: 'batch', body: '{"responses":[{"id":"1","status":200,"headers":"x","body":{"value":null}},{"id":"2","status":429,"headers":[1],"body":{}}]}' }],
  ['a $batch answer that is null', { target: 'batch', body: 'null' }],
  ['a $batch answer that is a list', { target: 'batch', body: '[]' }],
  ['a $batch answer that is an empty object', { target: 'batch', body: '{}' }],
  ['a $batch answer that is HTML', { target: 'batch', body: HTML, contentType: 'text/html' }],
  ['a truncated $batch answer', { target: 'batch', body: '{"responses":[{"id":"1",' }],
  ['an empty $batch answer', { target: 'batch', body: '' }],
  ['pages whose value is null', { target: 'get', body: '{"value":null}' }],
  ['pages whose value is a string', { target: 'get', body: '{"value":"x"}' }],
  ['pages with items that are not objects', { target: 'get', body: '{"value":[null,1,"x"]}' }],
  ['pages with a numeric nextLink', { target: 'get', body: '{"value":[],"@odata.nextLink":42}' }],
  ['pages with a nextLink to another host', { target: 'get', body: '{"value":[],"@odata.nextLink":"https://attacker.example/v1.0/users"}' }],
  ['pages with items of no known shape', { target: 'get', body: '{"value":[{},{"id":7},{"principal":null}]}' }],
  ['GETs answered with null', { target: 'get', body: 'null' }],
  ['GETs answered with a list', { target: 'get', body: '[{"id":"x"}]' }],
  ['GETs answered with a JSON string', { target: 'get', body: '"ok"' }],
  ['GETs answered with HTML', { target: 'get', body: HTML, contentType: 'text/html' }],
  ['GETs answered with truncated JSON', { target: 'get', body: '{"value":[{"id":' }],
  ['GETs answered with nothing', { target: 'get', body: '' }],
];

/** Forwards every request to the simulator, except the ones the current corruption answers itself. */
async function startCorruptingProxy(upstream: string): Promise<{ url: string; set(c: Corruption | null): void; close(): Promise<void> }> {
  let corruption: Corruption | null = null;
  const target = new URL(upstream);
  const server: Server = createServer((req, res) => {
    const isBatch = req.method === 'POST' && (req.url ?? '').includes('/$batch');
    const isGet = req.method === 'GET' && (req.url ?? '').startsWith('/v1.0/');
    if (corruption && ((corruption.target === 'batch' && isBatch) || (corruption.target === 'get' && isGet))) {
      req.resume();
      res.writeHead(200, { 'content-type': corruption.contentType ?? JSON_TYPE, 'request-id': randomUUID() });
      res.end(corruption.body);
      return;
    }
    const forward = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    forward.on('error', () => { res.writeHead(502); res.end(); });
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    set: (c) => { corruption = c; },
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

describe('malformed Graph answers never crash the bot (bot process, corrupting proxy)', function () {
  this.timeout(60_000);
  let sim: Simulator;
  let connector: FakeConnector;
  let proxy: Awaited<ReturnType<typeof startCorruptingProxy>>;
  let bot: BotProcess;
  let as: ActivityOptions;
  let exited = false;

  before(async () => {
    connector = await startFakeConnector();
    sim = await startSimulator({ tenant: demoTenant(), port: 0, host: '127.0.0.1' });
    proxy = await startCorruptingProxy(sim.url);
    bot = await startBotProcess(demoBotEnv(proxy.url, { MFABOT_STORAGE: 'memory', MFABOT_GRAPH_MAX_RETRIES: '0' }));
    void bot.exited.then(() => { exited = true; });
    as = { serviceUrl: connector.url, tenantId: TENANT, conversationId: `19:${randomUUID()}@thread.tacv2`, fromAadObjectId: MEGAN, fromName: 'Megan Bowen' };
  });
  after(async () => {
    await killAll();
    await proxy?.close();
    await sim?.close();
    await connector?.close();
  });
  afterEach(() => proxy.set(null));

  for (const [what, corruption] of CASES) {
    it(`answers a status refresh clearly when Graph sends ${what}, and stays up`, async () => {
      const logged = bot.logs().length;
      proxy.set(corruption);
      const answer = await click(bot.url, 'status.refresh', {}, as);
      assert.equal(answer.status, 200);
      assert.ok(answer.text.trim().length > 0, 'the clicker sees an answer');
      proxy.set(null);
      assert.equal(exited, false, 'the process is still running');
      assert.equal((await fetch(`${bot.url}/healthz`)).status, 200);
      if (/could not read/i.test(answer.text)) {
        assert.ok(bot.logs().slice(logged).some((l) => (l.level ?? 0) >= 40), 'the failure was logged');
      }
    });
  }

  it('serves a full status again once Graph answers properly, and no rejection ever went unhandled', async () => {
    const answer = await click(bot.url, 'status.refresh', {}, as);
    assert.match(answer.text, /admins are registered for MFA/);
    const last = bot.logs().filter((l) => /unhandled rejection|uncaught exception/.test(String(l.msg)));
    assert.deepEqual(last, []);
  });
});

describe('the process-level guard', function () {
  this.timeout(30_000);
  after(() => killAll());

  it('logs a rejection and an exception nobody handled, and keeps serving', async () => {
    const sim = await startSimulator({ tenant: demoTenant(), port: 0, host: '127.0.0.1' });
    try {
      const bot = await startBotProcess(demoBotEnv(sim.url, { MFABOT_STORAGE: 'memory', MFABOT_TEST_UNHANDLED: '1' }), { entry: 'test/support/botMain.ts' });
      await bot.waitForLog((l) => l.msg === 'unhandled rejection: MfaBot keeps serving');
      await bot.waitForLog((l) => l.msg === 'uncaught exception: MfaBot keeps serving');
      assert.equal((await fetch(`${bot.url}/healthz`)).status, 200);
      await bot.stop();
    } finally {
      await sim.close();
    }
  });
});
