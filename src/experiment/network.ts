// What the experiment runner (and the probes and checks it uses) needs of a running network:
// the knowledge model's waits, traffic, hosts coming and going, link faults, and reading
// nodes. Two things implement it: the coordinator's Simulation (real ports, worker threads)
// and the sim's SimNetwork (every core in this thread, on virtual time).
import type { Convergence, ConvergenceOptions, ForgottenOptions, LinkControl, LinkInfo, Simulation } from '../coordinator/simulation.ts';
import type { DownMode } from '../faults/proxy.ts';
import type { ClientSpec, Topology } from '../topology/schema.ts';
import type { ThreadLateness } from '../util/lateness-probe.ts';

type ServerState = Awaited<ReturnType<Simulation['serverState']>>;
type ClientState = Awaited<ReturnType<Simulation['clientState']>>;

export interface ExperimentNetwork {
  readonly topology: Topology;
  nameOf(id: number): string;

  converged(o?: ConvergenceOptions): Promise<Convergence>;
  forgotten(id: number, o?: ForgottenOptions): Promise<Convergence>;
  known(id: number, o?: ConvergenceOptions): Promise<Convergence>;
  knownBy(node: number): ReadonlySet<number>;
  expectedOf(node: number): number[];
  live(): { servers: number[]; clients: Array<{ id: number; server: number }> };

  /** Chats from a client ("<tag><seq> <send time ms> …", traffic-text.ts); deliveries show as chat-delivered events. */
  traffic(from: number, to: number, rate: number, size: number, durationMs: number, tag?: string): Promise<{ sent: number }>;
  quit(clientId: number, text?: string): Promise<number>;
  disconnect(clientId: number): Promise<number>;
  addClient(c: ClientSpec): Promise<number>;
  /** Resolves with the servers that went down. */
  crash(id: number): Promise<number[]>;
  restart(id: number): Promise<void>;

  linkList(): LinkInfo[];
  link(a: number, b: number): LinkControl;
  partition(groups: number[][], options?: { mode?: DownMode }): Promise<LinkInfo[]>;
  heal(): Promise<void>;

  /**
   * How late each worker thread (or server process) was around [from, to] (run-lateness.ts).
   * Absent where there is no host lateness: the sim runs on virtual time, nothing is late.
   */
  threadLateness?(from: number, to: number): Promise<ThreadLateness[]>;

  serverState(id: number): Promise<ServerState>;
  clientState(id: number): Promise<ClientState>;
  stop(): Promise<void>;
}
