/** One line of the audit trail: who tried what, when, and what came of it. */
export interface AuditEntry {
  /** ISO time. */
  at: string;
  actor: { id: string; name: string };
  /** e.g. policy.create, policy.approve, policy.reject, policy.enable, proposal.create, audit.view. */
  action: string;
  /** e.g. created, enforced, proposed, rejected, refused, failed, exists, busy, unknown. */
  result: string;
  policyId?: string;
  proposalId?: string;
  detail: string;
}
