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
import type { UserRegistrationDetails } from '@microsoft/microsoft-graph-types';
import { GraphFailure } from './errors';
import { asObject, asPage, BATCH_LIMIT, relativeNextLink, type GraphPage, type PageGetter } from './requests';

export const REGISTRATIONS = '/reports/authenticationMethods/userRegistrationDetails';

/** Ids per `id in (…)` filter: short URLs, and within the 15 values Graph's directory filters allow. */
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
  private readonly tasks = new Set<Promise<void>>();
  private unexpected: unknown = null;

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
      while (this.tasks.size > 0) await Promise.all([...this.tasks]);
      // A flush scheduled for this turn may still start reads.
      if (!this.flushing && this.pending.length === 0) break;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    if (this.unexpected !== null) throw this.unexpected;
  }

  private dispatch(ids: string[]): void {
    if (ids.length === 0) return;
    if (this.mode === 'perAdmin') for (const id of ids) this.spawn(() => this.readOne(id));
    else if (this.mode === 'report') this.fromReport(ids);
    else for (let i = 0; i < ids.length; i += IDS_PER_FILTER) this.spawn(() => this.readChunk(ids.slice(i, i + IDS_PER_FILTER)));
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
    this.spawn(async () => {
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

  private spawn(work: () => Promise<void>): void {
    const task: Promise<void> = work()
      .catch((err: unknown) => {
        this.unexpected ??= err;
      })
      .finally(() => this.tasks.delete(task));
    this.tasks.add(task);
  }
}
