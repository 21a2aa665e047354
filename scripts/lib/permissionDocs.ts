/**
 * Renders MfaBot's one permission table (src/graph/permissions.ts) where people and tools read it:
 * docs/permissions.md, the README's table, the consent the app registration asks for
 * (aad.manifest.json's requiredResourceAccess) and infra/azure.bicep's output for a managed identity.
 * It also renders README's configuration table from src/settings.ts. `npm run docs` writes them all;
 * test/permissions.test.ts and test/config.test.ts fail when one is out of date.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FEATURES } from '../../src/doctor';
import { delegatedNeeds, PERMISSION_NEEDS, permissionsToGrant, type Feature, type PermissionNeed } from '../../src/graph/permissions';
import { settingsTable } from '../../src/settings';
import { ROOT } from './appPackage';

export const MARKERS = { start: '<!-- permissions:start (npm run permissions) -->', end: '<!-- permissions:end -->' } as const;
/** README's configuration table, generated from src/settings.ts. */
export const CONFIG_MARKERS = { start: '<!-- configuration:start (npm run docs) -->', end: '<!-- configuration:end -->' } as const;

const code = (p: string): string => `\`${p}\``;
const list = (ps: readonly string[]): string => ps.map(code).join(', ');

function call(n: PermissionNeed): string {
  return n.route ? code(n.route) : '(what the calls above return)';
}

function title(feature: Feature): string {
  return FEATURES.find((f) => f.feature === feature)?.title ?? feature;
}

/** docs/permissions.md: per feature what to grant, then every call with what else Microsoft's map accepts. */
export function renderPermissionsDoc(): string {
  const out: string[] = [];
  for (const { feature } of FEATURES) {
    const needs = PERMISSION_NEEDS.filter((n) => n.feature === feature);
    const optional = needs.filter((n) => n.optional).map((n) => n.permission);
    const writes = delegatedNeeds([feature]);
    const delegatedGrant = list(permissionsToGrant([feature], { mode: 'delegated' }));
    const grant = writes.scopes.length === 0
      ? `Grant: ${list(permissionsToGrant([feature]))}.`
      : `Grant, with changes made as the approver (delegated, the default with single sign-on): ${delegatedGrant || 'no application permission'}, and the delegated permission${writes.scopes.length === 1 ? '' : 's'} ${list(writes.scopes)}; approvers need one of the roles ${writes.roles.join(', ')}. With changes made as the app (MFABOT_WRITE_MODE=application): ${list(permissionsToGrant([feature]))}.`;
    out.push(`### ${title(feature)}`, '', `${grant}${optional.length ? ` Optional: ${list([...new Set(optional)])}.` : ''}`, '');
    out.push('| what MfaBot does | Graph call | MfaBot asks for | Microsoft\'s map also accepts | licence the data needs |', '|---|---|---|---|---|');
    for (const n of needs) {
      const asks = `${code(n.permission)}${n.alongside?.length ? ` and ${list(n.alongside)}` : ''}${n.optional ? ' (optional)' : ''}${n.delegated ? ' (application write mode; delegated mode: none, the approver\'s own token)' : ''}`;
      const why = n.because ? ` (${n.because})` : '';
      out.push(`| ${n.what}${why} | ${call(n)} | ${asks} | ${n.alternatives.length ? list(n.alternatives) : '–'} | ${n.licence ?? '–'} |`);
    }
    out.push('');
  }
  const delegatedSet = permissionsToGrant(undefined, { mode: 'delegated' });
  out.push(
    `So the full set for every feature, with changes made as the approver (delegated), is ${delegatedSet.length} application permissions, none of which can change anything MfaBot changes:`, '', `${list(delegatedSet)};`, '',
    `and the delegated permissions ${list(delegatedNeeds().scopes)}. With changes made as the app it is ${permissionsToGrant().length} application permissions:`, '', `${list(permissionsToGrant())}.`,
  );
  return out.join('\n');
}

/** The README's short table: per feature, what to grant and the licence. */
export function renderReadmeTable(): string {
  const out = ['| feature | permissions | licence |', '|---|---|---|'];
  for (const { feature } of FEATURES) {
    const licences = new Map<string, string>();
    for (const n of PERMISSION_NEEDS) if (n.feature === feature && n.licence && !licences.has(n.what)) licences.set(n.what, n.licence);
    const byLicence = new Map<string, string[]>();
    for (const [what, licence] of licences) byLicence.set(licence, [...(byLicence.get(licence) ?? []), what]);
    const text = [...byLicence].map(([licence, whats]) => `${licence} (${whats.join(', ')})`).join('; ');
    const writes = delegatedNeeds([feature]);
    const permissions = writes.scopes.length === 0
      ? list(permissionsToGrant([feature]))
      : `delegated mode: ${list(permissionsToGrant([feature], { mode: 'delegated' })) || 'none'}, and the approver's ${list(writes.scopes)}; application mode: ${list(permissionsToGrant([feature]))}`;
    out.push(`| ${title(feature)} | ${permissions} | ${text || '–'} |`);
  }
  return out.join('\n');
}

/** Replaces the text between the markers of `file` with `body`. */
export function withSection(text: string, body: string, file: string, markers: { start: string; end: string } = MARKERS): string {
  const start = text.indexOf(markers.start);
  const end = text.indexOf(markers.end);
  if (start < 0 || end < start) throw new Error(`${file} has no ${markers.start} … ${markers.end} section`);
  return `${text.slice(0, start + markers.start.length)}\n${body}\n${text.slice(end)}`;
}

export const AAD_MANIFEST = join(ROOT, 'aad.manifest.json');
/** The id of MfaBot's `access_as_user` scope (any fixed id, unique within the app registration). */
const ACCESS_AS_USER_SCOPE_ID = '7d6c2f34-5b1a-4e8e-9f3d-2c0b8a41e6a5';
/** Teams desktop and mobile, and Teams web: the clients that obtain single sign-on tokens for MfaBot. */
const TEAMS_CLIENTS = ['1fec8e78-bce4-4aaf-ab1b-5451cc387264', '5e3ce6c0-2b1f-4285-8d4b-75ee78787346'];
export const BICEP = join(ROOT, 'infra', 'azure.bicep');

/** aad.manifest.json with its Microsoft Graph application permissions set to the full set. */
/**
 * aad.manifest.json for delegated writes (the default with single sign-on): Graph application
 * permissions that only read, the delegated permissions approvers' changes need, and MfaBot's API
 * (`api://botid-<app id>`, scope access_as_user) with the Teams clients pre-authorized, as
 * learn.microsoft.com/microsoftteams/platform/bots/how-to/authentication/bot-sso-register-aad describes.
 */
export function renderAadManifest(text: string): string {
  const manifest = JSON.parse(text) as { requiredResourceAccess?: Array<{ resourceAppId: string; resourceAccess: Array<{ id: string; type: string }> }> } & Record<string, unknown>;
  const others = (manifest.requiredResourceAccess ?? []).filter((r) => r.resourceAppId !== 'Microsoft Graph');
  manifest.requiredResourceAccess = [
    {
      resourceAppId: 'Microsoft Graph',
      resourceAccess: [
        ...permissionsToGrant(undefined, { mode: 'delegated' }).map((id) => ({ id, type: 'Role' })),
        ...delegatedNeeds().scopes.map((id) => ({ id, type: 'Scope' })),
      ],
    },
    ...others,
  ];
  manifest.identifierUris = ['api://botid-${{BOT_ID}}'];
  manifest.oauth2Permissions = [{
    adminConsentDescription: 'Lets Teams sign you in to MfaBot, so that changes you approve are made with your own identity.',
    adminConsentDisplayName: 'Sign in to MfaBot from Teams',
    id: ACCESS_AS_USER_SCOPE_ID,
    isEnabled: true,
    type: 'User',
    userConsentDescription: 'Lets MfaBot make the changes you approve with your own identity.',
    userConsentDisplayName: 'Make the changes you approve as you',
    value: 'access_as_user',
  }];
  manifest.preAuthorizedApplications = TEAMS_CLIENTS.map((appId) => ({ appId, permissionIds: [ACCESS_AS_USER_SCOPE_ID] }));
  // The Azure Bot's OAuth connection signs users in through the Bot Framework token service when
  // silent single sign-on is not possible; Entra ID redirects back to it.
  manifest.replyUrlsWithType = [{ url: 'https://token.botframework.com/.auth/web/redirect', type: 'Web' }];
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

const BICEP_OUTPUT = /^output GRAPH_APPLICATION_PERMISSIONS string = [^\n]*$/m;
/** The OAuth connection's scopes: what approvers' tokens need, exchanged on their behalf. */
const BICEP_SCOPES = /^(\s*)scopes: '[^'\n]*'$/m;

/** infra/azure.bicep with its GRAPH_APPLICATION_PERMISSIONS output set to the full set. */
export function renderBicep(text: string): string {
  if (!BICEP_OUTPUT.test(text)) throw new Error('infra/azure.bicep has no GRAPH_APPLICATION_PERMISSIONS output');
  if (!BICEP_SCOPES.test(text)) throw new Error('infra/azure.bicep has no OAuth connection scopes');
  const delegated = permissionsToGrant(undefined, { mode: 'delegated' }).join(',');
  return text
    .replace(BICEP_OUTPUT, `output GRAPH_APPLICATION_PERMISSIONS string = mfabotWriteMode == 'delegated' ? '${delegated}' : '${permissionsToGrant().join(',')}'`)
    .replace(BICEP_SCOPES, (_m, indent: string) => `${indent}scopes: '${delegatedNeeds().scopes.join(' ')}'`);
}

/** Every file the table is rendered into, with its current and its expected text. */
export function renderedFiles(): Array<{ path: string; current: string; expected: string }> {
  const read = (p: string): string => readFileSync(p, 'utf8');
  const docs = join(ROOT, 'docs', 'permissions.md');
  const readme = join(ROOT, 'README.md');
  return [
    { path: docs, current: read(docs), expected: withSection(read(docs), renderPermissionsDoc(), 'docs/permissions.md') },
    { path: readme, current: read(readme), expected: withSection(withSection(read(readme), renderReadmeTable(), 'README.md'), settingsTable(), 'README.md', CONFIG_MARKERS) },
    { path: AAD_MANIFEST, current: read(AAD_MANIFEST), expected: renderAadManifest(read(AAD_MANIFEST)) },
    { path: BICEP, current: read(BICEP), expected: renderBicep(read(BICEP)) },
  ];
}
