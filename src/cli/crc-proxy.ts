// crc-proxy: our link proxy and its toxics as a process of its own, driven over toxiproxy's
// HTTP API (so toxiproxy's client libraries work), plus our extras under /crc/.
import { formatHostPort, isLoopback } from '../proxy-server/address.ts';
import { readConfig } from '../proxy-server/config.ts';
import { CRC_PROXY_DEFAULTS as D, CrcProxyServer } from '../proxy-server/http-server.ts';
import { intFlag, parseFlags, runMain } from './args.ts';

const USAGE = `usage: crc-proxy [--host H] [--port P] [--config FILE] [--seed N] [--quiet]
                 [--max-proxies N] [--max-toxics N] [--max-body-bytes N] [--request-timeout-ms MS]
                 [--max-api-connections N] [--max-event-readers N] [--event-buffer-bytes N]
                 [--max-queue-bytes N]

Serves toxiproxy's HTTP API (GET /version, /proxies, POST /populate, /reset, toxics) and the
crc extras (/proxies/{name}/crc/down|up|hold|release|stats, GET /crc/events, /crc/counters,
/crc/timers), and GET /metrics (Prometheus text format).
Prints "crc-proxy API listening on http://HOST:PORT" on stdout once the API (and --config) is up.

  --host H                 API address (default ${D.host}). The API has no authentication, as
                           toxiproxy's: anything that can reach it can open proxies
  --port P                 API port (default ${D.port}; 0 = any free port)
  --config FILE            proxies to create at start, as toxiproxy's populate JSON:
                           [{"name", "listen": "host:port", "upstream": "host:port", "enabled"}]
  --seed N                 seeds the toxics' random draws (default 0)
  --quiet                  no log lines on stderr

Bounds (each refusal is logged and counted in GET /crc/counters):
  --max-proxies N          proxies at once (default ${D.maxProxies})
  --max-toxics N           toxics per proxy (default ${D.maxToxicsPerProxy})
  --max-body-bytes N       request body size (default ${D.maxBodyBytes}); larger: 413
  --request-timeout-ms MS  a request must arrive whole within this (default ${D.requestTimeoutMs})
  --max-api-connections N  open API connections (default ${D.maxApiConnections})
  --max-event-readers N    GET /crc/events readers at once (default ${D.maxEventReaders}); more: 503
  --event-buffer-bytes N   unsent bytes an events reader may lag; past it, it is dropped
                           (default ${D.eventBufferBytes})
  --max-queue-bytes N      per proxied connection and direction, bytes queued while held or
                           stalled; past it the connection is reset (default 64 MiB)
`;

const INT_FLAGS = {
  'max-proxies': 'maxProxies',
  'max-toxics': 'maxToxicsPerProxy',
  'max-body-bytes': 'maxBodyBytes',
  'request-timeout-ms': 'requestTimeoutMs',
  'max-api-connections': 'maxApiConnections',
  'max-event-readers': 'maxEventReaders',
  'event-buffer-bytes': 'eventBufferBytes',
  'max-queue-bytes': 'maxQueueBytes',
} as const;

await runMain(USAGE, async () => {
  const { values } = parseFlags(process.argv.slice(2), {
    host: { type: 'string' },
    port: { type: 'string' },
    config: { type: 'string' },
    seed: { type: 'string' },
    quiet: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
    ...Object.fromEntries(Object.keys(INT_FLAGS).map((f) => [f, { type: 'string' as const }])),
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const log = (line: string) => {
    if (!values.quiet) process.stderr.write(`${new Date().toISOString()} ${line}\n`);
  };
  const host = values.host ?? D.host;
  const port = intFlag(values, 'port', 0, 65535, D.port);
  const limits: Record<string, number> = {};
  for (const [flag, option] of Object.entries(INT_FLAGS)) {
    if ((values as Record<string, unknown>)[flag] !== undefined) limits[option] = intFlag(values, flag, 1, Number.MAX_SAFE_INTEGER);
  }
  const config = values.config === undefined ? undefined : readConfig(values.config);
  if (!isLoopback(host)) log(`warning: the API listens on ${host}, not loopback; it has no authentication: anyone who can reach it can open proxies`);

  const server = new CrcProxyServer({ host, port, seed: intFlag(values, 'seed', 0, 0xffff_ffff, 0), ...limits, log });
  const apiPort = await server.start();
  if (config) {
    try {
      await server.proxies.populate(config);
    } catch (err) {
      await server.close();
      throw new Error(`${values.config}: ${(err as Error).message}`);
    }
    log(`${values.config}: ${config.length} proxies created`);
  }
  // One machine-readable line on stdout, so scripts and tests can read the chosen port.
  process.stdout.write(`crc-proxy API listening on http://${formatHostPort(host, apiPort)}\n`);

  const shutdown = async (signal: string) => {
    log(`${signal}: shutting down`);
    await server.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
});
