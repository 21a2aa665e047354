/**
 * The simulated identity provider, over HTTP, as MSAL and the Teams client use it: single sign-on
 * tokens only after consent, the on-behalf-of exchange as strict as Entra ID's (which app, which
 * secret, whose assertion), and Graph checking the user's scopes and directory role.
 */
import assert from 'node:assert/strict';
import { SIM_APP_ID } from '../../src/sim/control';
import { DEMO_APPROVER_IDS, demoTenant } from '../../src/sim/demo';
import { SIM_APP_SECRET } from '../../src/sim/identity';
import type { Simulator } from '../../src/sim/server';
import { call, withSim } from './helpers';

const RESOURCE = `api://botid-${SIM_APP_ID}`;
const MEGAN = DEMO_APPROVER_IDS[0] ?? '';
const DIEGO = DEMO_APPROVER_IDS[2] ?? '';
const CA = '/identity/conditionalAccess/policies';

async function sso(sim: Simulator, userId: string, consent: boolean): Promise<{ status: number; token?: string }> {
  const res = await fetch(`${sim.url}/_sim/sso`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId, resource: RESOURCE, consent }) });
  return { status: res.status, ...(res.ok ? { token: ((await res.json()) as { token: string }).token } : {}) };
}

async function exchange(sim: Simulator, form: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  const tenant = demoTenant().organization?.id ?? 'common';
  const res = await fetch(`${sim.url}/_sim/idp/${tenant}/oauth2/v2.0/token`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString(),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const obo = (assertion: string, overrides: Record<string, string> = {}): Record<string, string> => ({
  grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', requested_token_use: 'on_behalf_of', client_id: SIM_APP_ID,
  client_secret: SIM_APP_SECRET, assertion, scope: 'https://graph.microsoft.com/Policy.ReadWrite.ConditionalAccess https://graph.microsoft.com/Policy.Read.All', ...overrides,
});

const draft = { displayName: 'Test', state: 'enabledForReportingButNotEnforced', conditions: { users: { includeRoles: ['62e90394-69f5-4237-9190-012177145e10'] }, applications: { includeApplications: ['All'] }, clientAppTypes: ['all'] }, grantControls: { operator: 'OR', builtInControls: ['mfa'] } };

describe('simulator: the identity provider for changes made as the approver', () => {
  it('gives the Teams client a single sign-on token only once the user has consented', async () => {
    await withSim({ tenant: demoTenant() }, async (sim) => {
      assert.equal((await sso(sim, MEGAN, false)).status, 403);
      const first = await sso(sim, MEGAN, true);
      assert.equal(first.status, 200);
      assert.equal((await sso(sim, MEGAN, false)).status, 200, 'consent is remembered');
    });
  });

  it('refuses the exchange for an unknown app, a wrong secret or an assertion it did not sign, as Entra ID does', async () => {
    await withSim({ tenant: demoTenant() }, async (sim) => {
      const { token = '' } = await sso(sim, MEGAN, true);
      const unknownApp = await exchange(sim, obo(token, { client_id: '00000000-0000-4000-8000-000000000000' }));
      assert.deepEqual([unknownApp.status, unknownApp.body.error], [400, 'unauthorized_client']);
      const wrongSecret = await exchange(sim, obo(token, { client_secret: 'guess' }));
      assert.deepEqual([wrongSecret.status, wrongSecret.body.error], [401, 'invalid_client']);
      const [header, payload] = token.split('.');
      const unsigned = await exchange(sim, obo(`${header}.${payload}.AAAA`));
      assert.deepEqual([unsigned.status, unsigned.body.error], [400, 'invalid_grant']);
      const ok = await exchange(sim, obo(token));
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
    });
  });

  it('lets Graph check the user\'s role: a Conditional Access Administrator may create a policy, a User Administrator may not', async () => {
    await withSim({ tenant: demoTenant() }, async (sim) => {
      const as = async (userId: string) => {
        const { token = '' } = await sso(sim, userId, true);
        const { body } = await exchange(sim, obo(token));
        return call(sim, CA, { method: 'POST', body: draft, headers: { Authorization: `Bearer ${String(body.access_token)}` } });
      };
      const diego = await as(DIEGO);
      assert.equal(diego.status, 403, JSON.stringify(diego.body));
      const megan = await as(MEGAN);
      assert.equal(megan.status, 201, JSON.stringify(megan.body));
    });
  });

  it('answers an injected fault on the token endpoint (an expired secret) with the fault\'s body', async () => {
    await withSim({ tenant: demoTenant() }, async (sim) => {
      const { token = '' } = await sso(sim, MEGAN, true);
      sim.inject({ method: 'POST', pathPattern: '^/_sim/idp/.*/token$', status: 401, body: { error: 'invalid_client', error_description: 'AADSTS7000222: expired' } });
      const expired = await exchange(sim, obo(token));
      assert.deepEqual([expired.status, expired.body.error], [401, 'invalid_client']);
      assert.equal((await exchange(sim, obo(token))).status, 200, 'the fault answers once');
    });
  });
});
