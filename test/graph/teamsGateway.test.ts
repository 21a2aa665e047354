import assert from 'node:assert/strict';
import { createGraphClient } from '../../src/graph/client';
import { GraphFailure } from '../../src/graph/errors';
import { GraphTeamsGateway } from '../../src/graph/teamsGateway';
import { silentLogger } from '../../src/log';
import { MFABOT_TEAMS_APP_EXTERNAL_ID } from '../../src/sim/defaults';
import { startSimulator, type Simulator } from '../../src/sim/server';
import { ALICE, BOB, CATALOG_APP_ID, DAVE, fabrikamWithApp } from '../e2e/nudgeHarness';

type SimOptions = Omit<Parameters<typeof startSimulator>[0], 'tenant'>;

async function withSim(opts: SimOptions, work: (sim: Simulator, gateway: GraphTeamsGateway) => Promise<void>): Promise<void> {
  const sim = await startSimulator({ tenant: fabrikamWithApp(), port: 0, host: '127.0.0.1', ...opts });
  try {
    const client = createGraphClient({ baseUrl: sim.url, credential: null, timeoutMs: 2_000, maxRetries: 0, logger: silentLogger() });
    await work(sim, new GraphTeamsGateway({ client, baseUrl: sim.url }));
  } finally {
    await sim.close();
  }
}

describe('Teams gateway against the simulated tenant over HTTP', () => {
  it('finds MfaBot in the app catalog by manifest id, once', async () => {
    await withSim({}, async (sim, gateway) => {
      assert.equal(await gateway.catalogAppId(MFABOT_TEAMS_APP_EXTERNAL_ID), CATALOG_APP_ID);
      assert.equal(await gateway.catalogAppId(MFABOT_TEAMS_APP_EXTERNAL_ID), CATALOG_APP_ID);
      assert.equal(sim.requests().filter((r) => r.path === '/v1.0/appCatalogs/teamsApps').length, 1, 'cached');
      assert.equal(await gateway.catalogAppId("someone else's app"), null);
    });
  });

  it('tells installed from not installed, installs, and treats 409 as already installed', async () => {
    await withSim({}, async (sim, gateway) => {
      assert.equal(await gateway.isInstalled(ALICE, CATALOG_APP_ID), true);
      assert.equal(await gateway.isInstalled(BOB, CATALOG_APP_ID), false);
      assert.equal(await gateway.install(BOB, CATALOG_APP_ID), 'installed');
      assert.deepEqual(sim.state.userInstalledApps?.[BOB], [CATALOG_APP_ID]);
      assert.equal(await gateway.isInstalled(BOB, CATALOG_APP_ID), true);
      assert.equal(await gateway.install(BOB, CATALOG_APP_ID), 'alreadyInstalled');
    });
  });

  it('names TeamsAppInstallation.ReadWriteSelfForUser.All when the app may not install itself', async () => {
    await withSim({ grantedPermissions: ['TeamsAppInstallation.ReadForUser.All', 'AppCatalog.Read.All'] }, async (_sim, gateway) => {
      await assert.rejects(gateway.install(BOB, CATALOG_APP_ID), (err: unknown) => {
        assert.ok(err instanceof GraphFailure);
        assert.equal(err.kind, 'permission');
        assert.equal(err.details.missing, 'TeamsAppInstallation.ReadWriteSelfForUser.All');
        assert.match(err.message, /TeamsAppInstallation\.ReadWriteSelfForUser\.All/);
        return true;
      });
    });
  });

  it('tells apart the three 403s of an install: the permission, an app permission policy, an app that is not MfaBot\'s own', async () => {
    const refusal = async (opts: SimOptions, tenant = fabrikamWithApp(), app = CATALOG_APP_ID): Promise<GraphFailure> => {
      const sim = await startSimulator({ tenant, port: 0, host: '127.0.0.1', ...opts });
      try {
        const client = createGraphClient({ baseUrl: sim.url, credential: null, timeoutMs: 2_000, maxRetries: 0, logger: silentLogger() });
        const err = await new GraphTeamsGateway({ client, baseUrl: sim.url }).install(BOB, app).then(() => null, (e: unknown) => e);
        assert.ok(err instanceof GraphFailure, String(err));
        assert.equal(err.details.status, 403);
        return err;
      } finally {
        await sim.close();
      }
    };
    const missing = await refusal({ grantedPermissions: ['AppCatalog.Read.All', 'TeamsAppInstallation.ReadForUser.All'] });
    assert.equal(missing.kind, 'permission');
    assert.equal(missing.details.missing, 'TeamsAppInstallation.ReadWriteSelfForUser.All');

    const blocked = fabrikamWithApp();
    (blocked.teamsApps ?? [])[0]!.blockedFor = [BOB];
    const policy = await refusal({}, blocked);
    assert.equal(policy.kind, 'refused');
    assert.equal(policy.details.missing, undefined);
    assert.match(policy.message, /app permission policy blocks MfaBot/);

    const other = fabrikamWithApp();
    other.teamsApps?.push({ id: 'b0b0b0b0-0000-4000-8000-00000000a992', externalId: 'someone-elses-manifest', displayName: 'Helpdesk', distributionMethod: 'organization' });
    const notOwn = await refusal({ grantedPermissions: ['AppCatalog.Read.All', 'TeamsAppInstallation.ReadWriteSelfForUser.All'] }, other, 'b0b0b0b0-0000-4000-8000-00000000a992');
    assert.equal(notOwn.kind, 'refused');
    assert.match(notOwn.message, /not MfaBot's own app.*MFABOT_TEAMS_APP_ID/);
  });

  it('reads one user\'s registration: registered, not, or unknown without a report row', async () => {
    await withSim({}, async (sim, gateway) => {
      assert.equal(await gateway.mfaRegistered(ALICE), true);
      assert.equal(await gateway.mfaRegistered(BOB), false);
      assert.equal(await gateway.mfaRegistered(DAVE), null);
      await fetch(`${sim.url}/_sim/users/${BOB}/register`, { method: 'POST' });
      assert.equal(await gateway.mfaRegistered(BOB), true);
    });
  });
});
