/**
 * Who holds a role in scope: active role assignments and PIM eligibility, with their principals.
 *
 * Both are read as one query first, page by page. A small tenant is done after a page or two; a
 * large one shows itself on the first page, and its rows are then read again as one query per
 * role, whose pages run side by side (and travel together in `$batch`): the longest chain of
 * sequential round trips is then the largest role's, not the tenant's. Rows are keyed by their id,
 * so nothing counts twice.
 */
import type { UnifiedRoleAssignment, UnifiedRoleEligibilityScheduleInstance } from '@microsoft/microsoft-graph-types';
import type { RoleGrant } from '../domain/facts';
import { GraphFailure } from './errors';
import { toPrincipalRef, type ExpandedPrincipal } from './mapping';
import { asPage, followPages, relativeNextLink, type GraphPage, type PageGetter } from './requests';

const ASSIGNMENTS = '/roleManagement/directory/roleAssignments';
const ELIGIBILITY = '/roleManagement/directory/roleEligibilityScheduleInstances';
const EXPAND = '$expand=principal';

/**
 * Once this many rows have been read and more remain, the rest is read as one query per role, in
 * parallel. Below it one chain of pages is cheaper (one request per page instead of a call per
 * role); above it the chain's length, not the number of calls, is what costs.
 */
export const FAN_OUT_AFTER_ROWS = 100;

/**
 * Values in one `in (…)`: Graph refuses more than 15 by default
 * (learn.microsoft.com/graph/filter-query-parameter, "in" operator).
 */
export const IN_VALUES = 15;

/**
 * Rows per page of role assignments asked for with `$top`. Microsoft documents `$filter`, `$expand`
 * and `$select` on this list (learn.microsoft.com/graph/api/rbacapplication-list-roleassignments),
 * not `$top`, while public tools send `$top=999`: when Graph refuses it (400) the sweep reads
 * without it, in Graph's own page size.
 */
export const ASSIGNMENT_PAGE = 999;

export type AssignmentRow = UnifiedRoleAssignment & { principal?: ExpandedPrincipal };
export type EligibilityRow = UnifiedRoleEligibilityScheduleInstance & { principal?: ExpandedPrincipal };

/** How pages are fetched: `plain` on their own, `batched` coalesced into `$batch` requests. */
export interface PageGetters {
  plain: PageGetter;
  batched: PageGetter;
  baseUrl: string;
}

function toGrant(row: AssignmentRow | EligibilityRow, activation: RoleGrant['activation']): RoleGrant | null {
  if (!row.roleDefinitionId || !row.principalId) return null;
  return {
    roleId: row.roleDefinitionId.toLowerCase(),
    activation,
    principal: toPrincipalRef(row.principalId, row.principal),
    directoryScopeId: row.directoryScopeId ?? '/',
  };
}

/** Grants keyed by row id; each new one is handed on at once (to start what it makes possible). */
class GrantSet {
  private readonly byId = new Map<string, RoleGrant>();

  constructor(private readonly activation: RoleGrant['activation'], private readonly onGrants: (g: RoleGrant[]) => void) {}

  get size(): number {
    return this.byId.size;
  }

  readonly take = (rows: ReadonlyArray<AssignmentRow | EligibilityRow>): void => {
    const fresh: RoleGrant[] = [];
    for (const row of rows) {
      const grant = toGrant(row, this.activation);
      if (!grant) continue;
      const key = row.id ?? `${grant.roleId}|${grant.principal.id}|${grant.directoryScopeId}`;
      if (!this.byId.has(key)) fresh.push(grant);
      this.byId.set(key, grant);
    }
    this.onGrants(fresh);
  };

  all(): RoleGrant[] {
    return [...this.byId.values()];
  }
}

const isBadRequest = (err: unknown): boolean => err instanceof GraphFailure && err.kind === 'badRequest';

/** A page size asked for until Graph refuses it once in the sweep. */
class PageSize {
  private refused = false;

  constructor(private readonly rows: number) {}

  /**
   * Runs `read` on `base` with the page size; when that is a 400 and the same read without it
   * succeeds, the size is not asked for again. A 400 without it too is about something else, and
   * is thrown.
   */
  async run<T>(base: string, read: (path: string) => Promise<T>): Promise<T> {
    if (this.refused) return read(base);
    try {
      return await read(`${base}&$top=${this.rows}`);
    } catch (err) {
      if (!isBadRequest(err)) throw err;
      const result = await read(base);
      this.refused = true;
      return result;
    }
  }
}

/**
 * Follows `first` page by page; stops when `large()` says so while more pages remain, and says
 * whether it did.
 */
async function chainUntilLarge(get: PageGetter, baseUrl: string, first: string, take: (rows: AssignmentRow[]) => void, large: () => boolean): Promise<'complete' | 'large'> {
  let next: string | undefined = first;
  while (next) {
    const page: GraphPage<AssignmentRow> = asPage<AssignmentRow>(await get<unknown>(next), next);
    take(page.value);
    const link: string | undefined = page['@odata.nextLink'];
    next = link ? relativeNextLink(link, baseUrl) : undefined;
    if (next && large()) return 'large';
  }
  return 'complete';
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

const quoted = (ids: readonly string[]): string => ids.map((id) => `'${id.replace(/'/g, "''")}'`).join(',');

/**
 * Active assignments of `roleIds`: `roleDefinitionId in (…)` (15 roles a query), its pages in a
 * chain that travels alone (it is the sweep's critical path, and must not wait for a batch's
 * slowest item), then one query per role once the tenant proves large. `in` and `$expand` are each
 * documented here, together they are not: when Graph refuses the pair, one query per role at once.
 */
export async function readActiveAssignments(get: PageGetters, roleIds: readonly string[], onGrants: (g: RoleGrant[]) => void): Promise<RoleGrant[]> {
  const grants = new GrantSet('active', onGrants);
  const size = new PageSize(ASSIGNMENT_PAGE);
  const perRole = (ids: readonly string[]): Promise<unknown> => Promise.all(ids.map((id) => size.run(
    `${ASSIGNMENTS}?$filter=roleDefinitionId eq '${id}'&${EXPAND}`, (path) => followPages(get.batched, get.baseUrl, path, grants.take),
  )));
  await Promise.all(chunks(roleIds, IN_VALUES).map(async (ids) => {
    let outcome: 'complete' | 'large' | 'refused';
    try {
      outcome = await size.run(`${ASSIGNMENTS}?$filter=roleDefinitionId in (${quoted(ids)})&${EXPAND}`,
        (path) => chainUntilLarge(get.plain, get.baseUrl, path, grants.take, () => grants.size >= FAN_OUT_AFTER_ROWS && ids.length > 1));
    } catch (err) {
      if (!isBadRequest(err) || ids.length === 0) throw err;
      outcome = 'refused';
    }
    if (outcome !== 'complete') await perRole(ids);
  }));
  return grants.all();
}

/**
 * PIM eligibility in force now. Graph filters it by `eq` and `ne` only: the first query takes every
 * role (fewer round trips than one per role in a small tenant), and a large tenant's rows are read
 * again as one `roleDefinitionId eq` query per role in scope.
 */
export async function readEligibleAssignments(get: PageGetters, roleIds: readonly string[], onGrants: (g: RoleGrant[]) => void): Promise<RoleGrant[]> {
  const grants = new GrantSet('eligible', onGrants);
  const outcome = await chainUntilLarge(get.batched, get.baseUrl, `${ELIGIBILITY}?${EXPAND}`, grants.take,
    () => grants.size >= FAN_OUT_AFTER_ROWS && roleIds.length > 1);
  if (outcome === 'large') {
    await Promise.all(roleIds.map((id) => followPages<EligibilityRow>(get.batched, get.baseUrl,
      `${ELIGIBILITY}?$filter=roleDefinitionId eq '${id}'&${EXPAND}`, grants.take)));
  }
  return grants.all();
}
