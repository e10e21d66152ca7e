// What runs a foreign server (one we did not write): a folder in the course's layout, run by
// our adapter tools/course_host.py, or any other program given as a command with
// placeholders. Pure: the checks here are shared by the topology schema and the CLI flags.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';

export type ImplSpec = { course: string } | { command: string[] };

/** The placeholders a command may use; {connect_host}/{connect_port} are filled at join time (a root gets '' and 0). */
export const COMMAND_PLACEHOLDERS = ['id', 'name', 'info', 'port', 'connect_host', 'connect_port'] as const;
export type CommandPlaceholder = (typeof COMMAND_PLACEHOLDERS)[number];

/** Where a course folder keeps its server: at the top, or under src/ (as one known implementation does). */
export const COURSE_SERVER_FILES = ['ChatServer.py', 'src/ChatServer.py'] as const;

/** Why `dir` is not a course folder we can run ('' when it is). Relative paths are from the working directory. */
export function courseDirProblem(dir: string): string {
  if (!existsSync(dir)) return `no folder ${dir} (relative to ${process.cwd()})`;
  if (!statSync(dir).isDirectory()) return `${dir} is not a folder`;
  if (!COURSE_SERVER_FILES.some((f) => existsSync(join(dir, f)))) return `${dir} holds neither ${COURSE_SERVER_FILES.join(' nor ')}`;
  return '';
}

/** Why a command is unusable ('' when it is fine): unknown placeholders, or no {port} (we must know where it listens). */
export function commandProblem(command: readonly string[]): string {
  if (command.length === 0 || command[0] === '') return 'an empty command';
  const used = new Set<string>();
  for (const arg of command) for (const m of arg.matchAll(/\{([^{}]*)\}/g)) used.add(m[1]!);
  const unknown = [...used].filter((p) => !(COMMAND_PLACEHOLDERS as readonly string[]).includes(p));
  if (unknown.length) return `unknown placeholder${unknown.length > 1 ? 's' : ''} ${unknown.map((p) => `{${p}}`).join(', ')} (known: ${COMMAND_PLACEHOLDERS.map((p) => `{${p}}`).join(' ')})`;
  if (!used.has('port')) return 'the command must take {port}: the port it listens on is picked by the simulator';
  return '';
}

/** The command with its placeholders filled. */
export function fillCommand(command: readonly string[], values: Record<CommandPlaceholder, string | number>): string[] {
  return command.map((arg) => arg.replace(/\{([a-z_]+)\}/g, (all, p: string) => (p in values ? String(values[p as CommandPlaceholder]) : all)));
}

/** How the summary and the dashboard name an impl: "course:DIR" or "command:prog". */
export function implLabel(impl: ImplSpec | undefined): string {
  if (!impl) return 'ours';
  return 'course' in impl ? `course:${impl.course}` : `command:${impl.command[0]}`;
}

/** How a host is observed: ours (events + /node-state), course (its attributes polled by the adapter), black-box (its port only). */
export type Observed = 'ours' | 'course' | 'black-box';

export function observedOf(impl: ImplSpec | undefined): Observed {
  return !impl ? 'ours' : 'course' in impl ? 'course' : 'black-box';
}
