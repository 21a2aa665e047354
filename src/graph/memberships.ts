/**
 * The transitive user members (ids only) of the groups that can change a Conditional Access
 * verdict: declared break-glass and exclusion groups first, then those policies exclude, then those
 * they include, each up to a few pages and at most so many groups a sweep. Whatever is not read in
 * full is marked incomplete, and the caveats say which groups and why.
 */
import type { GroupsToRead } from '../domain/coverage';
import type { GroupMembership, MembershipReads } from '../domain/facts';
import type { Caveat } from '../domain/types';
import { GraphFailure } from './errors';
import { asPage, relativeNextLink, type GraphPage, type PageGetter } from './requests';

export interface MembershipLimits {
  /** Pages of members (999 each) read per group. */
  pagesPerGroup: number;
  /** Groups read per sweep; the rest stay unknown. */
  groups: number;
}

export interface Memberships {
  groups: Record<string, GroupMembership>;
  reads: MembershipReads;
  caveats: Caveat[];
}

type GroupRead = { membership: GroupMembership; tooLarge: boolean; failure: GraphFailure | null; requests: number };

/** One group's member ids, up to `pages` pages. */
async function readGroup(get: PageGetter, baseUrl: string, id: string, pages: number): Promise<GroupRead> {
  const memberIds: string[] = [];
  let next: string | undefined = `/groups/${encodeURIComponent(id)}/transitiveMembers/microsoft.graph.user?$select=id&$top=999&$count=true`;
  let requests = 0;
  try {
    while (next && requests < pages) {
      requests += 1;
      const page: GraphPage<{ id?: string }> = asPage<{ id?: string }>(await get<unknown>(next, { headers: { ConsistencyLevel: 'eventual' } }), next);
      for (const m of page.value) if (typeof m.id === 'string') memberIds.push(m.id.toLowerCase());
      const link = page['@odata.nextLink'];
      next = link ? relativeNextLink(link, baseUrl) : undefined;
    }
  } catch (err) {
    if (!(err instanceof GraphFailure)) throw err;
    // A deleted group holds nobody, and a declared break-glass id may be a user, which is no group.
    if (err.kind === 'notFound') return { membership: { memberIds: [], complete: true }, tooLarge: false, failure: null, requests };
    return { membership: { memberIds, complete: false }, tooLarge: false, failure: err, requests };
  }
  return { membership: { memberIds, complete: next === undefined }, tooLarge: next !== undefined, failure: null, requests };
}

/** "group a", "groups a, b, c and 2 more". */
export function listIds(ids: readonly string[], noun: string): string {
  const shown = ids.slice(0, 3).join(', ');
  const more = ids.length > 3 ? ` and ${ids.length - 3} more` : '';
  return `${noun}${ids.length === 1 ? '' : 's'} ${shown}${more}`;
}

function membershipCaveats(tooLarge: readonly string[], unread: readonly string[], failed: ReadonlyArray<[string, GraphFailure]>, counts: { chosen: number; ordered: number; pages: number }): Caveat[] {
  const caveats: Caveat[] = [];
  const consequence = 'admins not found among them are never counted as covered by a policy that includes such a group, and are taken to be left out by one that excludes it';
  if (tooLarge.length > 0) {
    caveats.push({ area: 'groups', message: `${listIds(tooLarge, 'group')} named by Conditional Access ${tooLarge.length === 1 ? 'has' : 'have'} more members than MfaBot reads (${(counts.pages * 999).toLocaleString('en-US')} users each): ${consequence}.` });
  }
  if (unread.length > 0) {
    caveats.push({ area: 'groups', message: `Conditional Access names more groups than MfaBot reads in one status (${counts.chosen} of ${counts.ordered}); for ${listIds(unread, 'group')} ${consequence}.` });
  }
  const [first] = failed;
  if (first) {
    const failure = first[1];
    caveats.push({
      area: 'groups',
      message: `Members of ${listIds(failed.map(([id]) => id), 'group')} named by Conditional Access or declared as exclusions could not be read, so ${consequence}: ${failure.message}`,
      missing: failure.details.missing,
    });
  }
  return caveats;
}

export async function readMemberships(get: PageGetter, baseUrl: string, wanted: GroupsToRead, limits: MembershipLimits): Promise<Memberships> {
  const ordered = [...wanted.declared, ...wanted.excluded, ...wanted.included];
  const chosen = ordered.slice(0, limits.groups);
  const results = await Promise.all(chosen.map(async (id) => [id, await readGroup(get, baseUrl, id, limits.pagesPerGroup)] as const));
  const groups: Record<string, GroupMembership> = {};
  for (const [id, r] of results) groups[id] = r.membership;
  const unread = ordered.slice(chosen.length);
  for (const id of unread) groups[id] = { memberIds: [], complete: false };
  const reads: MembershipReads = {
    groups: chosen.length,
    requests: results.reduce((n, [, r]) => n + r.requests, 0),
    incomplete: Object.values(groups).filter((g) => !g.complete).length,
  };
  const tooLarge = results.filter(([, r]) => r.tooLarge).map(([id]) => id);
  const failed = results.flatMap(([id, r]): Array<[string, GraphFailure]> => (r.failure ? [[id, r.failure]] : []));
  return { groups, reads, caveats: membershipCaveats(tooLarge, unread, failed, { chosen: chosen.length, ordered: ordered.length, pages: limits.pagesPerGroup }) };
}
