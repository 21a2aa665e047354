/**
 * Licence tier and the admin-MFA Secure Score control, read from Graph-shaped data.
 */
import type { ControlScore, SecureScore, SubscribedSku } from '@microsoft/microsoft-graph-types';
import type { AdminMfaSecureScore, Licence } from './types';

/** Service plan ids that unlock Conditional Access (P1) or also PIM (P2, Entra ID Governance). */
export const SERVICE_PLAN = {
  aadPremium: '41781fb2-bc02-4b7c-bd55-b576c07bb09d',
  aadPremiumP2: 'eec0eb4f-6444-4f95-aba0-50c24d67f998',
  entraIdGovernance: 'e866a266-3cff-43a3-acca-0c90a7e00c8b',
} as const;

const P2_PLANS = new Set<string>([SERVICE_PLAN.aadPremiumP2, SERVICE_PLAN.entraIdGovernance]);
const P1_PLANS = new Set<string>([SERVICE_PLAN.aadPremium]);
const LIVE_SKU_STATUSES = new Set(['enabled', 'warning']);

/**
 * The tenant's Entra ID tier from its subscribed SKUs (docs/graph-notes.md, "Licences").
 *
 * Matches service plans rather than SKU part numbers, because bundles such as Microsoft 365 E3/E5
 * carry the premium plans. Only SKUs that are live (`Enabled` or `Warning`) with enabled prepaid units
 * count, and only plans provisioned successfully.
 */
export function licenceFromSkus(skus: SubscribedSku[]): Licence {
  let licence: Licence = 'free';
  for (const sku of skus) {
    if (!LIVE_SKU_STATUSES.has((sku.capabilityStatus ?? '').toLowerCase())) continue;
    if (!((sku.prepaidUnits?.enabled ?? 0) > 0)) continue;
    for (const plan of sku.servicePlans ?? []) {
      if ((plan.provisioningStatus ?? '').toLowerCase() !== 'success') continue;
      const planId = (plan.servicePlanId ?? '').toLowerCase();
      if (P2_PLANS.has(planId)) return 'p2';
      if (P1_PLANS.has(planId)) licence = 'p1';
    }
  }
  return licence;
}

/** Control names for "Require MFA for administrative roles", newest first. */
const ADMIN_MFA_CONTROLS = ['adminmfav2', 'adminmfa'];

/** Fields the service returns on control scores that microsoft-graph-types does not declare. */
type ControlScoreWithExtras = ControlScore & { implementationStatus?: unknown };

/**
 * The admin-MFA Secure Score control from the newest snapshot (docs/graph-notes.md, "Secure Score").
 *
 * @param scores Secure Score snapshots, newest first.
 * @param profileMaxScore The control profile's maxScore (control scores carry no maximum of their own).
 * @returns null when there is no snapshot; otherwise the snapshot's totals, with the control's fields
 *   null when it does not report AdminMFAV2 (or the older AdminMFA).
 */
export function secureScoreFromGraph(scores: SecureScore[], profileMaxScore: number | null): AdminMfaSecureScore | null {
  const newest = scores[0];
  if (!newest) return null;
  const controls = newest.controlScores ?? [];
  let control: ControlScoreWithExtras | undefined;
  for (const name of ADMIN_MFA_CONTROLS) {
    control = controls.find((c) => (c.controlName ?? '').toLowerCase() === name);
    if (control) break;
  }
  const status = control?.implementationStatus;
  return {
    score: typeof control?.score === 'number' ? control.score : null,
    maxScore: profileMaxScore,
    implementationStatus: typeof status === 'string' && status.length > 0 ? status : null,
    currentScore: newest.currentScore ?? null,
    overallMaxScore: newest.maxScore ?? null,
  };
}
