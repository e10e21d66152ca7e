// The rules the check names when a case fails: each case lists the rules it can catch, each
// mutant (src/check/mutants/) breaks exactly one, so "caught by a case naming its rule" is a fact
// the catch table can state.
export const RULES = {
  'netsplit-propagated': 'a lost server link is told to the rest of its side (client and server quits), PROTOCOL.md "Netsplit"',
  'quit-relayed': 'a client quit (or a client gone without one) is relayed to every adjacent server and client',
  'chat-once': 'a chat is forwarded once, unchanged, toward its destination',
  'chat-next-hop': 'a chat leaves on the connection of first_link_id of its destination',
  'registrations-to-clients': 'a client registration is relayed to adjacent clients too, and a new client is told every known client',
  'duplicate-id-status': 'a registration with a known id is answered with status 0x02 "... already registered with ID <id>"',
  'welcome-text': 'a new adjacent client gets status 0x00 "Welcome to the Clemson Relay Chat network <name>"',
  'server-registration': 'a joining server is recorded, seeded and rebroadcast (hosts tables agree)',
  'answers': 'the server answers what it reads (registrations, chats): a reader that never answers serves no one',
  'liveness': 'a silent link (bytes dropped, connection open) is found by pings and dropped as a netsplit (PROTOCOL.md, Extensions: Liveness)',
  'server-quit': 'a neighbour server gone (crashed, its connection closed) is forgotten with everything behind it, and that is passed on',
  'interop': 'a network of this implementation and crc-server registers, chats, relays a client quit and re-joins, in both join directions',
  'survives-hostile-input': 'a hostile peer does not kill the server, stop it serving honest clients, or grow its memory without bound',
} as const;

export type RuleId = keyof typeof RULES;

export const isRuleId = (s: string): s is RuleId => Object.hasOwn(RULES, s);
