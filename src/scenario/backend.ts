// What a scenario runs on. The runner only speaks this interface, so the same scenarios run
// with every node in this thread (in-process.ts) or every server in its own worker thread.

export interface ServerLaunch {
  name: string;
  id: number;
  info: string;
  /** 0 = any free port */
  port: number;
  /** port of the bootstrap server to join */
  joinPort?: number;
}

export interface ClientLaunch {
  name: string;
  id: number;
  info: string;
  serverPort: number;
}

export interface ServerSnapshot {
  hosts: number[];
  adjacentServers: number[];
  adjacentUsers: number[];
  statusLog: string[];
  joinFrames: string[];
}

export interface ClientSnapshot {
  users: number[];
  statusLog: string[];
  chatLog: string[];
}

export interface NetworkSnapshot {
  servers: Record<string, ServerSnapshot>;
  clients: Record<string, ClientSnapshot>;
}

export interface ScenarioBackend {
  /** Start a server (and join its bootstrap); resolves with its port. */
  launchServer(spec: ServerLaunch): Promise<number>;
  /** Connect a client and send its registration. */
  launchClient(spec: ClientLaunch): Promise<void>;
  chat(client: string, to: number, text: string): Promise<void>;
  /** Send a quit and close the client's connection. */
  quit(client: string, text: string): Promise<void>;
  /** Resolve when no byte is in flight anywhere in the network. */
  settle(): Promise<void>;
  snapshot(): Promise<NetworkSnapshot>;
  close(): Promise<void>;
}
