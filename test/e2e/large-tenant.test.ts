import assert from 'node:assert/strict';
import { createGraphClient } from '../../src/graph/client';
import { GraphTenantGateway } from '../../src/graph/gateway';
import { buildStatusReport } from '../../src/domain/status';
import { parseRoleScope } from '../../src/domain/roles';
import { statusCard, cardBytes } from '../../src/cards';
import { silentLogger } from '../../src/log';
import { generateTenant } from '../../src/sim/generate';
import { startSimulator } from '../../src/sim/server';

describe('a large simulated tenant (5,000 admins) read through the gateway', () => {
  it('produces a status card under 25 KB that still counts every admin', async function () {
    this.timeout(60_000);
    const tenant = generateTenant({ users: 20_000, admins: 5_000, seed: 7 });
    const sim = await startSimulator({ tenant, port: 0, host: '127.0.0.1' });
    try {
      const client = createGraphClient({ baseUrl: sim.url, credential: null, timeoutMs: 10_000, maxRetries: 2, logger: silentLogger() });
      const gateway = new GraphTenantGateway({ client, baseUrl: sim.url });
      const roleIds = parseRoleScope('template');
      const facts = await gateway.readTenant({ roleIds });
      const report = buildStatusReport(facts, { roleIds, breakGlassUserIds: [], exclusionGroupId: null }, new Date());
      assert.ok(report.totals.admins >= 4_900, `counted ${report.totals.admins} admins`);
      assert.equal(report.totals.admins, report.totals.registered + report.totals.unregistered + report.totals.unknown);
      const card = statusCard(report, { now: new Date() });
      const bytes = cardBytes(card);
      assert.ok(bytes < 25_000, `card is ${bytes} bytes`);
      assert.match(JSON.stringify(card), new RegExp(`of ${report.totals.admins} admins are registered`));
      assert.match(JSON.stringify(card), /and \d[\d,]* more/, 'says how many admins are not listed');
    } finally {
      await sim.close();
    }
  });
});
