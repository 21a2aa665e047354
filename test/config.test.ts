import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CONFIG_KEYS, ConfigError, loadBotConfig, loadConfig, secretValues } from '../src/config';
import { SETTINGS, settingsTable } from '../src/settings';

const README = readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
const TENANT = 'f1b2c3d4-0000-4000-8000-00000000fab1';
const APP = '11111111-2222-4333-8444-555555555555';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('configuration, declared once', () => {
  it('documents every variable in README exactly as src/settings.ts declares it (npm run docs)', () => {
    assert.ok(README.includes(`<!-- configuration:start (npm run docs) -->\n${settingsTable()}\n<!-- configuration:end -->`), 'README\'s configuration table is out of date: run npm run docs');
  });

  it('lists every declared variable, with its secret flag', () => {
    assert.deepEqual(CONFIG_KEYS.map((k) => k.name), Object.keys(SETTINGS));
    assert.deepEqual(CONFIG_KEYS.filter((k) => k.secret).map((k) => k.name).sort(), ['MFABOT_BLOB_CONNECTION_STRING', 'MFABOT_GRAPH_CLIENT_SECRET', 'MicrosoftAppPassword']);
  });

  it('runs the demo with every default when nothing is set', () => {
    const config = loadConfig({});
    assert.equal(config.demo, true);
    assert.equal(config.host, '127.0.0.1');
    assert.deepEqual([config.port, config.simPort, config.playgroundPort], [3978, 3979, 3980]);
    assert.equal(config.storage, 'file');
    assert.equal(config.dataDir, '.mfabot-data');
    assert.equal(config.roleIds.length, 14);
    assert.deepEqual(config.nudgers, { kind: 'approvers' });
    assert.equal(config.logLevel, 'info');
    assert.ok(Object.isFrozen(config) && Object.isFrozen(config.graph), 'frozen');
  });

  it('names every bad variable at once', () => {
    const problems = problemsOf({
      PORT: 'eighty', MFABOT_APPROVERS: 'alice,bob', MFABOT_STORAGE: 'cloud', MFABOT_TWO_PERSON_RULE: 'maybe', LOG_LEVEL: 'loud',
      MFABOT_ROLES: 'admins', MFABOT_NUDGERS: 'everyone', MicrosoftAppType: 'Robot', ToBotFromChannelTokenIssuer: 'https://api.botframework.com',
    });
    for (const name of ['PORT', 'MFABOT_APPROVERS', 'MFABOT_STORAGE', 'MFABOT_TWO_PERSON_RULE', 'LOG_LEVEL', 'MFABOT_ROLES', 'MFABOT_NUDGERS', 'MicrosoftAppType', 'Bot Framework endpoint settings']) {
      assert.ok(problems.some((p) => p.startsWith(name)), `${name} is named: ${problems.join(' | ')}`);
    }
    assert.match(problems.join('\n'), /PORT: must be a whole number from 0 to 65535 \(got "eighty"\)/);
    assert.match(problems.join('\n'), /MFABOT_APPROVERS: "alice" is not an Entra object id/);
  });

  it('needs a tenant and a password with an app id, and Graph credentials for Microsoft Graph', () => {
    const problems = problemsOf({ MicrosoftAppId: APP });
    assert.ok(problems.some((p) => p.startsWith('MicrosoftAppTenantId is required')));
    assert.ok(problems.some((p) => p.startsWith('MicrosoftAppPassword is required')));
    assert.ok(problems.some((p) => p.startsWith('no Graph credentials')));
    const config = loadConfig({ MicrosoftAppId: APP, MicrosoftAppPassword: 'bot-secret', MicrosoftAppTenantId: TENANT });
    assert.equal(config.demo, false);
    assert.deepEqual(config.graph.auth, { kind: 'secret', tenantId: TENANT, clientId: APP, clientSecret: 'bot-secret' });
    assert.equal(config.host, '0.0.0.0');
  });

  it('lets the tools read a real tenant without an app id, but never the bot', () => {
    const env = { MFABOT_GRAPH_CLIENT_ID: APP, MFABOT_GRAPH_CLIENT_SECRET: 'graph-secret', MicrosoftAppTenantId: TENANT };
    assert.equal(loadConfig(env).graph.auth.kind, 'secret');
    assert.throws(() => loadBotConfig(env), /demo mode/);
  });

  it('applies the built-in tenant\'s defaults only to the built-in tenant and only to unset variables', () => {
    const defaults = { approverIds: [APP], breakGlassUserIds: [TENANT] };
    assert.deepEqual(loadConfig({}, defaults).approverIds, [APP]);
    assert.deepEqual(loadConfig({ MFABOT_APPROVERS: '' }, defaults).approverIds, [], 'set but empty: no approvers');
    assert.deepEqual(loadConfig({ MFABOT_TENANT_FILE: 'x.json' }, defaults).approverIds, [], 'another tenant');
    assert.deepEqual(loadConfig({ MFABOT_GRAPH_URL: 'http://127.0.0.1:9' }, defaults).breakGlassUserIds, []);
  });

  it('keeps every secret value out of the logs', () => {
    const config = loadConfig({
      MicrosoftAppId: APP, MicrosoftAppPassword: 'bot-secret', MicrosoftAppTenantId: TENANT, MFABOT_GRAPH_CLIENT_ID: APP,
      MFABOT_GRAPH_CLIENT_SECRET: 'graph-secret', MFABOT_STORAGE: 'blob', MFABOT_BLOB_CONNECTION_STRING: 'AccountName=a;AccountKey=key-secret;',
    });
    assert.deepEqual(secretValues(config).sort(), ['AccountName=a;AccountKey=key-secret;', 'bot-secret', 'graph-secret', 'key-secret'].sort());
  });
});

describe('how changes are made (MFABOT_WRITE_MODE)', () => {
  const production = { MicrosoftAppId: APP, MicrosoftAppPassword: 'bot-secret', MicrosoftAppTenantId: TENANT };

  it('makes changes with the approver\'s identity once single sign-on is configured, and in demo mode', () => {
    assert.equal(loadConfig({}).writes.mode, 'delegated');
    const sso = loadConfig({ ...production, MFABOT_SSO_CONNECTION: 'mfabot-sso' }).writes;
    assert.equal(sso.mode, 'delegated');
    assert.deepEqual(sso.sso, {
      clientId: APP, clientSecret: 'bot-secret', resource: `api://botid-${APP}`, authorityHost: 'https://login.microsoftonline.com', connectionName: 'mfabot-sso',
    });
  });

  it('keeps the app\'s permissions for writes without single sign-on, or when asked to', () => {
    assert.equal(loadConfig(production).writes.mode, 'application');
    assert.equal(loadConfig({ ...production, MFABOT_SSO_CONNECTION: 'mfabot-sso', MFABOT_WRITE_MODE: 'application' }).writes.mode, 'application');
  });

  it('needs the bot\'s secret to exchange a sign-in on the approver\'s behalf', () => {
    const problems = problemsOf({ MicrosoftAppId: APP, MicrosoftAppType: 'UserAssignedMSI', MicrosoftAppTenantId: TENANT, MFABOT_GRAPH_MANAGED_IDENTITY: 'system', MFABOT_WRITE_MODE: 'delegated' });
    assert.ok(problems.some((p) => p.startsWith('MFABOT_WRITE_MODE=delegated needs MicrosoftAppId and MicrosoftAppPassword')), problems.join(' | '));
    assert.ok(problemsOf({ MFABOT_WRITE_MODE: 'sometimes' }).some((p) => p.startsWith('MFABOT_WRITE_MODE: must be one of delegated, application')));
  });
});
