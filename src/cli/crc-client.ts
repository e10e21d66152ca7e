// crc-client: an interactive CRC client. Reads commands from stdin (a terminal or a pipe):
//   /msg <id> <text>   /quit [text]   /who   /help
// The course client's words also work: MESSAGE <id> <text>, QUIT [text].
import { appendFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { CrcClientNode, DEFAULT_RECONNECT_DEADLINE_MS } from '../net/client-node.ts';
import { UsageError, intFlag, parseFlags, requireString, runMain } from './args.ts';

const USAGE = `usage: crc-client --id N --serverhost H --serverport P --username U --info I
                  [--log-file F] [--reconnect]

  --id N           this client's id (1 to 4294967295)
  --serverhost H   the server's address (e.g. 127.0.0.1); a name that does not
                   resolve is dialled at 127.0.0.1, as the course's client does
  --serverport P   the server's port
  --username U     this client's name
  --info I         its info text
  --log-file F     append what happens to F as well
  --reconnect      when the connection drops, re-dial the server (backoff up to 1 s, for
                   up to ${DEFAULT_RECONNECT_DEADLINE_MS / 1000} s) and register again with the same id

commands, one per line on stdin:
  /msg <id> <text>   send a chat to client <id>     (or: MESSAGE <id> <text>)
  /quit [text]       say goodbye and exit           (or: QUIT [text])
  /who               list the clients this one knows
  /help              this list
`;

const HELP = USAGE.slice(USAGE.indexOf('commands,'));

await runMain(USAGE, async () => {
  const { values } = parseFlags(process.argv.slice(2), {
    id: { type: 'string' },
    serverhost: { type: 'string' },
    serverport: { type: 'string' },
    username: { type: 'string' },
    info: { type: 'string' },
    'log-file': { type: 'string' },
    reconnect: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const id = intFlag(values, 'id', 1, 0xffff_ffff);
  const host = requireString(values, 'serverhost');
  const port = intFlag(values, 'serverport', 1, 65535);
  const name = requireString(values, 'username');
  if (values.info === undefined) throw new UsageError('missing required flag --info');
  const logFile = values['log-file'];
  /** Connected once (later conn-opened events are reconnects), and leaving on purpose. */
  let connected = false;
  let leaving = false;
  const say = (line: string) => {
    process.stdout.write(line + '\n');
    if (logFile) appendFileSync(logFile, `${new Date().toISOString()} ${line}\n`);
  };

  const reconnect = values.reconnect ?? false;
  const client = new CrcClientNode({
    id, name, info: values.info, serverHost: host, serverPort: port, reconnect,
    log: (l) => process.stderr.write(l + '\n'),
    onGiveUp: (why) => {
      say(`* ${why}`);
      process.exit(1);
    },
    onEvent: (e) => {
      if (e.type === 'status-logged') say(`* status from ${e.from}: ${e.content}`);
      else if (e.type === 'chat-delivered') say(`<${e.from}> ${e.content}`);
      else if (e.type === 'host-learned') say(`* ${e.name} (${e.id}) is on the network`);
      else if (e.type === 'host-forgotten') say(`* ${e.id} left`);
      else if (e.type === 'conn-opened' && reconnect && connected) say(`* reconnected to ${host}:${port}`);
      else if (e.type === 'conn-closed') {
        say(`* disconnected: ${e.reason}${reconnect && !leaving ? '; reconnecting' : ''}`);
        if (!reconnect || leaving) process.exit(0);
      }
    },
  });
  await client.connect();
  connected = true;
  say(`* connected to ${host}:${port} as ${name} (${id}); /help for commands`);

  const rl = createInterface({ input: process.stdin, terminal: process.stdin.isTTY === true });
  for await (const raw of rl) {
    const line = raw.trim();
    if (line === '') continue;
    const msg = /^(?:\/msg|MESSAGE)\s+(\S+)\s+(.*)$/i.exec(line);
    const quit = /^(?:\/quit|QUIT)(?:\s+(.*))?$/i.exec(line);
    if (msg) {
      const dest = Number(msg[1]);
      if (!/^\d+$/.test(msg[1]!) || dest < 1 || dest > 0xffff_ffff) {
        say(`! '${msg[1]}' is not a client id (1 to 4294967295)`);
        continue;
      }
      try {
        client.chat(dest, msg[2]!);
      } catch (err) {
        say(`! ${(err as Error).message}`);
      }
    } else if (quit) {
      leaving = true;
      await client.quit(quit[1] ?? '');
      break;
    } else if (/^\/who$/i.test(line)) {
      const ids = client.state().connectedUserIds;
      say(ids.length ? `* known clients: ${ids.join(', ')}` : '* no other clients known');
    } else if (/^\/help$/i.test(line)) {
      process.stdout.write(HELP);
    } else {
      say(`! unknown command: ${line.split(/\s/)[0]} (try /help)`);
    }
  }
  // stdin ended without /quit: leave politely.
  leaving = true;
  if (client.state().connected) await client.quit('');
  process.exit(0);
});
