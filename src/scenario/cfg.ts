// Reads a course scenario (.cfg, JSON) into our Scenario model, reproducing how the course
// harness reads it (see PROTOCOL.md, "The reference scenarios"):
// - arguments are split by a regex that keeps double quotes: --info "Test info" gives the
//   11 characters "Test info", and chat texts keep their quotes;
// - host names after --connect_to_host / --serverhost are ignored: the port decides;
// - a final_state key naming no launched host is skipped (with a note);
// - adjacency is checked against the topology actually launched (the course harness never
//   compared it, and several files list impossible neighbours).
import { type Expectation, type Scenario, ScenarioError, type Step } from './model.ts';
import { launchedAdjacency } from './topology-of.ts';

interface CfgFile {
  type: 'network_connectivity' | 'CRC_functionality';
  commands: string[];
  final_state: Record<string, Record<string, unknown>>;
}

/** Split a command line the way the course harness does: on spaces, keeping "quoted strings" whole, quotes included. */
export function splitCommand(line: string): string[] {
  return line.match(/(?:"[^"]*"|[^\s"])+/g) ?? [];
}

function flags(tokens: string[], where: string): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (!t.startsWith('--')) throw new ScenarioError(`${where}: expected a --flag, got '${t}'`);
    if (t === '--command') {
      out.set('command', tokens.slice(i + 1).join(' '));
      break;
    }
    const v = tokens[i + 1];
    if (v === undefined || v.startsWith('--')) throw new ScenarioError(`${where}: ${t} has no value`);
    out.set(t.slice(2), v);
    i++;
  }
  return out;
}

function need(f: Map<string, string>, key: string, where: string): string {
  const v = f.get(key);
  if (v === undefined) throw new ScenarioError(`${where}: missing --${key}`);
  return v;
}

function num(f: Map<string, string>, key: string, where: string): number {
  const s = need(f, key, where);
  if (!/^\d+$/.test(s)) throw new ScenarioError(`${where}: --${key} must be a whole number, got '${s}'`);
  return Number(s);
}

export interface CfgOptions {
  /** Keep WAIT commands as real pauses instead of waiting for the network to go quiet. */
  realWaits?: boolean;
}

export function parseCfg(text: string, file: string, options: CfgOptions = {}): Scenario {
  let doc: CfgFile;
  try {
    doc = JSON.parse(text) as CfgFile;
  } catch (err) {
    throw new ScenarioError(`${file}: not valid JSON: ${(err as Error).message}`);
  }
  if (doc.type !== 'network_connectivity' && doc.type !== 'CRC_functionality') {
    throw new ScenarioError(`${file}: type must be network_connectivity or CRC_functionality, got ${JSON.stringify(doc.type)}`);
  }
  if (!Array.isArray(doc.commands)) throw new ScenarioError(`${file}: commands must be a list`);
  const steps: Step[] = [];
  const ports: Record<string, number> = {};
  const byPort = new Map<number, string>();
  const hosts = new Set<string>();
  const notes: string[] = [];
  doc.commands.forEach((line, i) => {
    const where = `${file}: commands.${i} (${line})`;
    const [verb, ...rest] = splitCommand(line);
    switch (verb) {
      case 'LAUNCHSERVER': {
        const f = flags(rest, where);
        const name = need(f, 'servername', where);
        const port = num(f, 'port', where);
        const step: Step = { server: name, id: num(f, 'id', where), info: need(f, 'info', where) };
        if (f.has('connect_to_port')) {
          const target = byPort.get(num(f, 'connect_to_port', where));
          if (target === undefined) throw new ScenarioError(`${where}: no server was launched on port ${f.get('connect_to_port')}`);
          step.join = target;
          const named = f.get('connect_to_host');
          if (named !== undefined && named !== target) notes.push(`${name} names '${named}' but its port is ${target}'s; the port decides, as in the course harness`);
        }
        steps.push(step);
        ports[name] = port;
        byPort.set(port, name);
        hosts.add(name);
        break;
      }
      case 'LAUNCHCLIENT': {
        const f = flags(rest, where);
        const server = byPort.get(num(f, 'serverport', where));
        if (server === undefined) throw new ScenarioError(`${where}: no server was launched on port ${f.get('serverport')}`);
        const name = need(f, 'username', where);
        steps.push({ client: name, id: num(f, 'id', where), info: need(f, 'info', where), server });
        hosts.add(name);
        break;
      }
      case 'CLIENTCOMMAND': {
        const f = flags(rest, where);
        const user = need(f, 'username', where);
        const [cmd, ...args] = splitCommand(need(f, 'command', where));
        if (cmd === 'MESSAGE') {
          const dest = args[0];
          if (dest === undefined || !/^\d+$/.test(dest)) throw new ScenarioError(`${where}: MESSAGE needs a destination id`);
          steps.push({ msg: user, to: Number(dest), text: args.slice(1).join(' ') });
        } else if (cmd === 'QUIT') {
          steps.push({ quit: user, text: args.join(' ') });
        } else {
          throw new ScenarioError(`${where}: unknown client command '${cmd}'`);
        }
        break;
      }
      case 'WAIT': {
        const s = Number(rest[0]);
        if (!Number.isFinite(s) || s < 0) throw new ScenarioError(`${where}: WAIT needs a number of seconds`);
        if (options.realWaits) steps.push({ wait: s * 1000 });
        break;
      }
      case 'KILL':
        break; // the runner stops everything at the end
      default:
        throw new ScenarioError(`${where}: unknown command '${verb}'`);
    }
  });

  const expect: Record<string, Expectation> = {};
  const launched = launchedAdjacency(steps);
  const same = (a: number[], b: number[]) => a.length === b.length && [...a].sort((x, y) => x - y).every((v, k) => v === b[k]);
  for (const [host, fields] of Object.entries(doc.final_state ?? {})) {
    if (!hosts.has(host)) {
      notes.push(`final_state '${host}' names no launched host: skipped, as the course harness did`);
      continue;
    }
    const e: Expectation = {};
    const list = <T = never>(k: string) => fields[k] as T;
    if (doc.type === 'network_connectivity') {
      // The course's connectivity stage recorded only what each server received from servers
      // joining it; it never recorded sent bytes (every sent list in the files is empty).
      if ('recvd_messages_asdqw' in fields) e.joinFrames = (list('recvd_messages_asdqw') as string[]).map((h) => h.toLowerCase());
    } else {
      if ('hosts_db' in fields) e.hosts = list('hosts_db');
      if ('status_updates_log' in fields) e.statusLog = list('status_updates_log');
      if ('connected_user_ids' in fields) e.users = list('connected_user_ids');
      if ('chat_messages_log' in fields) e.chatLog = list('chat_messages_log');
      // Adjacency: checked against the topology actually launched, not the file's lists.
      const servers = launched.servers.get(host);
      const users = launched.users.get(host);
      if (servers && 'adjacent_server_ids' in fields) {
        e.adjacentServers = servers;
        if (!same(list('adjacent_server_ids'), servers)) notes.push(`${host}: file lists adjacent servers [${list<number[]>('adjacent_server_ids')}] but the launched topology gives [${servers}]; checked the latter`);
      }
      if (users && 'adjacent_user_ids' in fields) {
        e.adjacentUsers = users;
        if (!same(list('adjacent_user_ids'), users)) notes.push(`${host}: file lists adjacent users [${list<number[]>('adjacent_user_ids')}] but the launched topology gives [${users}]; checked the latter`);
      }
    }
    expect[host] = e;
  }
  const name = file.split('/').pop()!.replace(/\.cfg$/, '');
  return { name, logOrder: 'set', steps, expect, source: 'course-cfg', ports, notes };
}
