/**
 * How a change to the tenant is made: with MfaBot's application permissions, or with the approver's
 * own identity (delegated: Graph then checks the approver's directory role too). The use cases ask
 * for access right before they change anything; the bot layer supplies what Teams sent as proof of
 * who clicked.
 */
import type { Person } from '../domain/approval';
import { CA_WRITER, PIM_WRITER } from '../graph/permissions';
import type { PimGateway } from '../graph/pimGateway';
import type { PolicyGateway } from '../graph/policyGateway';

/** The Conditional Access writes a change needs. */
export type PolicyWrites = Pick<PolicyGateway, 'createPolicy' | 'setPolicyState'>;
/** The one PIM write: an activation rule. */
export type PimWrites = Pick<PimGateway, 'updateRule'>;

export interface WriteAccess {
  /** Who Graph sees making the change. */
  as: 'application' | 'approver';
  writes: PolicyWrites;
  pim: PimWrites;
}

/** What Teams sent to prove who clicked: the single sign-on token, if any. Never logged or stored. */
export interface SignInProof {
  token?: string;
}

/** Delegated scopes creating or changing MfaBot's Conditional Access policy needs. */
export const CA_WRITE_SCOPES = CA_WRITER.scopes;
/** Directory roles that may manage Conditional Access, for the refusal that names them. */
export const CA_WRITE_ROLES = CA_WRITER.roles;
/** Delegated scopes for changing a role's PIM settings (the rule update is documented for delegated access only). */
export const PIM_WRITE_SCOPES = PIM_WRITER.scopes;
/** Directory roles that may change PIM role settings. */
export const PIM_WRITE_ROLES = PIM_WRITER.roles;

export interface WriteIdentity {
  mode: 'application' | 'delegated';
  /**
   * Access for `actor` to make a change needing `scopes`. Delegated: throws SignInRequired when Teams
   * must sign them in first, TokenRefused when the proof is not theirs (graph/delegated.ts).
   */
  forChange(actor: Person, proof: SignInProof | undefined, scopes: readonly string[]): Promise<WriteAccess>;
}

/** Application mode: every change is made with MfaBot's own permissions. */
export function applicationWrites(writes: PolicyWrites, pim: PimWrites = NO_PIM): WriteIdentity {
  return { mode: 'application', forChange: async () => ({ as: 'application', writes, pim }) };
}

/** For an MfaBot without PIM settings: the writer says so before it ever gets here. */
const NO_PIM: PimWrites = {
  updateRule: () => Promise.reject(new Error('PIM role settings are not available to this MfaBot')),
};
