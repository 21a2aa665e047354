/**
 * MFA registration of the admins the isAdmin-filtered report did not list (or of every admin, when
 * Graph refuses that filter). Which query forms the registration report accepts is only partly
 * documented (learn.microsoft.com/graph/api/authenticationmethodsroot-list-userregistrationdetails
 * lists `$filter` and `$orderby`), so the rows are read in the cheapest way Graph accepts, falling
 * back in order of cost:
 * 1. filtered by id, a few ids per request, coalesced into `$batch`;
 * 2. when Graph refuses that filter (400): the whole report, page by page, for no more pages than
 *    step 3 would cost requests;
 * 3. one read per admin (`userRegistrationDetails/{id}`) for whoever is still unknown.
 * An admin the report has no row for stays unknown (never registered); failures are remembered
 * and the admins they concern stay unknown too.
 */
import type { SubscribedSku, UserRegistrationDetails } from '@microsoft/microsoft-graph-types';
import { licenceFromSkus } from '../domain/licence';
import { mfaRegisteredFromMethods } from '../domain/methods';
import { GraphFailure, optional, type Optional } from './errors';
import { asObject, asPage, BATCH_LIMIT, followPages, relativeNextLink, type GraphPage, type PageGetter } from './requests';
import { TaskGroup } from './tasks';

export const REGISTRATIONS = '/reports/authenticationMethods/userRegistrationDetails';

/**
 * Ids per `id in (…)` filter: Graph refuses more than 15 values in one filter by default
 * (learn.microsoft.com/graph/filter-query-parameter, "in" operator); more are allowed only in the
 * advanced queries of directory objects, which this report is not.
 */
export const IDS_PER_FILTER = 15;

type Mode = 'byId' | 'report' | 'perAdmin';

export class RegistrationLookup {
  /** isMfaRegistered by lower-case user id, for every row read. */
  readonly rows: Record<string, boolean> = {};
  /** The first failure that left some admin unknown. */
  failure: GraphFailure | null = null;
  /** How the rows were read in the end (for logs and tests). */
  get strategy(): Mode {
    return this.mode;
  }

  private mode: Mode = 'byId';
  private readonly requested = new Set<string>();
  private pending: string[] = [];
  private flushing = false;
  /** Ids waiting for the report's pages, and whether paging is under way. */
  private readonly waitingForReport = new Set<string>();
  private report: 'unread' | 'reading' | 'complete' = 'unread';
  private readonly tasks = new TaskGroup();

  constructor(private readonly get: PageGetter, private readonly baseUrl: string) {}

  /** Asks for the registration of `ids` (each once, however often asked). */
  request(ids: Iterable<string>): void {
    for (const raw of ids) {
      const id = raw.toLowerCase();
      if (this.requested.has(id) || id in this.rows) continue;
      this.requested.add(id);
      this.pending.push(id);
    }
    if (this.pending.length === 0 || this.flushing) return;
    this.flushing = true;
    // Ids asked for in the same turn share requests.
    setImmediate(() => {
      this.flushing = false;
      const ids = this.pending;
      this.pending = [];
      this.dispatch(ids);
    });
  }

  /** Waits until every read started so far, and any it started, has settled. */
  async settle(): Promise<void> {
    for (;;) {
      await this.tasks.settle();
      // A flush scheduled for this turn may still start reads.
      if (!this.flushing && this.pending.length === 0) return;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  private dispatch(ids: string[]): void {
    if (ids.length === 0) return;
    if (this.mode === 'perAdmin') for (const id of ids) this.tasks.spawn(() => this.readOne(id));
    else if (this.mode === 'report') this.fromReport(ids);
    else for (let i = 0; i < ids.length; i += IDS_PER_FILTER) this.tasks.spawn(() => this.readChunk(ids.slice(i, i + IDS_PER_FILTER)));
  }

  private async readChunk(ids: string[]): Promise<void> {
    const filter = `id in (${ids.map((id) => `'${id.replace(/'/g, "''")}'`).join(',')})`;
    try {
      await this.pages(`${REGISTRATIONS}?$filter=${filter}`, Number.POSITIVE_INFINITY);
    } catch (err) {
      if (!(err instanceof GraphFailure)) throw err;
      if (err.kind !== 'badRequest') {
        this.failure ??= err;
        return;
      }
      // Graph refuses the id filter: the whole report from now on (step 2).
      if (this.mode === 'byId') this.mode = 'report';
      this.dispatch(ids);
    }
  }

  /** Step 2: the report's pages, once, for every admin asked about meanwhile. */
  private fromReport(ids: string[]): void {
    // The whole report is in `rows` already: an admin without a row has none.
    if (this.report === 'complete') return;
    for (const id of ids) this.waitingForReport.add(id);
    if (this.report === 'reading') return;
    this.report = 'reading';
    // More pages than one read per admin would cost is not worth it (20 reads travel in one $batch).
    const maxPages = Math.max(3, Math.ceil(this.waitingForReport.size / BATCH_LIMIT));
    this.tasks.spawn(async () => {
      let complete = false;
      try {
        complete = await this.pages(REGISTRATIONS, maxPages);
      } catch (err) {
        if (!(err instanceof GraphFailure)) throw err;
      }
      const left = [...this.waitingForReport].filter((id) => !(id in this.rows));
      this.waitingForReport.clear();
      if (complete) {
        this.report = 'complete';
        return;
      }
      this.mode = 'perAdmin';
      this.dispatch(left);
    });
  }

  private async readOne(id: string): Promise<void> {
    try {
      const path = `${REGISTRATIONS}/${encodeURIComponent(id)}`;
      const row = asObject(await this.get<unknown>(path), 'GET', path) as UserRegistrationDetails;
      if (typeof row.isMfaRegistered === 'boolean') this.rows[id] = row.isMfaRegistered;
    } catch (err) {
      if (!(err instanceof GraphFailure)) throw err;
      if (err.kind !== 'notFound') this.failure ??= err;
    }
  }

  /** Reads `path` and its next pages (at most `maxPages`); true when the last page was reached. */
  private async pages(path: string, maxPages: number): Promise<boolean> {
    let next: string | undefined = path;
    for (let read = 0; next; read++) {
      if (read >= maxPages) return false;
      const page: GraphPage<UserRegistrationDetails> = asPage<UserRegistrationDetails>(await this.get<unknown>(next), next);
      for (const row of page.value) {
        if (row.id && typeof row.isMfaRegistered === 'boolean') this.rows[row.id.toLowerCase()] = row.isMfaRegistered;
      }
      const link = page['@odata.nextLink'];
      next = link ? relativeNextLink(link, this.baseUrl) : undefined;
    }
    return true;
  }
}

function isNonPremiumAnswer(err: GraphFailure): boolean {
  return err.details.code === 'Authentication_RequestFromNonPremiumTenantOrB2CTenant';
}

/**
 * Registration rows of the users the report marks as admins, two fields each. `isAdmin eq true`,
 * `$select` and `$top` on this report are not documented (the CLI for Microsoft 365 sends the
 * filter): when Graph refuses them (400) the list is empty and every admin is looked up instead
 * (RegistrationLookup), so a narrower or missing isAdmin costs requests, never correctness.
 *
 * 403 Authentication_RequestFromNonPremiumTenantOrB2CTenant means "no Entra ID P1/P2" only when the
 * tenant's subscriptions (read in the same sweep) say so: the same answer is reported on premium
 * tenants now and then, so there it is asked once more, and then blamed on a permission
 * (Directory.Read.All is the reported fix) instead of on the licence.
 */
export async function readAdminRows(get: PageGetter, baseUrl: string, skus: Promise<Optional<SubscribedSku[]>>): Promise<UserRegistrationDetails[]> {
  const read = async (): Promise<UserRegistrationDetails[]> => {
    const out: UserRegistrationDetails[] = [];
    await followPages<UserRegistrationDetails>(get, baseUrl, `${REGISTRATIONS}?$filter=isAdmin eq true&$select=id,isMfaRegistered&$top=999`, (rows) => {
      for (const r of rows) out.push({ id: r.id, isMfaRegistered: r.isMfaRegistered });
    });
    return out;
  };
  try {
    return await read();
  } catch (err) {
    if (!(err instanceof GraphFailure)) throw err;
    if (err.kind === 'badRequest') return [];
    if (!isNonPremiumAnswer(err)) throw err;
    const known = await skus;
    if (!known.ok || licenceFromSkus(known.value) === 'free') throw err;
  }
  try {
    return await read();
  } catch (err) {
    if (!(err instanceof GraphFailure) || !isNonPremiumAnswer(err)) throw err;
    throw new GraphFailure('permission',
      "Graph answered that the tenant has no premium licence although its subscriptions include Entra ID P1 or P2; Microsoft's reported fix is to grant MfaBot's app Directory.Read.All.",
      { ...err.details, missing: 'Directory.Read.All' });
  }
}

/** What reading admins' authentication methods gave: a row per admin read, and what could not be read. */
export interface MethodsRead {
  rows: Record<string, boolean>;
  read: number;
  unread: number;
  failure: GraphFailure | null;
}

/**
 * MFA registration of `userIds` from their authentication methods (UserAuthenticationMethod.Read.All,
 * no premium licence): one read per admin, asked together so they travel twenty to a `$batch`. A
 * user whose methods cannot be read stays unknown; the first failure is kept for the caveat.
 */
export async function registrationsFromMethods(get: PageGetter, baseUrl: string, userIds: readonly string[]): Promise<MethodsRead> {
  const rows: Record<string, boolean> = {};
  let failure: GraphFailure | null = null;
  let unread = 0;
  await Promise.all(userIds.map(async (id) => {
    const methods: Array<{ '@odata.type'?: unknown }> = [];
    const read = await optional(followPages<{ '@odata.type'?: unknown }>(get, baseUrl,
      `/users/${encodeURIComponent(id)}/authentication/methods`, (items) => methods.push(...items)));
    if (read.ok) {
      rows[id.toLowerCase()] = mfaRegisteredFromMethods(methods);
      return;
    }
    unread += 1;
    failure ??= read.failure;
  }));
  return { rows, read: Object.keys(rows).length, unread, failure };
}
