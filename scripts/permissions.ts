/**
 * `npm run docs` (or `npm run permissions`): writes MfaBot's permission table (src/graph/permissions.ts)
 * into docs/permissions.md, the README, aad.manifest.json and infra/azure.bicep, and README's
 * configuration table from src/settings.ts (scripts/lib/permissionDocs.ts).
 */
import { writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { ROOT } from './lib/appPackage';
import { renderedFiles } from './lib/permissionDocs';

for (const file of renderedFiles()) {
  if (file.current === file.expected) continue;
  writeFileSync(file.path, file.expected);
  process.stdout.write(`updated ${relative(ROOT, file.path)}\n`);
}
