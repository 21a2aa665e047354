/**
 * Sign-ins for the report-only impact, through the policy gateway and the real Graph client: bounded
 * by `createdDateTime`, and filtered here when v1.0 refuses the applied-policy filter (the simulator's
 * strict reading: Microsoft documents that filter for beta only).
 */
import assert from 'node:assert/strict';
import { createGraphClient } from '../../src/graph/client';
import { GraphPolicyGateway } from '../../src/graph/policyGateway';
import { silentLogger } from '../../src/log';
import { demoTenant } from '../../src/sim/demo';
import { startSimulator } from '../../src/sim/server';

describe('sign-ins of a report-only policy', () => {
  it('falls back to the period\'s sign-ins filtered locally, once v1.0 refuses the any() filter', async () => {
    const tenant = demoTenant();
    const pilot = tenant.conditionalAccessPolicies.find((p) => p.displayName === 'Require MFA for admins (pilot)')?.id ?? '';
    const since = new Date('2026-11-26T00:00:00Z');
    const expected = (tenant.signIns ?? [])
      .filter((s) => Date.parse(s.createdDateTime) >= since.getTime() && s.appliedConditionalAccessPolicies.some((p) => p.id === pilot))
      .map((s) => s.id).sort();
    assert.ok(expected.length > 0 && expected.length < (tenant.signIns ?? []).length, 'the demo tenant has sign-ins of the pilot and others');
    const sim = await startSimulator({ tenant, port: 0 });
    try {
      const client = createGraphClient({ baseUrl: sim.url, credential: null, timeoutMs: 5_000, maxRetries: 0, logger: silentLogger() });
      const gateway = new GraphPolicyGateway({ client, baseUrl: sim.url });
      const signIns = await gateway.signInsForPolicy(pilot, { since });
      assert.deepEqual(signIns.map((s) => s.id).sort(), expected);
      assert.ok(signIns.some((s) => s.appliedConditionalAccessPolicies?.some((p) => p.result === 'reportOnlyInterrupted')), 'report-only results, not unknownFutureValue');
      assert.deepEqual(sim.requests().map((r) => r.status), [400, 200], 'refused once, then the bounded read');

      sim.clearRequests();
      await gateway.signInsForPolicy(pilot, { since });
      assert.deepEqual(sim.requests().map((r) => r.status), [200], 'the refusal is remembered');
    } finally {
      await sim.close();
    }
  });
});
