import assert from 'node:assert/strict';
import { demoTenant } from '../../src/sim/demo';
import { startSimulator } from '../../src/sim/server';
import { call, errorOf, withSim } from './helpers';

const ALEX = 'ac643316-47da-40f0-b2b8-10b985d45628';
const IRVIN = '4c157914-c397-413c-a8d3-d864919b9a57';
const REG = '/reports/authenticationMethods/userRegistrationDetails';

interface BatchItem {
  id: string;
  status: number;
  headers: Record<string, string>;
  body?: Record<string, unknown>;
}

function responses(reply: Awaited<ReturnType<typeof call>>): Map<string, BatchItem> {
  return new Map((reply.body.responses as BatchItem[]).map((r) => [r.id, r]));
}

describe('simulator $batch', () => {
  it('serves each item through the same router and answers 200 with per-item statuses', async () => {
    await withSim({ tenant: demoTenant() }, async (sim) => {
      const reply = await call(sim, '/$batch', {
        method: 'POST',
        body: { requests: [
          { id: '1', method: 'GET', url: `${REG}/${ALEX}` },
          { id: '2', method: 'GET', url: `${REG}/${IRVIN}` },
          { id: '3', method: 'GET', url: 'users?$top=2&$select=id' },
        ] },
      });
      assert.equal(reply.status, 200);
      const byId = responses(reply);
      assert.equal(byId.get('1')?.status, 200);
      assert.equal(byId.get('1')?.body?.isMfaRegistered, false);
      assert.equal(byId.get('2')?.status, 404);
      assert.equal((byId.get('2')?.body?.error as { code: string }).code, 'Request_ResourceNotFound');
      assert.match(String(byId.get('3')?.body?.['@odata.nextLink']), new RegExp(`^${sim.url}/v1.0/users\\?`), 'absolute nextLink');
      assert.deepEqual(sim.requests(), [{ method: 'POST', path: '/v1.0/$batch', status: 200, batch: 3 }]);
    });
  });

  it('rejects more than 20 requests, duplicate ids and bodies without Content-Type as a whole', async () => {
    await withSim({ tenant: demoTenant() }, async (sim) => {
      const many = Array.from({ length: 21 }, (_, i) => ({ id: String(i), method: 'GET', url: '/organization' }));
      assert.equal((await call(sim, '/$batch', { method: 'POST', body: { requests: many } })).status, 400);
      assert.equal((await call(sim, '/$batch', { method: 'POST', body: { requests: many.slice(0, 20) } })).status, 200, '20 is fine');
      const dup = [{ id: 'a', method: 'GET', url: '/organization' }, { id: 'a', method: 'GET', url: '/users' }];
      const dupReply = await call(sim, '/$batch', { method: 'POST', body: { requests: dup } });
      assert.equal(dupReply.status, 400);
      assert.match(errorOf(dupReply).message, /'a'/);
      const noType = [{ id: '1', method: 'POST', url: '/identity/conditionalAccess/policies', body: {} }];
      assert.equal((await call(sim, '/$batch', { method: 'POST', body: { requests: noType } })).status, 400);
      assert.equal((await call(sim, '/$batch', { method: 'POST', body: { requests: [] } })).status, 400);
    });
  });

  it('honours dependsOn: a failed dependency gives 424', async () => {
    await withSim({ tenant: demoTenant() }, async (sim) => {
      const reply = await call(sim, '/$batch', {
        method: 'POST',
        body: { requests: [
          { id: '1', method: 'GET', url: '/users/nobody' },
          { id: '2', method: 'GET', url: '/organization', dependsOn: ['1'] },
          { id: '3', method: 'GET', url: '/organization' },
          { id: '4', method: 'GET', url: '/subscribedSkus', dependsOn: ['3'] },
        ] },
      });
      const byId = responses(reply);
      assert.deepEqual([1, 2, 3, 4].map((i) => byId.get(String(i))?.status), [404, 424, 200, 200]);
      const cyclic = [{ id: '1', method: 'GET', url: '/organization', dependsOn: ['2'] }, { id: '2', method: 'GET', url: '/organization', dependsOn: ['1'] }];
      assert.equal((await call(sim, '/$batch', { method: 'POST', body: { requests: cyclic } })).status, 400);
    });
  });

  it('applies injected faults to inner requests one by one: a throttled item carries its own 429 and Retry-After', async () => {
    await withSim({ tenant: demoTenant() }, async (sim) => {
      sim.inject({ pathPattern: `^${REG}/${ALEX}$`, status: 429, retryAfterSeconds: 7 });
      const body = { requests: [{ id: '1', method: 'GET', url: `${REG}/${ALEX}` }, { id: '2', method: 'GET', url: '/organization' }] };
      const first = responses(await call(sim, '/$batch', { method: 'POST', body }));
      assert.equal(first.get('1')?.status, 429);
      assert.equal(first.get('1')?.headers['Retry-After'], '7');
      assert.equal((first.get('1')?.body?.error as { code: string }).code, 'TooManyRequests');
      assert.equal(first.get('2')?.status, 200);
      const second = responses(await call(sim, '/$batch', { method: 'POST', body }));
      assert.equal(second.get('1')?.status, 200, 'the fault was used up');
    });
  });
});

describe('simulator faults and latency', () => {
  it('answers 429 with Retry-After the given number of times, then succeeds', async () => {
    await withSim({ tenant: demoTenant() }, async (sim) => {
      sim.inject({ method: 'GET', pathPattern: '^/identity/conditionalAccess/policies$', status: 429, times: 2, retryAfterSeconds: 3 });
      const first = await call(sim, '/identity/conditionalAccess/policies');
      assert.equal(first.status, 429);
      assert.equal(first.headers.get('retry-after'), '3');
      assert.equal(errorOf(first).code, 'TooManyRequests');
      assert.equal((await call(sim, '/identity/conditionalAccess/policies')).status, 429);
      assert.equal((await call(sim, '/identity/conditionalAccess/policies')).status, 200);
      assert.deepEqual(sim.requests().map((r) => r.status), [429, 429, 200]);
    });
  });

  it('matches method and path without version or query, and can be cleared', async () => {
    await withSim({ tenant: demoTenant() }, async (sim) => {
      sim.inject({ method: 'POST', pathPattern: '^/organization$', status: 503, times: -1 });
      assert.equal((await call(sim, '/organization?$select=id')).status, 200, 'GET untouched');
      sim.inject({ pathPattern: '^/organization$', status: 500, times: -1 });
      assert.equal((await call(sim, `${sim.url}/beta/organization?$select=id`)).status, 500);
      assert.equal((await call(sim, '/organization')).status, 500, 'until cleared');
      sim.clearFaults();
      assert.equal((await call(sim, '/organization')).status, 200);
    });
  });

  it('delays an answer to simulate a timeout (status 200: slow but served)', async () => {
    await withSim({ tenant: demoTenant() }, async (sim) => {
      sim.inject({ pathPattern: '^/organization$', status: 200, delayMs: 300 });
      const started = Date.now();
      const reply = await call(sim, '/organization');
      assert.equal(reply.status, 200);
      assert.ok(Date.now() - started >= 280, 'delayed');
      sim.inject({ pathPattern: '^/users$', status: 504, delayMs: 2_000 });
      const slow = fetch(`${sim.graphUrl}/users`, { headers: { Authorization: 'Bearer t' }, signal: AbortSignal.timeout(100) });
      await assert.rejects(slow, (err: unknown) => err instanceof Error && err.name === 'TimeoutError');
    });
  });

  it('accepts faults over HTTP: POST and DELETE /_sim/faults', async () => {
    await withSim({ tenant: demoTenant() }, async (sim) => {
      const posted = await fetch(`${sim.url}/_sim/faults`, { method: 'POST', body: JSON.stringify({ pathPattern: '^/subscribedSkus$', status: 503, retryAfterSeconds: 1, times: 5 }) });
      assert.equal(posted.status, 201);
      assert.equal((await call(sim, '/subscribedSkus')).status, 503);
      assert.equal((await fetch(`${sim.url}/_sim/faults`, { method: 'DELETE' })).status, 204);
      assert.equal((await call(sim, '/subscribedSkus')).status, 200);
      const invalid = await fetch(`${sim.url}/_sim/faults`, { method: 'POST', body: JSON.stringify({ pathPattern: '(', status: 429 }) });
      assert.equal(invalid.status, 400);
      assert.throws(() => sim.inject({ pathPattern: '^/x', status: 42 }), /invalid fault/);
    });
  });

  it('adds latencyMs to every Graph request but not to /_sim', async () => {
    await withSim({ tenant: demoTenant(), latencyMs: 150 }, async (sim) => {
      let started = Date.now();
      await call(sim, '/organization');
      assert.ok(Date.now() - started >= 140, 'Graph request delayed');
      started = Date.now();
      await fetch(`${sim.url}/_sim/requests`);
      assert.ok(Date.now() - started < 140, '/_sim not delayed');
    });
  });

  it('closes promptly even while an injected delay is pending', async () => {
    const sim = await startSimulator({ tenant: demoTenant() });
    sim.inject({ pathPattern: '^/organization$', status: 200, delayMs: 10_000 });
    const pending = fetch(`${sim.graphUrl}/organization`, { headers: { Authorization: 'Bearer t' } }).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    await sim.close();
    await pending;
    assert.ok(Date.now() - started < 1_000, `closed in ${Date.now() - started} ms`);
  });
});
