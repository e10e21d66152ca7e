// Installs the mutation named by CRC_MUTANT into ServerCore before the server starts. Loaded
// only by the test-build entry (../mutant-server.ts) or by `node --import` of this file, which
// the check does for the processes it spawns for a mutant run; nothing in the product imports it.
import { MUTANTS } from './mutations.ts';

const name = process.env.CRC_MUTANT;
if (name) {
  const mutant = MUTANTS[name];
  if (!mutant) {
    process.stderr.write(`CRC_MUTANT: unknown mutant '${name}' (one of ${Object.keys(MUTANTS).join(', ')})\n`);
    process.exit(2);
  }
  mutant.install();
}
