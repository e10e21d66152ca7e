// The judge's question after an attack: can two honest clients still register and chat on this
// server, within a bound? Raw sockets, so nothing of ours sits between the server and the verdict.
import { performance } from 'node:perf_hooks';
import { FrameDecoder, type Message, MessageType, StatusCode, encode } from '../../protocol/index.ts';
import { clientRegistration, dialRaw } from './peer.ts';

export interface HonestOutcome {
  ok: boolean;
  /** what went wrong, or what it took */
  detail: string;
  ms: number;
}

let nextId = 3_000_000_000;

export async function honestPair(port: number, boundMs: number): Promise<HonestOutcome> {
  const started = performance.now();
  const a = nextId++;
  const b = nextId++;
  const text = `honest ${a} -> ${b}`;
  const sockets: Array<import('node:net').Socket> = [];
  let step = 'connecting';
  let timer: NodeJS.Timeout | undefined;
  try {
    const work = (async () => {
      const [sa, sb] = await Promise.all([dialRaw(port), dialRaw(port)]);
      sockets.push(sa!, sb!);
      const welcomeA = firstMessage(sa!, (m) => m.type === MessageType.Status && m.statusCode === StatusCode.Welcome);
      const welcomeB = firstMessage(sb!, (m) => m.type === MessageType.Status && m.statusCode === StatusCode.Welcome);
      const chat = firstMessage(sb!, (m) => m.type === MessageType.ClientChat && m.sourceId === a && m.content === text);
      // Whichever of them is not awaited when another fails must not reject unhandled.
      for (const p of [welcomeA, welcomeB, chat]) p.catch(() => {});
      step = 'waiting for both welcomes';
      sa!.write(clientRegistration(a, 0, 'honest'));
      sb!.write(clientRegistration(b, 0, 'honest'));
      await Promise.all([welcomeA, welcomeB]);
      step = 'waiting for the chat';
      sa!.write(encode({ type: MessageType.ClientChat, sourceId: a, destinationId: b, content: text }));
      await chat;
    })();
    work.catch(() => {});
    const late = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`not within ${boundMs} ms (${step})`)), boundMs); });
    await Promise.race([work, late]);
    const ms = performance.now() - started;
    return { ok: true, detail: `registered two clients and delivered a chat in ${ms.toFixed(0)} ms`, ms };
  } catch (err) {
    return { ok: false, detail: `an honest pair could not register and chat: ${(err as Error).message}`, ms: performance.now() - started };
  } finally {
    clearTimeout(timer);
    for (const s of sockets) s.destroy();
  }
}

/** The first message on `s` that `want` accepts; rejects if the socket closes first. */
function firstMessage(s: import('node:net').Socket, want: (m: Message) => boolean): Promise<Message> {
  const dec = new FrameDecoder();
  return new Promise((resolve, reject) => {
    const onData = (c: Buffer) => {
      const r = dec.feed(c);
      const m = r.messages.find(want);
      if (m) done(undefined, m);
      else if (r.error) done(new Error(`the server sent a frame we cannot decode: ${r.error.message}`));
    };
    const onClose = () => done(new Error('the server closed the connection'));
    const done = (err?: Error, m?: Message) => {
      s.off('data', onData).off('close', onClose);
      if (err) reject(err);
      else resolve(m!);
    };
    s.on('data', onData).on('close', onClose);
  });
}
