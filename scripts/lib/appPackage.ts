/**
 * Builds the Teams app package the way the Microsoft 365 Agents Toolkit's teamsApp/zipAppPackage
 * does: `${{NAME}}` placeholders in appPackage/manifest.template.json are filled from env/.env.<env>
 * (then env/.env.<env>.user, then overrides such as the process environment), and the zip holds
 * manifest.json plus the two icons. Unlike the toolkit it refuses to write a package that fails
 * Microsoft's JSON schema (shipped in @microsoft/app-manifest, read from disk: no network) or has
 * icons of the wrong size.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { AppManifestUtils } from '@microsoft/app-manifest';
import { decodePng } from './png';
import { writeZip } from './zip';

export const ROOT = resolve(__dirname, '..', '..');
export const TEMPLATE_PATH = join(ROOT, 'appPackage', 'manifest.template.json');

/** Placeholders that may legitimately be empty (the production app has no name suffix). */
const MAY_BE_EMPTY = new Set(['APP_NAME_SUFFIX']);
const PLACEHOLDER = /\$\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/** Icon sizes Teams requires. */
export const ICON_SIZES = { color: 192, outline: 32 } as const;

export class PackageError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'PackageError';
  }
}

/** Parses a .env file as the toolkit writes them: KEY=VALUE lines, # comments, optional quotes. */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq).trim().replace(/^export\s+/, '');
    let value = line.slice(eq + 1).trim();
    const quoted = /^(['"])(.*)\1$/.exec(value);
    if (quoted) value = quoted[2] ?? '';
    else value = value.replace(/\s+#.*$/, '');
    out[key] = value;
  }
  return out;
}

/** The values for one toolkit environment: env/.env.<env>, env/.env.<env>.user, then `overrides`. */
export function loadEnvironment(envName: string, overrides: Readonly<Record<string, string | undefined>> = {}, root = ROOT): Record<string, string> {
  if (!/^[A-Za-z0-9_-]+$/.test(envName)) throw new PackageError([`environment name "${envName}" must be letters, digits, "-" or "_"`]);
  const file = join(root, 'env', `.env.${envName}`);
  if (!existsSync(file)) throw new PackageError([`no ${file}: create it (see env/.env.dev) or pick another environment`]);
  const values: Record<string, string> = { TEAMSFX_ENV: envName, ...parseEnvFile(readFileSync(file, 'utf8')) };
  const user = `${file}.user`;
  if (existsSync(user)) Object.assign(values, parseEnvFile(readFileSync(user, 'utf8')));
  for (const [k, v] of Object.entries(overrides)) if (v !== undefined) values[k] = v;
  return values;
}

/** Every placeholder name the template uses, sorted. */
export function placeholdersOf(template: unknown): string[] {
  const names = new Set<string>();
  JSON.stringify(template).replace(PLACEHOLDER, (_m, name: string) => {
    names.add(name);
    return '';
  });
  return [...names].sort();
}

/**
 * Fills placeholders inside JSON string values (so a value can never break the JSON). Throws a
 * PackageError naming every placeholder that has no value.
 */
export function renderManifest(template: unknown, values: Readonly<Record<string, string>>): Record<string, unknown> {
  const missing = placeholdersOf(template).filter((n) => values[n] === undefined || (values[n] === '' && !MAY_BE_EMPTY.has(n)));
  if (missing.length > 0) {
    throw new PackageError(missing.map((n) => `${n} has no value: set it in env/.env.<env> (Provision writes TEAMS_APP_ID, BOT_ID and BOT_DOMAIN) or in the environment`));
  }
  const fill = (node: unknown): unknown => {
    if (typeof node === 'string') return node.replace(PLACEHOLDER, (_m, name: string) => values[name] ?? '');
    if (Array.isArray(node)) return node.map(fill);
    if (node && typeof node === 'object') return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, fill(v)]));
    return node;
  };
  return fill(template) as Record<string, unknown>;
}

/** Microsoft's JSON schema for a manifest version, as shipped in @microsoft/app-manifest. */
export function manifestSchemaPath(manifestVersion: string): string {
  const pkg = dirname(require.resolve('@microsoft/app-manifest/package.json'));
  return join(pkg, 'build', 'json-schemas', 'teams', `v${manifestVersion}`, 'MicrosoftTeams.schema.json');
}

/** Schema errors (empty when valid). Reads the schema from disk; never fetches it. */
export async function validateManifest(manifest: Record<string, unknown>): Promise<string[]> {
  const version = manifest.manifestVersion;
  if (typeof version !== 'string') return ['manifestVersion is missing'];
  const file = manifestSchemaPath(version);
  if (!existsSync(file)) return [`@microsoft/app-manifest ships no schema for manifestVersion ${version}`];
  const schema = JSON.parse(readFileSync(file, 'utf8')) as Parameters<typeof AppManifestUtils.validateAgainstSchema>[1];
  return AppManifestUtils.validateAgainstSchema(manifest as unknown as Parameters<typeof AppManifestUtils.validateAgainstSchema>[0], schema);
}

/** Problems with the icons the manifest names: missing, not PNG, wrong size, outline not white on transparent. */
export function iconProblems(manifest: Record<string, unknown>, dir: string): string[] {
  const icons = (manifest.icons ?? {}) as Record<string, unknown>;
  const problems: string[] = [];
  for (const kind of ['color', 'outline'] as const) {
    const rel = icons[kind];
    if (typeof rel !== 'string') {
      problems.push(`icons.${kind} is missing`);
      continue;
    }
    const file = join(dir, rel);
    if (!existsSync(file)) {
      problems.push(`icons.${kind}: ${file} does not exist`);
      continue;
    }
    try {
      const image = decodePng(readFileSync(file));
      const size = ICON_SIZES[kind];
      if (image.width !== size || image.height !== size) problems.push(`icons.${kind} must be ${size}×${size} pixels, ${rel} is ${image.width}×${image.height}`);
      if (kind === 'outline') {
        let transparent = 0;
        for (let i = 0; i < image.data.length; i += 4) {
          const alpha = image.data[i + 3] ?? 0;
          if (alpha === 0) transparent++;
          else if (image.data[i] !== 255 || image.data[i + 1] !== 255 || image.data[i + 2] !== 255) {
            problems.push(`icons.outline must be white on transparent: pixel ${(i / 4) % image.width},${Math.floor(i / 4 / image.width)} is not white`);
            break;
          }
        }
        if (transparent === 0) problems.push('icons.outline must have a transparent background');
      }
    } catch (err) {
      problems.push(`icons.${kind}: ${(err as Error).message}`);
    }
  }
  return problems;
}

export interface BuiltPackage {
  zipPath: string;
  manifestPath: string;
  manifest: Record<string, unknown>;
  zip: Buffer;
}

/** Renders, validates and zips; writes appPackage/build/appPackage.<env>.zip and manifest.<env>.json. */
export async function buildAppPackage(envName: string, overrides: Readonly<Record<string, string | undefined>> = {}, root = ROOT): Promise<BuiltPackage> {
  const values = loadEnvironment(envName, overrides, root);
  const appDir = join(root, 'appPackage');
  const template = JSON.parse(readFileSync(join(appDir, 'manifest.template.json'), 'utf8')) as unknown;
  const manifest = renderManifest(template, values);
  const problems = [...(await validateManifest(manifest)).map((e) => `manifest${e}`), ...iconProblems(manifest, appDir)];
  if (problems.length > 0) throw new PackageError(problems);
  const icons = manifest.icons as { color: string; outline: string };
  const manifestJson = `${JSON.stringify(manifest, null, 2)}\n`;
  const zip = writeZip([
    { name: 'manifest.json', data: Buffer.from(manifestJson, 'utf8') },
    { name: icons.color, data: readFileSync(join(appDir, icons.color)) },
    { name: icons.outline, data: readFileSync(join(appDir, icons.outline)) },
  ]);
  const buildDir = join(appDir, 'build');
  mkdirSync(buildDir, { recursive: true });
  const zipPath = join(buildDir, `appPackage.${envName}.zip`);
  const manifestPath = join(buildDir, `manifest.${envName}.json`);
  writeFileSync(zipPath, zip);
  writeFileSync(manifestPath, manifestJson);
  return { zipPath, manifestPath, manifest, zip };
}
