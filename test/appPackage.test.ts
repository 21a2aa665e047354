/**
 * The Teams app package: the manifest rendered from appPackage/manifest.template.json validates
 * against Microsoft's schema for its manifestVersion (shipped in @microsoft/app-manifest, read from
 * disk), carries what MfaBot needs, and the zip holds exactly the manifest and two valid icons.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildAppPackage, iconProblems, loadEnvironment, manifestSchemaPath, PackageError, parseEnvFile, placeholdersOf, renderManifest,
  ROOT, TEMPLATE_PATH, validateManifest,
} from '../scripts/lib/appPackage';
import { decodePng, encodePng, readPngHeader } from '../scripts/lib/png';
import { readZip, writeZip } from '../scripts/lib/zip';

const TEST_VALUES: Record<string, string> = {
  TEAMS_APP_ID: '3f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0',
  BOT_ID: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
  BOT_DOMAIN: 'mfabot-test.azurewebsites.net',
  APP_NAME_SUFFIX: '-test',
  DEVELOPER_NAME: 'Fabrikam IT Security',
  DEVELOPER_WEBSITE_URL: 'https://intranet.fabrikam.example/mfabot',
  DEVELOPER_PRIVACY_URL: 'https://intranet.fabrikam.example/privacy',
  DEVELOPER_TERMS_URL: 'https://intranet.fabrikam.example/terms',
};

const template = (): unknown => JSON.parse(readFileSync(TEMPLATE_PATH, 'utf8'));
const rendered = () => renderManifest(template(), TEST_VALUES) as Record<string, unknown> & {
  manifestVersion: string;
  $schema: string;
  version: string;
  id: string;
  bots: Array<{ botId: string; scopes: string[]; commandLists: Array<{ scopes: string[]; commands: Array<{ title: string }> }> }>;
  validDomains: string[];
  webApplicationInfo: { id: string; resource?: string };
  icons: { color: string; outline: string };
};

describe('Teams app package', () => {
  describe('the manifest rendered with test values', () => {
    it('validates against the schema @microsoft/app-manifest ships for its manifestVersion, without network', async () => {
      const manifest = rendered();
      const realFetch = globalThis.fetch;
      globalThis.fetch = (async () => {
        throw new Error('the schema check must not use the network');
      }) as typeof fetch;
      try {
        assert.deepEqual(await validateManifest(manifest), []);
      } finally {
        globalThis.fetch = realFetch;
      }
      assert.match(manifestSchemaPath(manifest.manifestVersion), /json-schemas[\\/]teams[\\/]v\d+\.\d+[\\/]MicrosoftTeams\.schema\.json$/);
      assert.equal(manifest.$schema, `https://developer.microsoft.com/json-schemas/teams/v${manifest.manifestVersion}/MicrosoftTeams.schema.json`);
    });

    it('fails validation when it breaks the schema (the check is not vacuous)', async () => {
      const manifest = rendered();
      manifest.bots[0]!.scopes = ['channel'];
      const errors = await validateManifest(manifest);
      assert.ok(errors.some((e) => e.includes('/bots/0/scopes')), errors.join('\n'));
    });

    it('has the app version of package.json', () => {
      const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
      assert.equal(rendered().version, pkg.version);
    });

    it('offers the bot in team, group chat and personal scope, with status, help, audit and subscribe in every scope', () => {
      const [bot, ...others] = rendered().bots;
      assert.equal(others.length, 0);
      assert.ok(bot);
      assert.deepEqual([...bot.scopes].sort(), ['groupChat', 'personal', 'team']);
      for (const scope of ['team', 'groupChat', 'personal']) {
        const titles = bot.commandLists.filter((l) => l.scopes.includes(scope)).flatMap((l) => l.commands.map((c) => c.title));
        for (const command of ['status', 'help', 'audit', 'subscribe']) assert.ok(titles.includes(command), `${command} missing in ${scope}`);
      }
    });

    it('names the bot app in botId and webApplicationInfo, so MfaBot may install itself for admins through Graph', () => {
      const manifest = rendered();
      assert.equal(manifest.id, TEST_VALUES.TEAMS_APP_ID);
      assert.equal(manifest.bots[0]?.botId, TEST_VALUES.BOT_ID);
      assert.equal(manifest.webApplicationInfo.id, TEST_VALUES.BOT_ID);
      assert.equal(manifest.webApplicationInfo.resource, `api://botid-${TEST_VALUES.BOT_ID}`);
    });

    it('lists the bot host, without scheme or path, and the Bot Framework token service (the sign-in fallback) in validDomains', () => {
      assert.deepEqual(rendered().validDomains, [TEST_VALUES.BOT_DOMAIN, 'token.botframework.com']);
    });

    it('keeps values that contain quotes inside their JSON strings', () => {
      const manifest = renderManifest(template(), { ...TEST_VALUES, DEVELOPER_NAME: 'Fabrikam "Blue" Team' }) as { developer: { name: string } };
      assert.equal(manifest.developer.name, 'Fabrikam "Blue" Team');
    });
  });

  describe('placeholders', () => {
    it('are the Agents Toolkit names, each set in env/.env.dev and env/.env.local', () => {
      const names = placeholdersOf(template());
      assert.deepEqual(names, Object.keys(TEST_VALUES).sort());
      for (const env of ['dev', 'local']) {
        const values = parseEnvFile(readFileSync(join(ROOT, 'env', `.env.${env}`), 'utf8'));
        for (const name of names) assert.ok(name in values, `${name} is not in env/.env.${env}`);
      }
    });

    it('without a value stop the build, naming each one', () => {
      const { TEAMS_APP_ID: _id, ...partial } = TEST_VALUES;
      assert.throws(() => renderManifest(template(), { ...partial, BOT_ID: '' }), (err: unknown) => {
        assert.ok(err instanceof PackageError);
        assert.deepEqual(err.problems.map((p) => p.split(' ')[0]), ['BOT_ID', 'TEAMS_APP_ID']);
        return true;
      });
    });

    it('may leave the app name suffix empty (the production app is just "MfaBot")', () => {
      const manifest = renderManifest(template(), { ...TEST_VALUES, APP_NAME_SUFFIX: '' }) as { name: { short: string } };
      assert.equal(manifest.name.short, 'MfaBot');
    });
  });

  describe('icons', () => {
    const icon = (name: string) => readFileSync(join(ROOT, 'appPackage', name));

    it('are 192×192 (color) and 32×32 (outline), read from the PNG headers', () => {
      assert.deepEqual([readPngHeader(icon('color.png')).width, readPngHeader(icon('color.png')).height], [192, 192]);
      assert.deepEqual([readPngHeader(icon('outline.png')).width, readPngHeader(icon('outline.png')).height], [32, 32]);
    });

    it('outline is white on a transparent background', () => {
      const image = decodePng(icon('outline.png'));
      let transparent = 0;
      let drawn = 0;
      for (let i = 0; i < image.data.length; i += 4) {
        if (image.data[i + 3] === 0) {
          transparent++;
          continue;
        }
        drawn++;
        assert.deepEqual([...image.data.subarray(i, i + 3)], [255, 255, 255], `pixel ${i / 4} is not white`);
      }
      assert.ok(transparent > 32 * 32 * 0.3, 'mostly transparent');
      assert.ok(drawn > 32 * 4, 'something is drawn');
      assert.equal(image.data[3], 0, 'the top-left corner is transparent');
    });

    it('color is opaque and uses the accent colour', () => {
      const image = decodePng(icon('color.png'));
      for (let i = 3; i < image.data.length; i += 4) assert.equal(image.data[i], 255);
      const accent = (rendered().accentColor as string).slice(1).match(/../g)?.map((h) => parseInt(h, 16));
      assert.deepEqual([...image.data.subarray(0, 3)], accent);
    });

    it('of the wrong size or colour are reported', () => {
      const dir = mkdtempSync(join(tmpdir(), 'mfabot-icons-'));
      try {
        writeFileSync(join(dir, 'color.png'), encodePng({ width: 96, height: 96, data: new Uint8Array(96 * 96 * 4).fill(255) }));
        writeFileSync(join(dir, 'outline.png'), encodePng({ width: 32, height: 32, data: new Uint8Array(32 * 32 * 4).fill(128) }));
        const problems = iconProblems({ icons: { color: 'color.png', outline: 'outline.png' } }, dir);
        assert.equal(problems.length, 3, problems.join('\n'));
        assert.match(problems[0] ?? '', /192×192.*96×96/);
        assert.match(problems[1] ?? '', /white on transparent: pixel 0,0/);
        assert.match(problems[2] ?? '', /transparent background/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('npm run package', () => {
    let root: string;
    beforeEach(() => {
      root = mkdtempSync(join(tmpdir(), 'mfabot-package-'));
      mkdirSync(join(root, 'appPackage'));
      mkdirSync(join(root, 'env'));
      for (const f of ['manifest.template.json', 'color.png', 'outline.png']) copyFileSync(join(ROOT, 'appPackage', f), join(root, 'appPackage', f));
      writeFileSync(join(root, 'env', '.env.test'), Object.entries(TEST_VALUES).map(([k, v]) => `${k}=${v}`).join('\n'));
    });
    afterEach(() => rmSync(root, { recursive: true, force: true }));

    it('zips exactly manifest.json and the two icons, and the same inputs give the same bytes', async () => {
      const built = await buildAppPackage('test', {}, root);
      assert.equal(built.zipPath, join(root, 'appPackage', 'build', 'appPackage.test.zip'));
      const entries = readZip(readFileSync(built.zipPath));
      assert.deepEqual(entries.map((e) => e.name).sort(), ['color.png', 'manifest.json', 'outline.png']);
      const manifest = JSON.parse(entries.find((e) => e.name === 'manifest.json')?.data.toString('utf8') ?? '{}') as unknown;
      assert.deepEqual(manifest, rendered());
      assert.deepEqual(JSON.parse(readFileSync(built.manifestPath, 'utf8')), manifest);
      for (const icon of ['color.png', 'outline.png']) {
        assert.ok(entries.find((e) => e.name === icon)?.data.equals(readFileSync(join(ROOT, 'appPackage', icon))), icon);
      }
      const again = await buildAppPackage('test', {}, root);
      assert.ok(again.zip.equals(built.zip));
    });

    it('takes values from env/.env.<env>.user and then from the environment over the committed file', () => {
      writeFileSync(join(root, 'env', '.env.test.user'), 'BOT_DOMAIN=from-user-file.example\nSECRET_BOT_PASSWORD="not used"\n');
      assert.equal(loadEnvironment('test', {}, root).BOT_DOMAIN, 'from-user-file.example');
      assert.equal(loadEnvironment('test', { BOT_DOMAIN: 'from-shell.example' }, root).BOT_DOMAIN, 'from-shell.example');
      assert.equal(loadEnvironment('test', {}, root).TEAMSFX_ENV, 'test');
    });

    it('refuses to build a package that fails the schema', async () => {
      writeFileSync(join(root, 'env', '.env.test'), Object.entries({ ...TEST_VALUES, BOT_ID: 'not-a-guid' }).map(([k, v]) => `${k}=${v}`).join('\n'));
      await assert.rejects(buildAppPackage('test', {}, root), (err: unknown) => {
        assert.ok(err instanceof PackageError);
        assert.ok(err.problems.some((p) => p.startsWith('manifest/bots/0/botId')), err.problems.join('\n'));
        return true;
      });
    });

    it('refuses an unknown environment', async () => {
      await assert.rejects(buildAppPackage('prod', {}, root), /no .*\.env\.prod/);
    });
  });

  describe('zip writer', () => {
    it('round-trips entries, stored or deflated, with names in UTF-8', () => {
      const entries = [
        { name: 'manifest.json', data: Buffer.from('{"a":1}'.repeat(50)) },
        { name: 'tiny', data: Buffer.from('x') },
        { name: 'dir/ünïcode.txt', data: Buffer.alloc(0) },
      ];
      assert.deepEqual(readZip(writeZip(entries)), entries);
    });

    it('rejects duplicate or escaping names', () => {
      assert.throws(() => writeZip([{ name: 'a', data: Buffer.alloc(1) }, { name: 'a', data: Buffer.alloc(1) }]), /duplicate/);
      assert.throws(() => writeZip([{ name: '../a', data: Buffer.alloc(1) }]), /bad zip entry/);
    });
  });
});
