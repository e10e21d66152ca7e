// "host:port" as toxiproxy's `listen` and `upstream` fields write it: "127.0.0.1:8474",
// "localhost:0", "[::1]:9000", ":0" (every interface), "redis:6379" (a name, resolved when dialled).

export interface HostPort {
  host: string;
  port: number;
}

/**
 * Parse `text` or return why not. `minPort` 0 lets a listen address ask for any free port.
 * An empty host (":0") is every IPv4 interface; "localhost" listens on 127.0.0.1, as toxiproxy
 * resolves it, so the reported address is an IP.
 */
export function parseHostPort(text: string, minPort: 0 | 1): HostPort | string {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\[\]\s]*)):(\d{1,5})$/.exec(text);
  if (!m) return `"${text}" is not host:port`;
  const port = Number(m[3]);
  if (port < minPort || port > 65535) return `port ${port} in "${text}" is not from ${minPort} to 65535`;
  const host = m[1] ?? m[2] ?? '';
  return { host, port };
}

/** Where to listen for a parsed listen address. */
export function listenHost(host: string): string {
  if (host === '') return '0.0.0.0';
  if (host === 'localhost') return '127.0.0.1';
  return host;
}

export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Loopback hosts: the only ones the unauthenticated API should listen on without a warning. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}
