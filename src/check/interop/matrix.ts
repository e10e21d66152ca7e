// Issue 17's interop matrix, one direction of it: a course-layout implementation and our
// crc-server, linked through a relay that can be cut, with the implementation's OWN clients on
// both servers: register, chat both ways, client quit, netsplit and re-join, and no spurious
// status anywhere on its side. Our server runs with liveness on (its probes must not show up in
// a course server's log). Used by the check (--impl course:DIR, interop cases) and by
// test/foreign/interop-matrix.test.ts.
//
// What no course server does is not asked of it (IMPLEMENTATIONS.md: none handles a server quit
// or has liveness): after the netsplit only OUR side must forget the other, and the re-join is
// with the course server restarted fresh.
import { HostGroup, type InteropClient, type InteropServer, until } from './hosts.ts';
import { type Relay, relayTo } from './relay.ts';

export const DIRECTIONS = ['theirs joins ours', 'ours joins theirs'] as const;
export type Direction = (typeof DIRECTIONS)[number];

/** Liveness on, fast: a probe goes out on every server link we have. */
const OURS = ['--ping-interval', '100', '--ping-timeout', '400', '--reconnect'];
const WAIT_MS = 15_000;

export const WELCOME = (name: string) => `Welcome to the Clemson Relay Chat network ${name}`;

/** A step of the matrix that did not hold: `step` names it (for the check's reason). */
export class InteropFailure extends Error {
  /** `steps`: those that held before it; `output`: every process's output tail */
  constructor(readonly step: string, message: string, readonly steps: string[], readonly output: string) {
    super(`${step}: ${message}`);
  }
}

export interface MatrixOptions {
  /** the course-layout folder */
  dir: string;
  direction: Direction;
  /** added to the course processes' environment (e.g. CRC_FIXTURE_CONVENTION) */
  env?: Record<string, string>;
  /** each step as it passes */
  onStep?: (step: string) => void;
}

export interface MatrixResult {
  steps: string[];
  /** every process's output tail */
  output: string;
}

const sorted = (xs: Iterable<number>) => [...xs].sort((a, b) => a - b).join();

/** Runs the matrix in one direction; throws InteropFailure at the first step that does not hold (its `output` on the error). */
export async function runInteropMatrix(o: MatrixOptions): Promise<MatrixResult> {
  const hosts = new HostGroup(o.dir, o.env);
  const steps: string[] = [];
  let relay: Relay | undefined;
  let step = 'start';
  const at = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    step = name;
    const v = await fn();
    steps.push(name);
    o.onStep?.(name);
    return v;
  };
  try {
    const theirsJoins = o.direction === 'theirs joins ours';
    const theirId = theirsJoins ? 2 : 1;
    const ourId = theirsJoins ? 1 : 2;
    // Server 1 accepts, server 2 joins it through the relay.
    let theirs: InteropServer;
    let ours: InteropServer;
    if (theirsJoins) {
      ours = await at('start our server', () => hosts.ourServer({ id: 1, name: 'ours', extra: OURS }));
      relay = await relayTo(ours.port);
      theirs = await at('start theirs, joining ours', () => hosts.courseServer({ id: 2, name: 'theirs', connect: relay!.port }));
    } else {
      theirs = await at('start theirs', () => hosts.courseServer({ id: 1, name: 'theirs' }));
      relay = await relayTo(theirs.port);
      ours = await at('start our server, joining theirs', () => hosts.ourServer({ id: 2, name: 'ours', connect: relay!.port, extra: OURS }));
    }
    const client = (id: number, name: string, serverPort: number) => hosts.courseClient({ id, name, serverPort });
    const r = relay;

    const onOurs = await at('register a client of theirs on our server', () => client(101, 'alice', ours.port));
    const onTheirs = await at('register a client on theirs', () => client(102, 'bob', theirs.port));
    await at('each client learns the other', async () => { await knows(onOurs, 102); await knows(onTheirs, 101); });
    await at('both servers know both clients and each other', async () => {
      await serverUntil(ours, (s) => sorted(s.hosts.map((h) => h.id)) === sorted([theirId, 101, 102]), 'ours knows both clients and their server');
      await serverUntil(theirs, (s) => sorted(s.hosts.map((h) => h.id)) === sorted([ourId, 101, 102]), 'theirs knows both clients and our server');
      await serverUntil(ours, (s) => s.adjacentServerIds.join() === String(theirId), `ours adjacent to ${theirId} only`);
      await serverUntil(theirs, (s) => s.adjacentServerIds.join() === String(ourId), `theirs adjacent to ${ourId} only`);
    });
    await at('chat both ways', () => chatBothWays(onOurs, onTheirs, 'hello'));

    await at('client quit relayed', async () => {
      await onTheirs.quit('bye');
      await forgets(onOurs, 102);
      await serverUntil(ours, (s) => !s.hosts.some((h) => h.id === 102), 'ours forgets the client that quit');
    });
    const second = await at('a new client after the quit', () => client(103, 'carol', theirs.port));
    await at('the new client is learned and chats', async () => {
      await knows(onOurs, 103);
      await knows(second, 101);
      await chatBothWays(onOurs, second, 'again');
    });
    await at('no spurious status', () => noSpuriousStatus([theirs], [onOurs, second]));

    await at('netsplit: our side forgets the other and tells its clients', async () => {
      r.cut();
      await serverUntil(ours, (s) => s.hosts.every((h) => h.id === 101), 'ours forgets the other side');
      await forgets(onOurs, 103);
      await serverUntil(ours, (s) => s.adjacentServerIds.length === 0, 'ours has no adjacent server');
    });

    await at('re-join with theirs restarted fresh', async () => {
      await theirs.crash();
      if (theirsJoins) {
        theirs = await hosts.courseServer({ id: 2, name: 'theirs', connect: r.port });
      } else {
        theirs = await hosts.courseServer({ id: 1, name: 'theirs' });
        r.retarget(theirs.port); // our server re-dials the relay with backoff
      }
    });
    const back = await at('a client on the restarted server', () => client(104, 'dave', theirs.port));
    await at('learned across the re-joined link, and chats', async () => {
      await knows(onOurs, 104);
      await knows(back, 101);
      await serverUntil(ours, (s) => s.adjacentServerIds.join() === String(theirId), 'the link up again');
      await chatBothWays(onOurs, back, 'rejoined');
    });
    await at('no spurious status after the re-join', async () => {
      await noSpuriousStatus([theirs], [back]);
      const log = (await onOurs.state()).statusLog;
      if (log.join('\n') !== WELCOME('alice')) throw new Error(`client alice's status log is ${JSON.stringify(log)}, not only its welcome`);
    });
    return { steps, output: hosts.tails() };
  } catch (err) {
    throw new InteropFailure(step, (err as Error).message, steps, hosts.tails());
  } finally {
    await relay?.close();
    await hosts.close();
  }
}

const knows = (c: InteropClient, id: number) => until(async () => (await c.state()).connectedUserIds.includes(id), WAIT_MS, `${c.label} learns ${id}`);
const forgets = (c: InteropClient, id: number) => until(async () => !(await c.state()).connectedUserIds.includes(id), WAIT_MS, `${c.label} forgets ${id}`);
const serverUntil = (s: InteropServer, pred: (st: Awaited<ReturnType<InteropServer['state']>>) => boolean, what: string) =>
  until(async () => pred(await s.state()), WAIT_MS, what);

async function chatBothWays(a: InteropClient, b: InteropClient, tag: string): Promise<void> {
  await a.message(b.id, `${tag} from ${a.id}`);
  await until(async () => (await b.state()).chatLog.some((l) => l.includes(`${tag} from ${a.id}`)), WAIT_MS, `${b.label} gets the chat from ${a.id}`);
  await b.message(a.id, `${tag} from ${b.id}`);
  await until(async () => (await a.state()).chatLog.some((l) => l.includes(`${tag} from ${b.id}`)), WAIT_MS, `${a.label} gets the chat from ${b.id}`);
}

/** Nothing but its welcome in a course client's status log; nothing in a course server's. */
async function noSpuriousStatus(servers: InteropServer[], clients: InteropClient[]): Promise<void> {
  for (const s of servers) {
    const log = (await s.state()).statusLog;
    if (log.length) throw new Error(`${s.label}'s status log is ${JSON.stringify(log)}, not empty`);
  }
  for (const c of clients) {
    const log = (await c.state()).statusLog;
    if (log.join('\n') !== WELCOME(c.name)) throw new Error(`${c.label}'s status log is ${JSON.stringify(log)}, not only its welcome`);
  }
}
