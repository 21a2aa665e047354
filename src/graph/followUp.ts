/**
 * The work that grants make possible, started as soon as each page of them arrives: the members of
 * each role-assignable group, then the registration of every admin the isAdmin-filtered report did
 * not list (RegistrationLookup). Everything it starts settles (never rejects); `settle()` waits for
 * all of it.
 */
import type { UserRegistrationDetails } from '@microsoft/microsoft-graph-types';
import type { DirectoryUser, RoleGrant } from '../domain/facts';
import { GraphFailure } from './errors';
import type { RegistrationLookup } from './registrations';
import { TaskGroup } from './tasks';

export class AdminFollowUp {
  readonly groupMembers: Record<string, DirectoryUser[]> = {};
  readonly groupFailures = new Map<string, GraphFailure>();
  /** Admins Graph returned without their names (no user-read permission): shown by object id. */
  readonly unnamed = new Set<string>();

  private readonly adminIds = new Set<string>();
  private readonly groups = new Set<string>();
  private readonly listedRows: Record<string, boolean> = {};
  /** False until the isAdmin-filtered report is complete: only then is "not listed" known. */
  private listComplete = false;
  private readonly tasks = new TaskGroup();

  constructor(
    private readonly inScope: ReadonlySet<string>,
    private readonly readGroup: (groupId: string) => Promise<DirectoryUser[]>,
    private readonly lookup: RegistrationLookup,
  ) {}

  /** Registration rows read: the listed ones and those looked up. */
  get registrations(): Record<string, boolean> {
    return { ...this.lookup.rows, ...this.listedRows };
  }

  get lookupFailure(): GraphFailure | null {
    return this.lookup.failure;
  }

  grants(grants: readonly RoleGrant[]): void {
    for (const g of grants) {
      if (!this.inScope.has(g.roleId)) continue;
      if (g.principal.kind === 'user') {
        if (!g.principal.userPrincipalName) this.unnamed.add(g.principal.id);
        this.admin(g.principal.id);
      } else if (g.principal.kind === 'group') this.group(g.principal.id);
    }
  }

  /**
   * The isAdmin-filtered rows, complete (empty when Graph refused the filter): admins seen so far
   * and later that it lacks are looked up.
   */
  listed(rows: readonly UserRegistrationDetails[]): void {
    for (const row of rows) {
      if (row.id && typeof row.isMfaRegistered === 'boolean') this.listedRows[row.id.toLowerCase()] = row.isMfaRegistered;
    }
    this.listComplete = true;
    this.lookup.request([...this.adminIds].filter((id) => !(id in this.listedRows)));
  }

  /** Waits until every group read and look-up started so far, and any they started, has settled. */
  async settle(): Promise<void> {
    do {
      await this.tasks.settle();
      await this.lookup.settle();
    } while (this.tasks.busy);
  }

  private admin(id: string): void {
    if (this.adminIds.has(id)) return;
    this.adminIds.add(id);
    if (this.listComplete && !(id in this.listedRows)) this.lookup.request([id]);
  }

  private group(id: string): void {
    if (this.groups.has(id)) return;
    this.groups.add(id);
    this.tasks.spawn(async () => {
      let members: DirectoryUser[];
      try {
        members = await this.readGroup(id);
      } catch (err) {
        if (!(err instanceof GraphFailure)) throw err;
        this.groupFailures.set(id, err);
        return;
      }
      this.groupMembers[id] = members;
      for (const m of members) {
        if (m.userPrincipalName === m.id) this.unnamed.add(m.id);
        this.admin(m.id);
      }
    });
  }
}
