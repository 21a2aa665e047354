/**
 * The deployment files agree with each other and with the code: the Bicep template wires every
 * MfaBot setting, its parameters are passed and documented, the Agents Toolkit project files use
 * documented actions and only variables that env/ or an earlier action provides. (Bicep itself is not
 * compiled here: that needs the Bicep CLI.)
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BOT_ENDPOINT_KEYS, CONFIG_KEYS } from '../src/config';
import { parseEnvFile, ROOT } from '../scripts/lib/appPackage';

const read = (...p: string[]) => readFileSync(join(ROOT, ...p), 'utf8');
const bicep = read('infra', 'azure.bicep');
const parameters = JSON.parse(read('infra', 'azure.parameters.json')) as { parameters: Record<string, { value: unknown }> };

/** Settings the template deliberately leaves out of the App Service, and why. */
const NOT_DEPLOYED: Record<string, string> = {
  MFABOT_GRAPH_CLIENT_ID: 'Graph uses the bot app registration or the managed identity (graphCredential)',
  MFABOT_GRAPH_CLIENT_SECRET: 'same',
  MFABOT_GRAPH_CERTIFICATE_PATH: 'certificates are added by hand (infra/README.md)',
  MFABOT_DATA_DIR: 'the file store; Azure uses MFABOT_STORAGE=blob',
  MFABOT_TENANT_FILE: 'demo mode only',
  SIM_PORT: 'demo mode only',
  PLAYGROUND_PORT: 'demo mode only',
  PORT: 'set by App Service',
  HOST: 'the default, 0.0.0.0, is right on App Service',
  MFABOT_SCHEDULER_INTERVAL_MS: 'tests only',
  MFABOT_LOGIN_URL: 'the public cloud\'s login host is the default',
  ...Object.fromEntries(BOT_ENDPOINT_KEYS.map((k) => [k, 'sovereign clouds or offline tests only; the public cloud needs none'])),
};

/** `param name type [= default]` lines of the template. */
function bicepParams(): Map<string, { hasDefault: boolean }> {
  const out = new Map<string, { hasDefault: boolean }>();
  for (const m of bicep.matchAll(/^param (\w+) \w+( =)?/gm)) out.set(m[1] ?? '', { hasDefault: m[2] !== undefined });
  return out;
}

function appSettings(): string[] {
  return [...bicep.matchAll(/^\s+name: '([A-Za-z_][A-Za-z0-9_]*)'\n\s+value:/gm)].map((m) => m[1] ?? '');
}

const placeholders = (text: string) => [...text.matchAll(/\$\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g)].map((m) => m[1] ?? '');

describe('deployment files', () => {
  describe('infra/azure.bicep', () => {
    it('wires every MfaBot setting into the App Service, or says why not', () => {
      const settings = appSettings();
      const names = CONFIG_KEYS.map((k) => k.name).filter((n) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(n));
      const unwired = names.filter((n) => !settings.includes(n) && !(n in NOT_DEPLOYED));
      assert.deepEqual(unwired, [], `add these to appSettings in infra/azure.bicep (with a parameter), or to NOT_DEPLOYED in test/infra.test.ts with the reason`);
      for (const n of Object.keys(NOT_DEPLOYED)) assert.ok(!settings.includes(n), `${n} is deployed after all: drop it from NOT_DEPLOYED`);
    });

    it('registers a single-tenant Azure Bot with the Teams channel, on a Linux Node.js App Service with a user-assigned identity', () => {
      assert.match(bicep, /msaAppType: 'SingleTenant'/);
      assert.match(bicep, /name: 'MsTeamsChannel'/);
      assert.match(bicep, /name: 'MicrosoftAppType'\n\s+value: 'SingleTenant'/);
      assert.match(bicep, /kind: 'app,linux'/);
      assert.match(bicep, /param linuxFxVersion string = 'NODE\|20-lts'/);
      assert.match(bicep, /type: 'UserAssigned'/);
      assert.match(bicep, /endpoint: 'https:\/\/\$\{webApp\.properties\.defaultHostName\}\/api\/messages'/);
      assert.match(bicep, /name: 'MFABOT_STORAGE'\n\s+value: 'blob'/);
    });

    it('keeps the secret parameter secure and out of the outputs', () => {
      assert.match(bicep, /@secure\(\)\nparam botAppPassword string/);
      for (const line of bicep.split('\n').filter((l) => l.startsWith('output '))) assert.doesNotMatch(line, /Password|listKeys|CONNECTION/i);
    });

    it('uses no syntax newer than the Bicep CLI m365agents.yml pins (single-line arrays, lambdas)', () => {
      const code = bicep.split('\n').filter((l) => !l.trim().startsWith('//')).join('\n');
      assert.doesNotMatch(code, /\[[^\]\n]*'[^'\n]*',[^\]\n]*\]/, 'single-line array with commas');
      assert.doesNotMatch(code, /=>/, 'lambda');
    });
  });

  describe('infra/azure.parameters.json', () => {
    it('passes every required parameter and only declared ones', () => {
      const declared = bicepParams();
      for (const name of Object.keys(parameters.parameters)) assert.ok(declared.has(name), `${name} is not a parameter of azure.bicep`);
      for (const [name, p] of declared) if (!p.hasDefault) assert.ok(name in parameters.parameters, `${name} has no default and no value`);
    });

    it('documents every parameter in infra/README.md', () => {
      const readme = read('infra', 'README.md');
      for (const name of bicepParams().keys()) assert.ok(readme.includes(`| \`${name}\` |`), `${name} is not in infra/README.md`);
    });
  });

  describe('Agents Toolkit project files', () => {
    /** Actions of the toolkit's v1.11 project schema (https://aka.ms/teamsfx-actions) these files may use. */
    const DOCUMENTED = new Set([
      'teamsApp/create', 'aadApp/create', 'aadApp/update', 'botAadApp/create', 'botFramework/create', 'arm/deploy', 'teamsApp/validateManifest',
      'teamsApp/zipAppPackage', 'teamsApp/validateAppPackage', 'teamsApp/update', 'teamsApp/publishAppPackage',
      'cli/runNpmCommand', 'azureAppService/zipDeploy', 'file/createOrUpdateEnvironmentFile',
    ]);

    for (const [file, env] of [['m365agents.yml', 'dev'], ['m365agents.local.yml', 'local']] as const) {
      it(`${file} uses documented actions and only variables env/.env.${env} or an earlier action provides`, () => {
        const yml = read(file);
        assert.match(yml, /^version: v1\.11$/m);
        const actions = [...yml.matchAll(/^\s+- uses: (\S+)/gm)].map((m) => m[1] ?? '');
        assert.ok(actions.length > 5);
        for (const a of actions) assert.ok(DOCUMENTED.has(a), `${a} is not a documented action`);
        const provided = new Set([
          'TEAMSFX_ENV', ...Object.keys(parseEnvFile(read('env', `.env.${env}`))),
          ...[...yml.matchAll(/^\s+\w+: ([A-Z][A-Z0-9_]*)$/gm)].map((m) => m[1] ?? ''),
        ]);
        const used = new Set([...placeholders(yml), ...placeholders(read('aad.manifest.json')), ...(file === 'm365agents.yml' ? placeholders(read('infra', 'azure.parameters.json')) : [])]);
        for (const name of used) assert.ok(provided.has(name), `${name} is used but neither env/.env.${env} nor an action provides it`);
        for (const m of yml.matchAll(/manifestPath: \.\/(\S+)/g)) assert.doesNotThrow(() => read(m[1] ?? ''), m[1]);
      });
    }
  });
});
