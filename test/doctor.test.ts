/**
 * `mfabot doctor`: reads the application permissions in the credential's token and says, per feature,
 * what is missing. Against the simulator (its test token carries the permissions it was started with),
 * against a stub credential for the configured-credentials path, and the comparison rules alone.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AccessToken, TokenCredential } from '@azure/identity';
import { runCli } from '../src/cli';
import {
  adminConsentUrl, checkPermissions, decodeAccessToken, DoctorError, featureRequirements, FEATURES, runDoctor, type DoctorIO, type FeatureCheck,
} from '../src/doctor';
import type { GraphAuth } from '../src/config';
import { botNeeds, needSatisfied, permissionsToGrant, type Feature } from '../src/graph/permissions';
import { demoTenant, DEMO_TENANT_ID } from '../src/sim/demo';
import { startSimulator, type Simulator } from '../src/sim/server';

/** What each feature needs, least privileged, as the code says (docs/permissions.md must agree). */
const needs = (feature: Feature) => featureRequirements(feature).map((r) => r.permission).sort();
const STATUS = needs('status');
const NUDGE = needs('nudge');
const ALL = permissionsToGrant();

function capture(env: Record<string, string | undefined> = {}): DoctorIO & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    env,
    stdout: (t: string) => {
      io.out += t;
    },
    stderr: (t: string) => {
      io.err += t;
    },
  };
  return io;
}

function jwt(claims: object): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ typ: 'JWT', alg: 'RS256' })}.${part(claims)}.c2lnbmF0dXJl`;
}

const missingOf = (checks: FeatureCheck[], feature: Feature) => checks.find((c) => c.feature === feature)?.missing.map((m) => m.permission).sort();

describe('mfabot doctor', () => {
  describe('comparing granted permissions with each feature', () => {
    it('the set it recommends satisfies every feature', () => {
      assert.ok(checkPermissions(ALL).every((c) => c.ok));
      assert.deepEqual(ALL, permissionsToGrant());
    });

    it('derives each feature from the one permission table, companions included', () => {
      assert.deepEqual(STATUS, ['AuditLog.Read.All', 'GroupMember.ReadBasic.All', 'LicenseAssignment.Read.All', 'Policy.Read.All', 'RoleManagement.Read.Directory', 'SecurityEvents.Read.All', 'User.Read.All']);
      assert.deepEqual(needs('policy'), ['GroupMember.ReadBasic.All', 'Policy.Read.All', 'Policy.ReadWrite.ConditionalAccess', 'User.Read.All']);
      assert.deepEqual(needs('signInImpact'), ['AuditLog.Read.All', 'Policy.Read.All']);
      assert.deepEqual(needs('pim'), ['RoleManagement.Read.Directory', 'RoleManagementPolicy.ReadWrite.Directory']);
      assert.deepEqual(NUDGE, ['AppCatalog.Read.All', 'AuditLog.Read.All', 'TeamsAppInstallation.ReadWriteSelfForUser.All']);
      const roles = featureRequirements('status').find((r) => r.permission === 'RoleManagement.Read.Directory');
      assert.deepEqual(roles?.neededTo, ['list active admin role assignments', 'list PIM-eligible admins (with Entra ID P2 or Entra ID Governance)']);
      assert.equal(roles?.licence, undefined, 'the licence belongs to the PIM read only');
      assert.equal(featureRequirements('status').find((r) => r.permission === 'AuditLog.Read.All')?.licence, 'Entra ID P1 or P2');
      const names = featureRequirements('status').find((r) => r.permission === 'User.Read.All');
      assert.match(names?.neededTo.join() ?? '', /names/, 'status says it needs User.Read.All for names');
    });

    it('accepts every alternative Microsoft\'s map lists, and nothing else', () => {
      const higher: Record<string, string> = {
        'User.Read.All': 'Directory.Read.All',
        'GroupMember.ReadBasic.All': 'Directory.Read.All',
        'RoleManagement.Read.Directory': 'Directory.Read.All',
        'LicenseAssignment.Read.All': 'Organization.Read.All',
        'SecurityEvents.Read.All': 'SecurityEvents.ReadWrite.All',
      };
      const granted = STATUS.map((p) => higher[p] ?? p);
      const checks = checkPermissions(granted, ['status']);
      // Directory.Read.All does not cover PIM eligibility: the map does not list it there.
      assert.deepEqual(missingOf(checks, 'status'), ['RoleManagement.Read.Directory']);
      assert.ok(checkPermissions([...granted, 'RoleEligibilitySchedule.Read.Directory'], ['status'])[0]?.ok);
      assert.deepEqual(missingOf(checkPermissions(['Directory.Read.All', 'TeamsAppInstallation.ReadWriteSelfForUser.All', 'AuditLog.Read.All'], ['nudge']), 'nudge'),
        ['AppCatalog.Read.All'], 'Directory.Read.All does not cover the app catalog');
      assert.deepEqual(missingOf(checkPermissions(['Policy.Read.ConditionalAccess', 'AuditLog.Read.All'], ['signInImpact']), 'signInImpact'), [],
        'sign-ins show the applied policies with Policy.Read.ConditionalAccess');
      assert.ok(missingOf(checkPermissions(['Policy.Read.ConditionalAccess'], ['status']), 'status')?.includes('Policy.Read.All'), 'but it cannot list CA policies');
    });

    it('names the companion Graph wants beside a granted write permission', () => {
      const checks = checkPermissions(['Policy.ReadWrite.ConditionalAccess', 'User.Read.All', 'GroupMember.ReadBasic.All'], ['policy']);
      assert.deepEqual(missingOf(checks, 'policy'), ['Policy.Read.All']);
      assert.deepEqual(checks[0]?.missing[0]?.neededTo, ['use Policy.ReadWrite.ConditionalAccess, which Graph accepts only together with Policy.Read.All', "find MfaBot's policy and check it again before enforcing it"]);
    });

    it('asks once for a permission several calls need', () => {
      const checks = checkPermissions([]);
      const install = checks.find((c) => c.feature === 'nudge')?.missing.filter((m) => m.permission === 'TeamsAppInstallation.ReadWriteSelfForUser.All');
      assert.equal(install?.length, 1);
      assert.ok(install?.[0]?.neededTo.includes('check whether MfaBot is installed for an admin'));
    });

    it('compares names case-insensitively', () => {
      assert.ok(checkPermissions(ALL.map((p) => p.toLowerCase())).every((c) => c.ok));
    });
  });

  describe('reading the token', () => {
    it('takes roles, tenant and app from the claims', () => {
      const claims = decodeAccessToken(jwt({ roles: ['User.Read.All', 'AuditLog.Read.All'], tid: 't', appid: 'a', aud: 'https://graph.microsoft.com' }));
      assert.deepEqual(claims, { roles: ['AuditLog.Read.All', 'User.Read.All'], tid: 't', appId: 'a', aud: 'https://graph.microsoft.com' });
      assert.equal(decodeAccessToken(jwt({ azp: 'v2-app' })).appId, 'v2-app');
    });

    it('treats a token without roles as no permissions', () => {
      assert.deepEqual(decodeAccessToken(jwt({ tid: 't' })).roles, []);
    });

    it('rejects what is not a JWT without quoting it', () => {
      for (const bad of ['opaque-secret-token', `x.${Buffer.from('not json').toString('base64url')}.y`, jwt({ roles: 'User.Read.All' })]) {
        assert.throws(() => decodeAccessToken(bad), (err: unknown) => err instanceof DoctorError && !err.message.includes(bad));
      }
    });

    it('builds the admin-consent URL', () => {
      assert.equal(adminConsentUrl('e850083c-95fb-4b76-8782-c996e0b4ef17', '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d'),
        'https://login.microsoftonline.com/e850083c-95fb-4b76-8782-c996e0b4ef17/adminconsent?client_id=0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d');
    });
  });

  describe('with the configured credentials', () => {
    const TENANT = '7f3c0000-aaaa-4bbb-8ccc-000011112222';
    const APP = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
    const SECRET = 'super-secret-value-123';
    const env = { MicrosoftAppTenantId: TENANT, MFABOT_GRAPH_CLIENT_ID: APP, MFABOT_GRAPH_CLIENT_SECRET: SECRET };

    function stub(getToken: () => Promise<AccessToken | null>): { deps: { createCredential: (auth: GraphAuth) => TokenCredential }; scopes: string[]; auths: GraphAuth[] } {
      const scopes: string[] = [];
      const auths: GraphAuth[] = [];
      return {
        scopes,
        auths,
        deps: {
          createCredential: (auth) => {
            auths.push(auth);
            return {
              getToken: async (scope: string | string[]) => {
                scopes.push(...[scope].flat());
                return getToken();
              },
            };
          },
        },
      };
    }

    it('asks Entra ID for a Graph token with the configured secret and reports each feature, without printing the token', async () => {
      const token = jwt({ roles: STATUS, tid: TENANT, appid: APP });
      const s = stub(async () => ({ token, expiresOnTimestamp: Date.now() + 3_600_000 }));
      const io = capture(env);
      const code = await runDoctor([], io, s.deps);
      assert.equal(code, 1);
      assert.deepEqual(s.auths, [{ kind: 'secret', tenantId: TENANT, clientId: APP, clientSecret: SECRET }]);
      assert.deepEqual(s.scopes, ['https://graph.microsoft.com/.default']);
      const lines = io.out.trim().split('\n');
      assert.ok(lines.includes('Read-only status: OK'), io.out);
      assert.ok(lines.some((l) => l.startsWith('Create and enforce the CA policy: missing Policy.ReadWrite.ConditionalAccess (to create the')), io.out);
      assert.ok(lines.some((l) => l.startsWith('Nudges in 1:1 chats: missing ') && l.includes('TeamsAppInstallation.ReadWriteSelfForUser.All (to install MfaBot')), io.out);
      assert.ok(lines.includes('Report-only sign-in impact: OK'), io.out);
      assert.ok(io.out.includes(adminConsentUrl(TENANT, APP)), io.out);
      assert.ok(!io.out.includes(token) && !io.err.includes(token) && !io.out.includes(SECRET));
    });

    it('exits 0 when every feature has its permissions, and --features narrows the check', async () => {
      const all = stub(async () => ({ token: jwt({ roles: ALL, tid: TENANT, appid: APP }), expiresOnTimestamp: 0 }));
      assert.equal(await runDoctor([], capture(env), all.deps), 0);
      const some = stub(async () => ({ token: jwt({ roles: STATUS, tid: TENANT, appid: APP }), expiresOnTimestamp: 0 }));
      const io = capture(env);
      assert.equal(await runDoctor(['--features', 'status,signInImpact'], io, some.deps), 0);
      assert.equal(io.out.split('\n').filter((l) => l.endsWith(': OK')).length, 2);
    });

    it('exits 3 with the fix when Entra ID refuses the secret, never echoing it', async () => {
      const s = stub(async () => {
        throw new Error(`ClientSecretCredential authentication failed: AADSTS7000215: Invalid client secret provided. Ensure the secret being sent is ${SECRET}.\nTrace ID: 1`);
      });
      const io = capture(env);
      assert.equal(await runDoctor([], io, s.deps), 3);
      assert.match(io.err, /AADSTS7000215.*client secret is wrong or expired/);
      assert.ok(!io.err.includes(SECRET) && io.out === '');
    });

    it('exits 2 when no credentials are configured', async () => {
      const io = capture({});
      assert.equal(await runDoctor([], io), 2);
      assert.match(io.err, /no Graph credentials configured/);
    });

    it('points a managed identity at app role assignments instead of the consent page', async () => {
      const s = stub(async () => ({ token: jwt({ roles: STATUS, tid: TENANT, appid: APP }), expiresOnTimestamp: 0 }));
      const io = capture({ MicrosoftAppTenantId: TENANT, MFABOT_GRAPH_MANAGED_IDENTITY: APP });
      assert.equal(await runDoctor([], io, s.deps), 1);
      assert.equal(s.auths[0]?.kind, 'managedIdentity');
      assert.match(io.out, /app role assignments/);
      assert.ok(!io.out.includes('adminconsent'));
    });
  });

  describe('bad input', () => {
    for (const [argv, message] of [
      [['--graph-url', 'https://graph.microsoft.com'], /for the simulator/],
      [['--graph-url', 'http://example.com'], /https, or http on loopback/],
      [['--graph-url', 'not a url'], /not a URL/],
      [['--features', 'status,everything'], /unknown: everything/],
      [['--verbose'], /Unknown option/],
    ] as const) {
      it(`exits 2 for ${argv.join(' ')}`, async () => {
        const io = capture();
        assert.equal(await runDoctor([...argv], io), 2);
        assert.match(io.err, message);
        assert.equal(io.out, '');
      });
    }

    it('exits 2 for a Graph-compatible server that issues no test token', async () => {
      const server: Server = createServer((_req, res) => {
        // Two calls: restify, loaded by other suites, patches writeHead to return nothing.
        res.writeHead(404);
        res.end();
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const io = capture();
        assert.equal(await runDoctor(['--graph-url', `http://127.0.0.1:${(server.address() as AddressInfo).port}`], io), 2);
        assert.match(io.err, /issues no test token/);
      } finally {
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    });
  });

  describe('against the simulator', function () {
    let sim: Simulator | undefined;
    const start = async (grantedPermissions: string[]) => {
      sim = await startSimulator({ tenant: demoTenant(), port: 0, grantedPermissions });
      return sim;
    };
    afterEach(async () => {
      await sim?.close();
      sim = undefined;
    });

    before(async function () {
      // The simulator exposes its grants as a test token at GET /_sim/token (src/sim/control.ts).
      const probe = await startSimulator({ tenant: demoTenant(), port: 0 });
      const status = (await fetch(`${probe.url}/_sim/token`)).status;
      await probe.close();
      if (status === 404) this.skip();
    });

    const doctorJson = async (url: string, env: Record<string, string> = {}) => {
      const io = capture(env);
      const code = await runDoctor(['--json', ...(env.MFABOT_GRAPH_URL ? [] : ['--graph-url', url])], io);
      return { code, report: JSON.parse(io.out) as { tenantId: string; appId: string; granted: string[]; features: FeatureCheck[]; adminConsentUrl: string }, io };
    };

    it('in delegated write mode, asks for no write permission and warns about one the app still holds', async () => {
      const readOnly = permissionsToGrant(undefined, { mode: 'delegated' });
      assert.ok(!readOnly.includes('Policy.ReadWrite.ConditionalAccess'));
      const s = await start(readOnly);
      const io = capture();
      assert.equal(await runDoctor(['--json', '--graph-url', s.url, '--write-mode', 'delegated'], io), 0, io.err);
      const report = JSON.parse(io.out) as { features: FeatureCheck[]; writes: { mode: string; delegatedScopes: string[]; approverRoles: Array<{ change: string; roles: string[] }>; unneeded: string[] } };
      assert.ok(report.features.every((f) => f.ok), JSON.stringify(report.features));
      assert.deepEqual(report.writes, {
        mode: 'delegated', delegatedScopes: ['Policy.Read.All', 'Policy.ReadWrite.ConditionalAccess', 'RoleManagementPolicy.ReadWrite.Directory'],
        approverRoles: [
          { change: 'Create and enforce the CA policy', roles: ['Conditional Access Administrator', 'Security Administrator', 'Global Administrator'] },
          { change: 'Require MFA on PIM activation', roles: ['Privileged Role Administrator', 'Global Administrator'] },
        ],
        unneeded: [],
      });
      const application = capture();
      assert.equal(await runDoctor(['--graph-url', s.url], application), 1, 'application mode needs the write permission');
      assert.match(application.out, /Create and enforce the CA policy: missing Policy\.ReadWrite\.ConditionalAccess/);
      assert.match(application.out, /Writes: with MfaBot's app permissions/);
      await s.close();
      const withWrite = await start([...readOnly, 'Policy.ReadWrite.ConditionalAccess']);
      const text = capture();
      assert.equal(await runDoctor(['--graph-url', withWrite.url, '--write-mode', 'delegated'], text), 0);
      assert.match(text.out, /WARNING: the app holds Policy\.ReadWrite\.ConditionalAccess, which delegated mode never uses/);
    });

    it('with every permission granted: every feature OK, exit 0', async () => {
      const s = await start(ALL);
      const { code, report } = await doctorJson(s.url);
      assert.equal(code, 0);
      assert.deepEqual(report.granted, [...ALL].sort());
      assert.deepEqual(report.features.map((f) => [f.feature, f.ok]), FEATURES.map((f) => [f.feature, true]));
      assert.equal(report.tenantId, DEMO_TENANT_ID);
      assert.equal(report.adminConsentUrl, adminConsentUrl(DEMO_TENANT_ID, report.appId));
    });

    it('reports exactly the permissions the simulator was not given, per feature, exit 1', async () => {
      const s = await start(STATUS);
      const { code, report } = await doctorJson(s.url);
      assert.equal(code, 1);
      assert.deepEqual(missingOf(report.features, 'status'), []);
      assert.deepEqual(missingOf(report.features, 'policy'), ['Policy.ReadWrite.ConditionalAccess']);
      assert.deepEqual(missingOf(report.features, 'pim'), ['RoleManagementPolicy.ReadWrite.Directory'], 'reading PIM settings is covered by status\'s RoleManagement.Read.Directory');
      assert.deepEqual(missingOf(report.features, 'nudge'), checkPermissions(STATUS, ['nudge'])[0]?.missing.map((m) => m.permission).sort());
      assert.ok(missingOf(report.features, 'nudge')?.includes('TeamsAppInstallation.ReadWriteSelfForUser.All'));
      assert.deepEqual(missingOf(report.features, 'signInImpact'), []);
    });

    it('agrees with the status report: what doctor says is missing is what the card\'s caveats name', async () => {
      const s = await start(STATUS.filter((p) => p !== 'GroupMember.ReadBasic.All' && p !== 'SecurityEvents.Read.All'));
      const { code, report } = await doctorJson(s.url);
      assert.equal(code, 1);
      assert.deepEqual(missingOf(report.features, 'status'), ['GroupMember.ReadBasic.All', 'SecurityEvents.Read.All']);

      const io = capture();
      assert.equal(await runCli(['status', '--graph-url', s.url, '--json'], io), 0, io.err);
      const caveats = (JSON.parse(io.out) as { caveats: Array<{ missing?: string }> }).caveats;
      assert.deepEqual([...new Set(caveats.map((c) => c.missing).filter(Boolean))].sort(), ['GroupMember.ReadBasic.All', 'SecurityEvents.Read.All']);
    });

    it('against mfabot sim --grant (every permission but one): names exactly that one, for exactly the features that need it', async function () {
      this.timeout(30_000);
      for (const left of ALL) {
        let url = '';
        let stop = (): void => undefined;
        const until = new Promise<void>((resolve) => { stop = resolve; });
        const grant = ALL.filter((p) => p !== left).join(',');
        const serving = runCli(['sim', '--port', '0', '--grant', grant], { env: {}, until, stderr: () => undefined, stdout: (t) => { url ||= t.trim(); } });
        try {
          while (!url) await new Promise((r) => setTimeout(r, 5));
          const { code, report } = await doctorJson(url);
          assert.equal(code, 1, left);
          for (const f of FEATURES) {
            // A feature misses it unless another granted permission does its job there (Policy.ReadWrite.ConditionalAccess shows sign-ins' applied policies).
            const unmet = botNeeds([f.feature]).filter((n) => !n.optional && !needSatisfied(n, ALL.filter((p) => p !== left)));
            const expected = unmet.length > 0 ? [left] : [];
            if (f.feature === 'status' || f.feature === 'nudge') assert.equal(expected.length > 0, needs(f.feature).includes(left), f.feature);
            assert.deepEqual(missingOf(report.features, f.feature), expected, `${left} left out: ${f.feature}`);
          }
        } finally {
          stop();
          await serving;
        }
      }
    });

    it('reads the simulator named by a loopback MFABOT_GRAPH_URL, and prints per-feature lines without the token', async () => {
      const s = await start(NUDGE);
      const token = ((await (await fetch(`${s.url}/_sim/token`)).json()) as { access_token: string }).access_token;
      const io = capture({ MFABOT_GRAPH_URL: s.url });
      assert.equal(await runDoctor([], io), 1);
      assert.ok(io.out.includes('Nudges in 1:1 chats: OK'), io.out);
      assert.match(io.out, /^Read-only status: missing .*LicenseAssignment\.Read\.All \(to detect the Entra ID licence\)/m);
      assert.match(io.out, /^Read-only status: missing .*Policy\.Read\.All \(to read Conditional Access policies \(with Entra ID P1\); read named locations and their trust \(with Entra ID P1\); read security defaults; read authentication strengths\)/m);
      assert.ok(io.out.includes(`/adminconsent?client_id=`));
      assert.ok(!io.out.includes(token) && !io.err.includes(token));
    });
  });
});
