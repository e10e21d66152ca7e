// The course's CRC_functionality scenarios 3_3, 5_2, 5_3, 5_4, 6_2 and 6_3, replayed in the
// in-memory harness. Steps and expected final states are transcribed from
// ../shared/crc/reference-scenarios/*.cfg (not read at test time). As the reference harness
// does, --info values and chat/quit texts keep their double quotes, and lists are compared as
// sets with a count check. Adjacency is checked against the topology actually launched (the
// files' adjacency lists are partly wrong and were never compared by the course harness).
import { describe, expect, it } from 'vitest';
import { Net, sortedIds, sortedStrs } from './harness.ts';

type Step =
  | ['S', number, string, string, string?] // LAUNCHSERVER id name info [connect to (by port -> name)]
  | ['C', number, string, string, string] // LAUNCHCLIENT id username info server
  | ['M', string, number, string] // CLIENTCOMMAND MESSAGE
  | ['Q', string, string?]; // CLIENTCOMMAND QUIT

interface Expect {
  hosts?: number[];
  status?: string[];
  users?: number[];
  chats?: string[];
}

interface Scenario {
  name: string;
  steps: Step[];
  final: Record<string, Expect>;
}

const q = (s: string) => `"${s}"`;
const W = (name: string) => `Welcome to the Clemson Relay Chat network ${name}`;
const TI = q('Test info');

// The four-server / four-client opening shared by 3_3 and 5_x / 6_2.
const shire: Step = ['S', 1, 'theshire', q('Home of the Hobbits')];
const riv: Step = ['S', 2, 'rivendale', q('Elronds House'), 'theshire'];
const frodo: Step = ['C', 101, 'frodobaggins', TI, 'theshire'];
const grey: Step = ['S', 3, 'grey_havens', q('Gates to the Blessed Realm'), 'theshire'];
const sam: Step = ['C', 102, 'samgamgee', TI, 'theshire'];
const elrond: Step = ['C', 103, 'elrond', TI, 'rivendale'];
const bilbo: Step = ['C', 104, 'bilbobaggins', TI, 'grey_havens'];

const threeServerHosts = {
  theshire: { hosts: [2, 3, 101, 102, 103, 104] },
  rivendale: { hosts: [1, 3, 101, 102, 103, 104] },
  grey_havens: { hosts: [1, 2, 101, 102, 103, 104] },
};

const SCENARIOS: Scenario[] = [
  {
    name: '3_3_ThreeServers_FourClients',
    steps: [shire, riv, frodo, grey, sam, elrond, bilbo],
    final: {
      ...threeServerHosts,
      frodobaggins: { users: [102, 103, 104] },
      samgamgee: { users: [101, 103, 104] },
      elrond: { users: [101, 102, 104] },
      bilbobaggins: { users: [101, 102, 103] },
    },
  },
  {
    name: '5_2_DuplicateID_Server',
    steps: [shire, riv, frodo, grey, ['S', 2, 'osgiliath', q('Elronds House'), 'theshire'], sam, elrond, bilbo],
    final: {
      ...threeServerHosts,
      osgiliath: { hosts: [], status: ['A machine has already registered with ID 2'] },
      frodobaggins: { users: [102, 103, 104], status: [W('frodobaggins')] },
      samgamgee: { users: [101, 103, 104], status: [W('samgamgee')] },
      elrond: { users: [101, 102, 104], status: [W('elrond')] },
      bilbobaggins: { users: [101, 102, 103], status: [W('bilbobaggins')] },
    },
  },
  {
    name: '5_3_DuplicateID_Client',
    steps: [shire, riv, frodo, grey, sam, elrond, ['C', 102, 'gollum', TI, 'theshire'], bilbo],
    final: {
      ...threeServerHosts,
      frodobaggins: { users: [102, 103, 104], status: [W('frodobaggins')] },
      samgamgee: { users: [101, 103, 104], status: [W('samgamgee')] },
      elrond: { users: [101, 102, 104], status: [W('elrond')] },
      bilbobaggins: { users: [101, 102, 103], status: [W('bilbobaggins')] },
      gollum: { users: [], status: ['Someone has already registered with ID 102'] },
    },
  },
  {
    name: '5_4_UnknownID_Client',
    steps: [shire, riv, frodo, grey, sam, elrond, ['M', 'elrond', 201, q('Testing 1 2 3 4 5')], bilbo],
    final: {
      ...threeServerHosts,
      frodobaggins: { users: [102, 103, 104], status: [W('frodobaggins')], chats: [] },
      samgamgee: { users: [101, 103, 104], status: [W('samgamgee')], chats: [] },
      elrond: { users: [101, 102, 104], status: [W('elrond'), 'Unknown ID 201'], chats: [] },
      bilbobaggins: { users: [101, 102, 103], status: [W('bilbobaggins')], chats: [] },
    },
  },
  {
    name: '6_2_ClientQuit_ThreeServers',
    steps: [
      shire, riv, frodo, grey, sam, elrond, bilbo,
      ['M', 'elrond', 104, q('Bye Bilbo')],
      ['Q', 'bilbobaggins', q('Leaving for the Undying Lands')],
      ['M', 'frodobaggins', 104, q('I will miss you')],
    ],
    final: {
      theshire: { hosts: [2, 3, 101, 102, 103] },
      rivendale: { hosts: [1, 3, 101, 102, 103] },
      grey_havens: { hosts: [1, 2, 101, 102, 103] },
      frodobaggins: { users: [102, 103], status: [W('frodobaggins'), 'Unknown ID 104'], chats: [] },
      samgamgee: { users: [101, 103], status: [W('samgamgee')], chats: [] },
      elrond: { users: [101, 102], status: [W('elrond')], chats: [] },
      bilbobaggins: { users: [101, 102, 103], status: [W('bilbobaggins')], chats: ['"Bye Bilbo"'] },
    },
  },
  {
    name: '6_3_ClientQuit_ElevenServers',
    steps: [
      shire, riv, frodo, grey, sam, elrond, bilbo,
      ['S', 4, 'lothlorien', q('The Golden Wood'), 'rivendale'],
      ['S', 5, 'moria', q('The Black Pit'), 'rivendale'],
      ['M', 'bilbobaggins', 102, q('Sam, how is the garden doing?')],
      ['Q', 'samgamgee', q('Stepping out to get a bite to eat')],
      ['M', 'frodobaggins', 102, q('Pick me up some lembas bread, will you?')],
      ['S', 6, 'edoras', q('Home of the Golden Hall of Meduseld'), 'lothlorien'],
      ['S', 7, 'minastirith', q('Tower of Guard'), 'lothlorien'],
      ['C', 105, 'peregrin', TI, 'minastirith'],
      ['S', 8, 'mirkwood', q('Wood of Greenleaves'), 'rivendale'],
      ['C', 106, 'meriadoc', TI, 'edoras'],
      ['S', 9, 'isengard', q('Angrenost, The Iron Fortres'), 'edoras'],
      ['S', 10, 'osgiliath', q('Citadel of the Stars'), 'minastirith'],
      ['S', 11, 'barad-dur', q('The Dark Tower'), 'minastirith'],
      ['C', 107, 'balin', TI, 'moria'],
      ['C', 108, 'sauron', TI, 'barad-dur'],
      ['M', 'peregrin', 108, q('Quit looking at me, its creepy')],
      ['Q', 'sauron', q('Tower collapsing, brb')],
      ['M', 'frodobaggins', 108, q('I dont think you are going to get that ring back...')],
    ],
    final: (() => {
      const all = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 101, 103, 104, 105, 106, 107];
      const but = (id: number) => ({ hosts: all.filter((x) => x !== id) });
      return {
        theshire: but(1), rivendale: but(2), grey_havens: but(3), lothlorien: but(4), moria: but(5),
        edoras: but(6), minastirith: but(7), mirkwood: but(8), isengard: but(9), osgiliath: but(10),
        'barad-dur': but(11),
        frodobaggins: { users: [103, 104, 105, 106, 107], status: [W('frodobaggins'), 'Unknown ID 102', 'Unknown ID 108'], chats: [] },
        samgamgee: { users: [101, 103, 104], status: [W('samgamgee')], chats: ['"Sam, how is the garden doing?"'] },
        elrond: { users: [101, 104, 105, 106, 107], status: [W('elrond')], chats: [] },
        bilbobaggins: { users: [101, 103, 105, 106, 107], status: [W('bilbobaggins')], chats: [] },
        peregrin: { users: [101, 103, 104, 106, 107], status: [W('peregrin')], chats: [] },
        meriadoc: { users: [101, 103, 104, 105, 107], status: [W('meriadoc')], chats: [] },
        balin: { users: [101, 103, 104, 105, 106], status: [W('balin')], chats: [] },
        sauron: { users: [101, 103, 104, 105, 106, 107], status: [W('sauron')], chats: ['"Quit looking at me, its creepy"'] },
      };
    })(),
  },
];

/** Adjacency implied by the launched topology: successful joins, live (non-duplicate, non-quit) clients. */
function launchedAdjacency(steps: Step[]): Map<string, { servers: Set<number>; users: Set<number> }> {
  const adj = new Map<string, { servers: Set<number>; users: Set<number> }>();
  const idOf = new Map<string, number>();
  const homeOf = new Map<string, string>();
  const taken = new Set<number>();
  const entry = (n: string) => adj.get(n) ?? adj.set(n, { servers: new Set(), users: new Set() }).get(n)!;
  for (const s of steps) {
    if (s[0] === 'S') {
      const [, id, name, , via] = s;
      entry(name);
      if (taken.has(id)) continue;
      taken.add(id);
      idOf.set(name, id);
      if (via !== undefined) {
        entry(name).servers.add(idOf.get(via)!);
        entry(via).servers.add(id);
      }
    } else if (s[0] === 'C') {
      const [, id, name, , server] = s;
      if (taken.has(id)) continue;
      taken.add(id);
      idOf.set(name, id);
      homeOf.set(name, server);
      entry(server).users.add(id);
    } else if (s[0] === 'Q') {
      entry(homeOf.get(s[1])!).users.delete(idOf.get(s[1])!);
    }
  }
  return adj;
}

function play(steps: Step[], chunkSeed: number | undefined): Net {
  const net = new Net({ chunkSeed });
  for (const s of steps) {
    switch (s[0]) {
      case 'S': net.addServer(s[1], s[2], s[3], s[4]); break;
      case 'C': net.addClient(s[1], s[2], s[3], s[4]); break;
      case 'M': net.chat(s[1], s[2], s[3]); break;
      case 'Q': net.quit(s[1], s[2] ?? ''); break;
    }
  }
  return net;
}

const MODES = [
  { label: 'whole frames', chunkSeed: undefined },
  { label: 'random chunks (seed 5)', chunkSeed: 5 },
  { label: 'random chunks (seed 31337)', chunkSeed: 31337 },
] as const;

describe.each(MODES)('reference scenarios — $label', ({ chunkSeed }) => {
  describe.each(SCENARIOS.map((s) => [s.name, s] as const))('%s', (_name, sc) => {
    const net = play(sc.steps, chunkSeed);

    it('every host named in final_state exists (and every launched host is checked)', () => {
      for (const name of Object.keys(sc.final)) expect(net.nodes.has(name), name).toBe(true);
      for (const name of net.nodes.keys()) expect(Object.keys(sc.final), name).toContain(name);
    });

    it.each(Object.entries(sc.final))('final state of %s', (name, exp) => {
      const node = net.resolve(name);
      if (node.kind === 'server') {
        if (exp.hosts) expect(sortedIds(node.core.hostIds())).toEqual(sortedIds(exp.hosts));
        if (exp.status) expect(sortedStrs(node.core.statusUpdates())).toEqual(sortedStrs(exp.status));
        expect(exp.users).toBeUndefined();
        expect(exp.chats).toBeUndefined();
      } else if (node.kind === 'client') {
        if (exp.users) expect(sortedIds(node.core.connectedUserIds())).toEqual(sortedIds(exp.users));
        if (exp.status) expect(sortedStrs(node.core.statusUpdates())).toEqual(sortedStrs(exp.status));
        if (exp.chats) expect(sortedStrs(node.core.chatMessages())).toEqual(sortedStrs(exp.chats));
        expect(exp.hosts).toBeUndefined();
      } else {
        throw new Error(`${name} is a probe`);
      }
    });

    it('adjacency matches the topology actually launched', () => {
      const adj = launchedAdjacency(sc.steps);
      for (const s of net.servers()) {
        const want = adj.get(s.name)!;
        expect(sortedIds(s.core.adjacentServerIds()), `${s.name} servers`).toEqual(sortedIds(want.servers));
        expect(sortedIds(s.core.adjacentUserIds()), `${s.name} users`).toEqual(sortedIds(want.users));
      }
    });

    it('no protocol errors and no decoder trouble along the way', () => {
      expect(net.events.filter((e) => e.event.type === 'protocol-error')).toEqual([]);
      expect(net.inFlight).toBe(false);
    });
  });
});
