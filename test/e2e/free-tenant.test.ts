/**
 * A Free tenant with security defaults on: the registration report answers 403 for want of Entra ID
 * P1/P2, so MfaBot reads each admin's authentication methods instead (through the real Graph client,
 * twenty to a $batch) and says so. `unknown` is left for admins whose methods cannot be read.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { runCli } from '../../src/cli';
import { createGraphClient } from '../../src/graph/client';
import { GraphTenantGateway } from '../../src/graph/gateway';
import { buildStatusReport } from '../../src/domain/status';
import { parseRoleScope } from '../../src/domain/roles';
import { statusCard } from '../../src/cards/status';
import { silentLogger } from '../../src/log';
import { generateTenant } from '../../src/sim/generate';
import { loadFixtureFile } from '../../src/sim/fixture';
import { startSimulator, type Simulator } from '../../src/sim/server';
import { cardText } from '../support/cards';

const FIXTURE = path.join(__dirname, '..', 'fixtures', 'woodgrove-free.json');
const EMA = 'f1000000-0000-4000-8000-000000000005';

interface StatusJson {
  licence: string;
  securityDefaultsEnabled: boolean;
  registrationSource: string | null;
  admins: { userPrincipalName: string; mfaRegistered: boolean | null }[];
  totals: { admins: number; registered: number; unregistered: number; unknown: number };
  caveats: { area: string; message: string; missing?: string }[];
}

async function statusJson(args: string[]): Promise<StatusJson> {
  let out = '';
  const code = await runCli(['status', ...args, '--json'], { stdout: (t) => { out += t; }, stderr: () => undefined, env: {} });
  assert.equal(code, 0);
  return JSON.parse(out) as StatusJson;
}

describe('a Free tenant with security defaults on: registration from authentication methods', function () {
  this.timeout(20_000);
  let sim: Simulator | undefined;
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  it('status --json gives each admin their real state: any method but password and email counts', async () => {
    const json = await statusJson(['--tenant', FIXTURE]);
    assert.equal(json.licence, 'free');
    assert.equal(json.securityDefaultsEnabled, true);
    assert.equal(json.registrationSource, 'authenticationMethods');
    assert.deepEqual(json.admins.map((a) => [a.userPrincipalName, a.mfaRegistered]), [
      ['ana@woodgrove.example', true], // Authenticator
      ['ben@woodgrove.example', false], // email only
      ['chloe@woodgrove.example', false], // password only
      ['dev@woodgrove.example', true], // FIDO2 and email
      ['ema@woodgrove.example', true], // phone
    ]);
    assert.deepEqual(json.totals, { admins: 5, registered: 3, unregistered: 2, unknown: 0 });
    assert.ok(!json.caveats.some((c) => c.area === 'registration'), 'nothing left unknown, so no caveat');
  });

  it('reads the methods twenty to a $batch, and leaves unknown only the admin whose methods cannot be read', async () => {
    sim = await startSimulator({ tenant: loadFixtureFile(FIXTURE), port: 0, host: '127.0.0.1' });
    sim.inject({ method: 'GET', pathPattern: `^/users/${EMA}/authentication/methods$`, status: 403, times: -1 });
    const json = await statusJson(['--graph-url', sim.url]);
    assert.deepEqual(json.admins.map((a) => a.mfaRegistered), [true, false, false, true, null]);
    assert.equal(json.totals.unknown, 1);
    const caveat = json.caveats.find((c) => c.area === 'registration');
    assert.match(caveat?.message ?? '', /authentication methods, and those of 1 admin could not be read/);
    assert.equal(caveat?.missing, 'UserAuthenticationMethod.Read.All');
    const methodReads = sim.requests().filter((r) => r.path.includes('/authentication/methods'));
    assert.deepEqual(methodReads, [], 'no method read travelled alone: they went inside $batch requests');
  });

  it('does not read methods where the report can be read, and says on the card where the answer came from', async () => {
    const tenant = generateTenant({ users: 200, admins: 10, seed: 3 });
    sim = await startSimulator({ tenant, port: 0, host: '127.0.0.1' });
    const client = createGraphClient({ baseUrl: sim.url, credential: null, timeoutMs: 5_000, maxRetries: 0, logger: silentLogger() });
    const roleIds = parseRoleScope('template');
    const premium = await new GraphTenantGateway({ client, baseUrl: sim.url }).readTenant({ roleIds });
    assert.equal(premium.registrationSource, 'registrationReport', 'a premium tenant\'s answer comes from the report');
    await sim.close();

    sim = await startSimulator({ tenant: loadFixtureFile(FIXTURE), port: 0, host: '127.0.0.1' });
    const freeClient = createGraphClient({ baseUrl: sim.url, credential: null, timeoutMs: 5_000, maxRetries: 0, logger: silentLogger() });
    const facts = await new GraphTenantGateway({ client: freeClient, baseUrl: sim.url }).readTenant({ roleIds });
    const report = buildStatusReport(facts, { roleIds, breakGlassUserIds: [], exclusionGroupId: null }, new Date());
    assert.match(cardText(statusCard(report, { now: new Date() })), /Read from each admin's authentication methods: the registration report needs Entra ID P1 or P2/);
  });
});
