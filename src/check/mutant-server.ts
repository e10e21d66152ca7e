// Test-build entry: crc-server with the mutation named by CRC_MUTANT (src/check/mutants/).
// Not a bin and not reachable from the normal CLI; `npm run check -- --mutant NAME` uses it.
import './mutants/preload.ts';
import '../cli/crc-server.ts';
