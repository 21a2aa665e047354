import assert from 'node:assert/strict';
import type { SecureScore, ServicePlanInfo, SubscribedSku } from '@microsoft/microsoft-graph-types';
import { licenceFromSkus, secureScoreFromGraph, SERVICE_PLAN } from '../../src/domain/licence';

function sku(planIds: string[], overrides: Partial<SubscribedSku> = {}, provisioningStatus = 'Success'): SubscribedSku {
  const servicePlans: ServicePlanInfo[] = planIds.map((servicePlanId) => ({ servicePlanId, provisioningStatus, appliesTo: 'User' }));
  return {
    skuPartNumber: 'SPE_E5',
    capabilityStatus: 'Enabled',
    prepaidUnits: { enabled: 25, lockedOut: 0, suspended: 0, warning: 0 },
    servicePlans,
    ...overrides,
  };
}

describe('licenceFromSkus', () => {
  it('a tenant without premium plans is free', () => {
    assert.equal(licenceFromSkus([sku(['57ff2da0-773e-42df-b2af-ffb7a2317929'])]), 'free');
    assert.equal(licenceFromSkus([]), 'free');
  });

  it('a bundle carrying AAD_PREMIUM gives P1', () => {
    assert.equal(licenceFromSkus([sku([SERVICE_PLAN.aadPremium])]), 'p1');
  });

  it('AAD_PREMIUM_P2 gives P2, whichever SKU comes first', () => {
    assert.equal(licenceFromSkus([sku([SERVICE_PLAN.aadPremium]), sku([SERVICE_PLAN.aadPremiumP2])]), 'p2');
  });

  it('the Entra ID Governance plan gives P2', () => {
    assert.equal(licenceFromSkus([sku([SERVICE_PLAN.entraIdGovernance])]), 'p2');
  });

  it('a SKU in warning still counts', () => {
    assert.equal(licenceFromSkus([sku([SERVICE_PLAN.aadPremium], { capabilityStatus: 'Warning' })]), 'p1');
  });

  it('a suspended SKU does not count', () => {
    assert.equal(licenceFromSkus([sku([SERVICE_PLAN.aadPremiumP2], { capabilityStatus: 'Suspended' })]), 'free');
  });

  it('a SKU without enabled prepaid units does not count', () => {
    const noUnits = sku([SERVICE_PLAN.aadPremium], { prepaidUnits: { enabled: 0, lockedOut: 0, suspended: 5, warning: 0 } });
    assert.equal(licenceFromSkus([noUnits]), 'free');
  });

  it('a plan that is not provisioned successfully does not count', () => {
    assert.equal(licenceFromSkus([sku([SERVICE_PLAN.aadPremiumP2], {}, 'Disabled')]), 'free');
  });
});

describe('secureScoreFromGraph', () => {
  const snapshot = (controlName: string, extras: Record<string, unknown> = {}): SecureScore => ({
    id: 'tenant_2025-05-02',
    currentScore: 41.5,
    maxScore: 88,
    controlScores: [
      { controlCategory: 'Identity', controlName: 'MFARegistrationV2', score: 3 },
      { controlCategory: 'Identity', controlName, score: 7.14, ...extras },
    ],
  });

  it('reads AdminMFAV2 from the newest snapshot, with the untyped implementation status', () => {
    const newest = snapshot('AdminMFAV2', { implementationStatus: 'You have 2 out of 7 users with administrative roles...' });
    const older: SecureScore = { ...snapshot('AdminMFAV2'), currentScore: 10 };

    const result = secureScoreFromGraph([newest, older], 10);

    assert.deepEqual(result, {
      score: 7.14,
      maxScore: 10,
      implementationStatus: 'You have 2 out of 7 users with administrative roles...',
      currentScore: 41.5,
      overallMaxScore: 88,
    });
  });

  it('falls back to the older AdminMFA control name', () => {
    assert.equal(secureScoreFromGraph([snapshot('AdminMFA')], null)?.score, 7.14);
  });

  it('reports the overall score with null control fields when the control is absent', () => {
    const result = secureScoreFromGraph([snapshot('SomethingElse')], 10);

    assert.deepEqual(result, { score: null, maxScore: 10, implementationStatus: null, currentScore: 41.5, overallMaxScore: 88 });
  });

  it('is null when there is no snapshot', () => {
    assert.equal(secureScoreFromGraph([], 10), null);
  });
});
