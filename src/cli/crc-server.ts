// crc-server: one CRC server as its own process. Flag names match the course harness, so a
// course user can swap it in for the Python server.
import { appendFileSync } from 'node:fs';
import { DEFAULT_MAX_HOSTS, DEFAULT_STATUS_LOG_SIZE } from '../core/index.ts';
import { ControlApi } from '../net/control-api.ts';
import { threadProbe, threadProbesOff } from '../util/lateness-probe.ts';
import { EventStream } from '../net/event-stream.ts';
import { STATE_STATUS_LINES, startMonitor } from '../net/monitor.ts';
import { DEFAULT_SERVER_LIMITS, type ServerLimitOptions, defaultMaxConnections } from '../net/server-limits.ts';
import { CrcServerNode } from '../net/server-node.ts';
import { UsageError, intFlag, livenessFlags, parseFlags, requireString, runMain } from './args.ts';

const USAGE = `usage: crc-server --id N --servername S --port P --info I
                  [--connect_to_host H --connect_to_port Q] [--monitor-port M [--monitor-host A]]
                  [--host A] [--hold-events] [--trace-frames] [--record-join-frames] [--exit-on-stdin-close]
                  [--log-file F] [--reconnect] [--static-tree]
                  [--max-hosts N] [--status-log-size N]
                  [--ping-interval MS [--ping-timeout MS]] [--quiet]
                  [--max-connections N] [--max-unregistered N] [--registration-timeout-ms MS]
                  [--frame-timeout-ms MS] [--sendq-timeout-ms MS] [--sendq-high-water BYTES]
                  [--max-sendq BYTES] [--send-budget BYTES]

  --id N               this server's id (1 to 4294967295)
  --servername S       its name
  --port P             TCP port to listen on (0 = any free port; the chosen one is printed)
  --info I             its info text
  --connect_to_host H  bootstrap server to join (default 127.0.0.1 when a port is given);
                       a name that does not resolve is dialled at 127.0.0.1, as the course does
  --connect_to_port Q  the bootstrap server's port
  --monitor-port M     serve GET /state (JSON; ?limit= status lines, default ${STATE_STATUS_LINES.default},
                       at most ${STATE_STATUS_LINES.max}) and GET /metrics (Prometheus) on 127.0.0.1:M
                       and the control API (/health, /events, /node-state, /counters, /totals,
                       POST /join, /stop, /crash: see docs/placements.md)
  --monitor-host A     address the monitor binds (default 127.0.0.1; 0.0.0.0 in a container)
  --host A             address the CRC port binds (default 127.0.0.1)
  --hold-events        keep start-up events (up to 100000) for the first GET /events subscriber
  --trace-frames       an event per frame on a server link (frame-sent / frame-received)
  --record-join-frames keep each inbound connection's first frame in /node-state
  --exit-on-stdin-close exit 0 when stdin closes (a parent that started it died)
  --log-file F         append log lines to F as well as stderr
  --reconnect          re-dial the bootstrap server if that link is lost
  --static-tree        course-reference mode: a lost link or a client gone without a quit is
                       not propagated (the course's harness grades hosts as it stops them)
  --max-hosts N        hosts this server may know; registrations past it are refused
                       (default ${DEFAULT_MAX_HOSTS})
  --status-log-size N  status log entries kept; older ones are dropped and counted
                       (default ${DEFAULT_STATUS_LOG_SIZE})
  --ping-interval MS   liveness: ping a server link on which nothing arrived for MS ms
                       (default 0: off, as the course's servers). A server that never answers
                       the first ping (one without liveness, e.g. the course's) is noted once
                       and never pinged or timed out again
  --ping-timeout MS    liveness: a server link silent for MS ms is dead: a netsplit with the
                       reason 'ping timeout' (default 4 x the interval; at least 2 x)
  --quiet              no log lines on stderr

Connection limits (each closing or refusing is logged and counted on /metrics):
  --max-connections N          open connections; one accepted past it is closed at once
                               (default 10000, or the open-file limit less 100 if lower: here ${defaultMaxConnections()})
  --max-unregistered N         connections not yet registered; past it the oldest is closed
                               (default ${DEFAULT_SERVER_LIMITS.maxUnregistered})
  --registration-timeout-ms MS a connection not registered this long after connecting is closed
                               (default ${DEFAULT_SERVER_LIMITS.registrationTimeoutMs})
  --frame-timeout-ms MS        a connection whose unfinished frame stops growing into a whole one
                               for this long is closed (default ${DEFAULT_SERVER_LIMITS.frameTimeoutMs})
  --sendq-high-water BYTES     a send queue past this stops the reads that feed it until it
                               drains to a quarter of it (default ${DEFAULT_SERVER_LIMITS.sendQueueHighWater})
  --sendq-timeout-ms MS        a send queue past high water that has not drained after this long:
                               "SendQ exceeded", the peer is closed (default ${DEFAULT_SERVER_LIMITS.sendqTimeoutMs};
                               a server link gets 3 times as long, so a stalled client behind it goes first;
                               a client holding a server link's reads, a quarter)
  --max-sendq BYTES            a send queue past this is closed at once (default ${DEFAULT_SERVER_LIMITS.maxQueueBytes})
  --send-budget BYTES          all send queues together; past it no connection is read until they
                               drain to 3/4 of it (default ${DEFAULT_SERVER_LIMITS.sendBudgetBytes})
`;

/** The connection-limit flags, each an integer of at least 1 (absent: the server's default). */
const LIMIT_FLAGS = {
  'max-connections': 'maxConnections',
  'max-unregistered': 'maxUnregistered',
  'registration-timeout-ms': 'registrationTimeoutMs',
  'frame-timeout-ms': 'frameTimeoutMs',
  'sendq-timeout-ms': 'sendqTimeoutMs',
  'sendq-high-water': 'sendQueueHighWater',
  'max-sendq': 'maxQueueBytes',
  'send-budget': 'sendBudgetBytes',
} as const satisfies Record<string, keyof ServerLimitOptions>;

await runMain(USAGE, async () => {
  const { values } = parseFlags(process.argv.slice(2), {
    id: { type: 'string' },
    servername: { type: 'string' },
    port: { type: 'string' },
    info: { type: 'string' },
    connect_to_host: { type: 'string' },
    connect_to_port: { type: 'string' },
    'monitor-port': { type: 'string' },
    'monitor-host': { type: 'string' },
    host: { type: 'string' },
    'hold-events': { type: 'boolean' },
    'exit-on-stdin-close': { type: 'boolean' },
    'trace-frames': { type: 'boolean' },
    'record-join-frames': { type: 'boolean' },
    'log-file': { type: 'string' },
    reconnect: { type: 'boolean' },
    'static-tree': { type: 'boolean' },
    'max-hosts': { type: 'string' },
    'status-log-size': { type: 'string' },
    'ping-interval': { type: 'string' },
    'ping-timeout': { type: 'string' },
    quiet: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
    ...Object.fromEntries(Object.keys(LIMIT_FLAGS).map((f) => [f, { type: 'string' as const }])),
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const id = intFlag(values, 'id', 1, 0xffff_ffff);
  const name = requireString(values, 'servername');
  const port = intFlag(values, 'port', 0, 65535);
  const info = typeof values.info === 'string' ? values.info : '';
  if (values.info === undefined) throw new UsageError('missing required flag --info');
  const joinPort = values.connect_to_port === undefined ? undefined : intFlag(values, 'connect_to_port', 1, 65535);
  if (values.connect_to_host !== undefined && joinPort === undefined) {
    throw new UsageError('--connect_to_host needs --connect_to_port');
  }
  const monitorPort = values['monitor-port'] === undefined ? undefined : intFlag(values, 'monitor-port', 0, 65535);
  const maxHosts = intFlag(values, 'max-hosts', 1, 0xffff_ffff, DEFAULT_MAX_HOSTS);
  const statusLogSize = intFlag(values, 'status-log-size', 1, 10_000_000, DEFAULT_STATUS_LOG_SIZE);
  const liveness = livenessFlags(values);
  const connectionLimits: ServerLimitOptions = {};
  for (const [flag, option] of Object.entries(LIMIT_FLAGS)) {
    if ((values as Record<string, unknown>)[flag] !== undefined) connectionLimits[option] = intFlag(values, flag, 1, Number.MAX_SAFE_INTEGER);
  }
  const logFile = values['log-file'];
  const log = (line: string) => {
    const stamped = `${new Date().toISOString()} ${line}`;
    if (!values.quiet) process.stderr.write(stamped + '\n');
    if (logFile) appendFileSync(logFile, stamped + '\n');
  };

  // Events are built only for the control API's subscribers (or held for the first one).
  let events: EventStream | undefined;
  const host = values.host ?? '127.0.0.1';
  const node = new CrcServerNode({
    id, name, info, port, host,
    traceFrames: values['trace-frames'] ?? false,
    recordJoinFrames: values['record-join-frames'] ?? false,
    onEvent: monitorPort === undefined ? undefined : (e, t) => events!.push(e, t),
    connectTo: joinPort === undefined ? undefined : { host: values.connect_to_host ?? '127.0.0.1', port: joinPort },
    reconnect: values.reconnect ?? false,
    staticTree: values['static-tree'] ?? false,
    maxHosts,
    statusLogSize,
    pingIntervalMs: liveness.intervalMs,
    pingTimeoutMs: liveness.timeoutMs,
    ...connectionLimits,
    log,
  });
  events = new EventStream({ node: id, holdUntilSubscribed: values['hold-events'] ?? false, log });
  let monitor: Awaited<ReturnType<typeof startMonitor>> | undefined;
  let stopping: Promise<void> | undefined;
  // POST /stop (a coordinator's graceful stop) sends the quits first, so the network forgets
  // this server at once; signals and stdin only close the sockets, as the course's servers do.
  const shutdown = (why: string, farewell = false) => (stopping ??= (async () => {
    log(`${why}: shutting down`);
    events.close();
    await monitor?.close();
    await node.stop({ farewell });
    process.exit(0);
  })());
  // How late this process runs, for a coordinator judging a timed check (GET /lateness).
  const lateness = monitorPort === undefined ? undefined : threadProbe();
  if (lateness && !threadProbesOff()) lateness.start();
  const control = new ControlApi(node, events, { stop: () => shutdown('POST /stop', true), lateness });
  // Monitor first, so a coordinator that reads the port line can reach /events before any join.
  const monitorHost = values['monitor-host'] ?? '127.0.0.1';
  const listening = await node.start();
  monitor = monitorPort === undefined ? undefined : await startMonitor(node, monitorPort, log, { host: monitorHost, control });
  // Machine-readable lines on stdout, so scripts (and placement/processes.ts) can read the chosen ports.
  process.stdout.write(`crc-server ${id} ${name} listening on ${host}:${listening}\n`);
  if (monitor) process.stdout.write(`monitor on http://${monitorHost}:${monitor.port}/state and /metrics\n`);

  if (values['exit-on-stdin-close']) {
    process.stdin.on('end', () => void shutdown('stdin closed')).on('error', () => void shutdown('stdin closed')).resume();
  }
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
});
