import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { runCli } from '../src/cli';

const ROOT = path.join(__dirname, '..');
const FIXTURE = path.join(__dirname, 'fixtures', 'fabrikam.json');
const BREAK_GLASS = 'b9000000-0000-4000-8000-0000000000b1';
const GA = '62e90394-69f5-4237-9190-012177145e10';
const EXCHANGE = '29232cdf-9323-42fd-ade2-1d097af3e4de';

async function cli(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env: {} });
  return { code, stdout, stderr };
}

function tmpFile(name: string, content: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'mfabot-cli-'));
  const file = path.join(dir, name);
  writeFileSync(file, content);
  return file;
}

const fabrikamPolicies = (JSON.parse(readFileSync(FIXTURE, 'utf8')) as { conditionalAccessPolicies: unknown[] }).conditionalAccessPolicies;

describe('mfabot check-policies', () => {
  it('prints the coverage report and exits 1 when some role is not enforced', async () => {
    const file = tmpFile('policies.json', JSON.stringify({ value: fabrikamPolicies }));
    const { code, stdout, stderr } = await cli('check-policies', file, '--break-glass', BREAK_GLASS);
    assert.equal(code, 1);
    assert.equal(stderr, '');
    const report = JSON.parse(stdout) as { covered: boolean; uncoveredRoleIds: string[]; roles: { roleId: string; covered: boolean; coveredBy: string[]; gaps: { policyId: string; reason: string }[] }[] };
    assert.equal(report.covered, false);
    const ga = report.roles.find((r) => r.roleId === GA);
    assert.deepEqual(ga?.coveredBy, ['11111111-0000-4000-8000-000000000001']);
    const exchange = report.roles.find((r) => r.roleId === EXCHANGE);
    assert.equal(exchange?.covered, false);
    assert.ok(exchange?.gaps.some((g) => g.policyId === '11111111-0000-4000-8000-000000000002' && /compliant device/.test(g.reason)));
    assert.ok(report.uncoveredRoleIds.includes(EXCHANGE));
    assert.ok(!report.uncoveredRoleIds.includes(GA));
  });

  it('sees the excluded break-glass account as a gap when it is not declared', async () => {
    const file = tmpFile('policies.json', JSON.stringify(fabrikamPolicies));
    const { code, stdout } = await cli('check-policies', file, '--roles', GA);
    assert.equal(code, 1);
    const report = JSON.parse(stdout) as { roles: { gaps: { reason: string }[] }[] };
    assert.match(report.roles[0]?.gaps[0]?.reason ?? '', /b9000000-0000-4000-8000-0000000000b1/);
  });

  it('exits 0 when every role in scope is enforced (bare array input)', async () => {
    const file = tmpFile('policies.json', JSON.stringify(fabrikamPolicies));
    const { code, stdout } = await cli('check-policies', file, '--roles', GA, '--break-glass', BREAK_GLASS);
    assert.equal(code, 0);
    assert.equal((JSON.parse(stdout) as { covered: boolean }).covered, true);
  });

  for (const [what, args] of [
    ['a missing file', ['check-policies', '/nonexistent/policies.json']],
    ['invalid JSON', ['check-policies', tmpFile('bad.json', '{"value": [')]],
    ['a JSON object that is not a policy list', ['check-policies', tmpFile('obj.json', '{"policies": []}')]],
    ['an unknown role list', ['check-policies', tmpFile('ok.json', '[]'), '--roles', 'superadmins']],
    ['a break-glass id that is not a GUID', ['check-policies', tmpFile('ok.json', '[]'), '--break-glass', 'alice']],
    ['an unknown option', ['check-policies', tmpFile('ok.json', '[]'), '--colour']],
    ['an unknown command', ['frobnicate']],
  ] as const) {
    it(`exits 2 with one clear line on stderr and nothing on stdout for ${what}`, async () => {
      const { code, stdout, stderr } = await cli(...args);
      assert.equal(code, 2);
      assert.equal(stdout, '');
      assert.equal(stderr.trim().split('\n').length, 1, stderr);
      assert.match(stderr, /^mfabot: /);
    });
  }
});

describe('mfabot status --tenant', () => {
  it('prints the coverage report of contracts §4 from the simulator loaded with the fixture', async () => {
    const { code, stdout } = await cli('status', '--tenant', FIXTURE, '--json', '--break-glass', BREAK_GLASS);
    assert.equal(code, 0);
    const doc = JSON.parse(stdout) as {
      tenantId: string; licence: string; securityDefaultsEnabled: boolean; graphRequests: number;
      totals: Record<string, number>; policy: { covered: boolean };
      admins: { id: string; userPrincipalName: string; displayName: string; mfaRegistered: boolean | null; roles: { roleId: string; activation: string; via: string }[] }[];
    };
    assert.equal(doc.tenantId, 'f1b2c3d4-0000-4000-8000-00000000fab1');
    assert.deepEqual(doc.totals, { admins: 7, registered: 3, unregistered: 3, unknown: 1 });
    assert.equal(doc.licence, 'p2');
    assert.equal(doc.securityDefaultsEnabled, false);
    assert.equal(doc.policy.covered, false);
    assert.ok(doc.graphRequests > 0);
    const upns = doc.admins.map((a) => a.userPrincipalName);
    assert.deepEqual(upns, [...upns].sort(), 'sorted by userPrincipalName');
    const erin = doc.admins.find((a) => a.userPrincipalName === 'erin@fabrikam.example');
    assert.deepEqual(
      erin?.roles.map((r) => `${r.roleId}:${r.activation}:${r.via}`).sort(),
      [`${GA}:eligible:direct`, 'fe930be7-5e62-47db-91af-98c3a49a38b1:active:direct'],
    );
    assert.equal(doc.admins.find((a) => a.userPrincipalName === 'dave@fabrikam.example')?.mfaRegistered, null);
    assert.ok(!upns.includes('frank@fabrikam.example'), 'Teams Administrator is outside the default scope');
  });

  it('counts Teams Administrators when the scope is the "docs" list', async () => {
    const { stdout } = await cli('status', '--tenant', FIXTURE, '--json', '--roles', 'docs');
    const doc = JSON.parse(stdout) as { totals: { admins: number } };
    assert.equal(doc.totals.admins, 8);
  });

  it('prints a readable summary without --json', async () => {
    const { code, stdout } = await cli('status', '--tenant', FIXTURE);
    assert.equal(code, 0);
    assert.match(stdout, /3 of 7 admins are registered for MFA/);
    assert.match(stdout, /bob@fabrikam\.example/);
  });

  it('refuses --graph-url pointing at Microsoft Graph', async () => {
    const { code, stderr } = await cli('status', '--graph-url', 'https://graph.microsoft.com');
    assert.equal(code, 2);
    assert.match(stderr, /configure credentials/);
  });

  it('rejects a fixture with an unknown key, naming it', async () => {
    const fixture = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Record<string, unknown>;
    const file = tmpFile('tenant.json', JSON.stringify({ ...fixture, adminsByMagic: [] }));
    const { code, stderr } = await cli('status', '--tenant', file, '--json');
    assert.equal(code, 2);
    assert.match(stderr, /adminsByMagic/);
  });
});

describe('the mfabot executable', () => {
  const bin = path.join(ROOT, 'bin', 'mfabot.js');
  it('runs the built CLI (npm run build first)', async function () {
    if (!existsSync(path.join(ROOT, 'dist', 'cli.js'))) {
      if (process.env.CI) assert.fail('dist/cli.js is missing: npm test builds before running the tests');
      this.skip();
    }
    const { stdout } = await promisify(execFile)(process.execPath, [bin, 'status', '--tenant', FIXTURE, '--json']);
    assert.equal((JSON.parse(stdout) as { totals: { admins: number } }).totals.admins, 7);
    const failing = await promisify(execFile)(process.execPath, [bin, 'check-policies', FIXTURE]).catch((e: { code: number; stdout: string }) => e);
    assert.equal((failing as { code: number }).code, 2, 'a tenant fixture is not a policy list: bad input');
  });
});
