/**
 * The naive way to answer "which admins can do MFA", as the benchmark's baseline: list the admins
 * with plain paged GETs, then ask `GET /users/{id}/authentication/methods` once per admin
 * (docs/graph-notes.md, "Authentication methods"). No `$batch`, no registration report. It runs through the same Graph client as MfaBot.
 */
import type { Client } from '@microsoft/microsoft-graph-client';
import { forEachPage, graphGet } from '../../src/graph/requests';

export interface NaiveResult {
  admins: number;
  /** Admins with at least one method other than password and email (docs/graph-notes.md, "Authentication methods"). */
  mfaReady: number;
  /** Admins whose methods could not be read. */
  failed: number;
}

interface Row {
  principalId?: string;
  roleDefinitionId?: string;
  principal?: { '@odata.type'?: string; id?: string };
}

const NOT_MFA = new Set(['#microsoft.graph.passwordAuthenticationMethod', '#microsoft.graph.emailAuthenticationMethod']);

/** Runs `work` over `items` with at most `limit` in flight. */
async function pool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * @param concurrency requests in flight for the per-admin calls (a polite script; Graph throttles
 *   per app, and one request at a time would take minutes at 2,000 admins).
 */
export async function naiveAdminMfa(client: Client, baseUrl: string, roleIds: readonly string[], concurrency = 20): Promise<NaiveResult> {
  const scope = new Set(roleIds.map((r) => r.toLowerCase()));
  const users = new Set<string>();
  const groups = new Set<string>();
  const take = (rows: Row[]): void => {
    for (const r of rows) {
      if (!r.principalId || !scope.has((r.roleDefinitionId ?? '').toLowerCase())) continue;
      const type = r.principal?.['@odata.type'];
      if (type === '#microsoft.graph.user') users.add(r.principalId.toLowerCase());
      if (type === '#microsoft.graph.group') groups.add(r.principalId.toLowerCase());
    }
  };
  await forEachPage<Row>(client, baseUrl, '/roleManagement/directory/roleAssignments?$expand=principal', take);
  await forEachPage<Row>(client, baseUrl, '/roleManagement/directory/roleEligibilityScheduleInstances?$expand=principal', take);
  for (const g of groups) {
    await forEachPage<{ id?: string }>(client, baseUrl, `/groups/${g}/transitiveMembers/microsoft.graph.user?$select=id&$count=true`, (rows) => {
      for (const u of rows) if (u.id) users.add(u.id.toLowerCase());
    }, { headers: { ConsistencyLevel: 'eventual' } });
  }

  let mfaReady = 0;
  let failed = 0;
  await pool([...users], concurrency, async (id) => {
    try {
      const res = await graphGet<{ value?: Array<{ '@odata.type'?: string }> }>(client, `/users/${id}/authentication/methods`);
      if ((res.value ?? []).some((m) => !NOT_MFA.has(m['@odata.type'] ?? ''))) mfaReady++;
    } catch {
      failed++;
    }
  });
  return { admins: users.size, mfaReady, failed };
}
