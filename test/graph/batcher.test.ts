import assert from 'node:assert/strict';
import path from 'node:path';
import { createGraphClient } from '../../src/graph/client';
import { GraphFailure } from '../../src/graph/errors';
import { GraphBatcher, followPages } from '../../src/graph/requests';
import { silentLogger } from '../../src/log';
import { loadFixtureFile } from '../../src/sim/fixture';
import { startSimulator, type Simulator } from '../../src/sim/server';

const FIXTURE = path.join(__dirname, '..', 'fixtures', 'fabrikam.json');
const BOB = 'a1000000-0000-4000-8000-000000000002';

type SimOptions = Omit<Parameters<typeof startSimulator>[0], 'tenant'>;

async function withBatcher<T>(opts: SimOptions, work: (sim: Simulator, batcher: GraphBatcher, waits: number[]) => Promise<T>): Promise<T> {
  const sim = await startSimulator({ tenant: loadFixtureFile(FIXTURE), port: 0, host: '127.0.0.1', ...opts });
  try {
    const client = createGraphClient({ baseUrl: sim.url, credential: null, timeoutMs: 2_000, maxRetries: 1, logger: silentLogger(), sleep: async () => undefined });
    const waits: number[] = [];
    const batcher = new GraphBatcher(client, { sleep: async (ms) => { waits.push(ms); } });
    return await work(sim, batcher, waits);
  } finally {
    await sim.close();
  }
}

describe('GraphBatcher: independent GETs coalesced into $batch', () => {
  it('sends GETs asked for in the same turn as one $batch and hands each caller its own answer', async () => {
    await withBatcher({}, async (sim, batcher) => {
      const [org, defaults, bob] = await Promise.all([
        batcher.get<{ value: Array<{ displayName: string }> }>('/organization?$select=id,displayName'),
        batcher.get<{ isEnabled: boolean }>('/policies/identitySecurityDefaultsEnforcementPolicy'),
        batcher.get<{ isMfaRegistered: boolean }>(`/reports/authenticationMethods/userRegistrationDetails/${BOB}`),
      ]);
      assert.equal(typeof org.value[0]?.displayName, 'string');
      assert.equal(defaults.isEnabled, false);
      assert.equal(bob.isMfaRegistered, false);
      assert.deepEqual(sim.requests(), [{ method: 'POST', path: '/v1.0/$batch', status: 200, batch: 3 }]);
    });
  });

  it('sends a lone GET plainly, not wrapped in a batch', async () => {
    await withBatcher({}, async (sim, batcher) => {
      await batcher.get('/subscribedSkus');
      assert.deepEqual(sim.requests(), [{ method: 'GET', path: '/v1.0/subscribedSkus', status: 200 }]);
    });
  });

  it('splits more than 20 GETs at once into batches of at most 20', async () => {
    await withBatcher({}, async (sim, batcher) => {
      await Promise.all(Array.from({ length: 45 }, () => batcher.get('/organization')));
      assert.deepEqual(sim.requests().map((r) => r.batch).sort(), [20, 20, 5]);
    });
  });

  it('asks a GET throttled inside the batch again after its Retry-After, and only that one', async () => {
    await withBatcher({}, async (sim, batcher, waits) => {
      sim.inject({ pathPattern: `^/reports/authenticationMethods/userRegistrationDetails/${BOB}$`, status: 429, times: 1, retryAfterSeconds: 2 });
      const [, bob] = await Promise.all([
        batcher.get('/organization'),
        batcher.get<{ isMfaRegistered: boolean }>(`/reports/authenticationMethods/userRegistrationDetails/${BOB}`),
        batcher.get('/subscribedSkus'),
      ]);
      assert.equal(bob.isMfaRegistered, false);
      assert.deepEqual(waits, [2_000], 'waited as long as Retry-After said');
      assert.deepEqual(sim.requests().map((r) => [r.method, r.path, r.batch ?? 1]), [
        ['POST', '/v1.0/$batch', 3],
        ['GET', `/v1.0/reports/authenticationMethods/userRegistrationDetails/${BOB}`, 1],
      ]);
    });
  });

  it('rejects only the GET whose item failed, with the same typed error a plain GET gives', async () => {
    await withBatcher({ grantedPermissions: ['Organization.Read.All', 'Policy.Read.All'] }, async (_sim, batcher) => {
      const [org, score] = await Promise.allSettled([batcher.get('/organization'), batcher.get('/security/secureScores?$top=1')]);
      assert.equal(org.status, 'fulfilled');
      assert.equal(score.status, 'rejected');
      const err = (score as PromiseRejectedResult).reason as unknown;
      assert.ok(err instanceof GraphFailure);
      assert.equal(err.kind, 'permission');
      assert.equal(err.details.missing, 'SecurityEvents.Read.All');
    });
  });

  it('rejects every GET of a batch that Graph refused as a whole', async () => {
    await withBatcher({}, async (sim, batcher) => {
      sim.inject({ method: 'POST', pathPattern: '^/\\$batch$', status: 400, times: 1 });
      const results = await Promise.allSettled([batcher.get('/organization'), batcher.get('/subscribedSkus')]);
      for (const r of results) {
        assert.equal(r.status, 'rejected');
        assert.ok((r as PromiseRejectedResult).reason instanceof GraphFailure);
      }
    });
  });

  it('follows several collections page by page, their next pages travelling together', async () => {
    await withBatcher({ maxPageSize: 2 }, async (sim, batcher) => {
      const assignments: unknown[] = [];
      const registrations: unknown[] = [];
      await Promise.all([
        followPages(batcher.getter, sim.url, '/roleManagement/directory/roleAssignments', (rows) => assignments.push(...rows)),
        followPages(batcher.getter, sim.url, '/reports/authenticationMethods/userRegistrationDetails', (rows) => registrations.push(...rows)),
      ]);
      assert.equal(assignments.length, 7);
      assert.equal(registrations.length, 7);
      assert.deepEqual(sim.requests().map((r) => r.batch), [2, 2, 2, 2], 'four rounds, each one $batch carrying both next pages');
    });
  });
});
