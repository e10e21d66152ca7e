// wait-http: wait until every URL answers 200 (the driver Job's init container waits for the
// servers' /health and the sidecars' /version). Exits 0 when all answered, 1 at the timeout
// naming those that did not.
import { UsageError, intFlag, parseFlags, runMain } from './args.ts';

const USAGE = `usage: node dist/src/cli/wait-http.js [--timeout-ms MS] [--interval-ms MS] URL...

Polls each URL (GET, 2 s a request) until it answers 200; exits 0 when every one has,
1 after --timeout-ms (default 300000) naming those that have not. --interval-ms (default 1000)
is the pause between rounds.
`;

const REQUEST_TIMEOUT_MS = 2000;
/** Requests in flight at once (a big network has thousands of URLs). */
const MAX_IN_FLIGHT = 64;

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

await runMain(USAGE, async () => {
  const { values, positionals } = parseFlags(process.argv.slice(2), {
    'timeout-ms': { type: 'string' },
    'interval-ms': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  }, true);
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const timeoutMs = intFlag(values, 'timeout-ms', 1, 86_400_000, 300_000);
  const intervalMs = intFlag(values, 'interval-ms', 1, 60_000, 1000);
  if (positionals.length === 0) throw new UsageError('name at least one URL');
  for (const u of positionals) if (!/^https?:\/\//.test(u)) throw new UsageError(`not an http(s) URL: '${u}'`);
  const waiting = new Set(positionals);
  const deadline = Date.now() + timeoutMs;
  let lastReport = Date.now();
  for (;;) {
    const round = [...waiting];
    const ok: boolean[] = [];
    for (let i = 0; i < round.length; i += MAX_IN_FLIGHT) ok.push(...await Promise.all(round.slice(i, i + MAX_IN_FLIGHT).map(answers)));
    round.forEach((u, i) => {
      if (!ok[i]) return;
      waiting.delete(u);
      process.stdout.write(`ready: ${u}\n`);
    });
    if (waiting.size === 0) return;
    if (Date.now() >= deadline) {
      process.stderr.write(`wait-http: ${waiting.size} of ${positionals.length} did not answer 200 within ${timeoutMs} ms: ${[...waiting].join(' ')}\n`);
      process.exit(1);
    }
    if (Date.now() - lastReport >= 10_000) {
      lastReport = Date.now();
      process.stdout.write(`waiting for ${waiting.size} of ${positionals.length}\n`);
    }
    await new Promise((r) => setTimeout(r, Math.min(intervalMs, Math.max(0, deadline - Date.now()))));
  }
});
