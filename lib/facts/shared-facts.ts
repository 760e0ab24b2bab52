/** What the agent collects for every app worker after its ready (lib/facts/handover.ts says why and how it travels). */
import { loadAdvisoryDatabase } from '../advisories/database';
import { checkGitignore } from './files';
import type { PreparedFacts, SharedFactsInput } from './handover';
import { walkInstalledPackages } from './packages';
import { collectInstalledPluginFacts } from './plugins';

export async function collectSharedFacts(input: SharedFactsInput): Promise<Omit<PreparedFacts, 'agentDumps' | 'agentClusterClients'>> {
  const gitignore = checkGitignore(input.plugins.baseDir, input.runDir);
  const pluginTrust = collectInstalledPluginFacts(input.plugins);
  const packages = walkInstalledPackages(input.packages);
  loadAdvisoryDatabase(); // validates the shipped database; throws when it is damaged
  return { pluginTrust, packages, gitignore: await gitignore, shippedAdvisoriesChecked: true };
}
