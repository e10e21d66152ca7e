// One way to say what is wrong with a document, for every loader (topologies, experiments,
// scenarios, toxic specs): an issue is a path into the document and a message, and a file's
// issues print one a line as "<source>: <path>: <message>".
import type { z } from 'zod';

export interface Issue {
  path: PropertyKey[];
  message: string;
  /** the issue is a key the schema does not know; the path ends with it */
  unknownKey?: true;
}

/** A checked document: the value, or every issue found. */
export type Checked<T> = { value: T } | { issues: Issue[] };

/** What an unknown key is called: toxics have attributes, documents have fields. */
export type KeyNoun = 'field' | 'attribute';

/**
 * zod's issues as ours, under `at`. Each unknown key becomes an issue of its own whose path
 * ends with it, so the path names the key as it names any other bad field.
 */
export function fromZod(issues: readonly z.core.$ZodIssue[], noun: KeyNoun = 'field', at: readonly PropertyKey[] = []): Issue[] {
  return issues.flatMap((i): Issue[] => i.code === 'unrecognized_keys'
    ? i.keys.map((k) => ({ path: [...at, ...i.path, k], message: `unknown ${noun} "${k}"`, unknownKey: true }))
    : [{ path: [...at, ...i.path], message: i.message }]);
}

/** The same issues under `at` (e.g. a toxic's issues inside an experiment's timeline entry). */
export const under = (at: readonly PropertyKey[], issues: readonly Issue[]): Issue[] =>
  issues.map((i) => ({ ...i, path: [...at, ...i.path] }));

export const pathText = (path: readonly PropertyKey[]): string => (path.length ? path.map(String).join('.') : '(top level)');

/** A file's issues, one a line: "<source>: <path>: <message>". */
export function formatIssues(source: string, issues: readonly Issue[]): string {
  return issues.map((i) => `${source}: ${pathText(i.path)}: ${i.message}`).join('\n');
}

/** The checked value, or an error (made by `makeError`) listing every issue of `source`. */
export function valueOrThrow<T>(r: Checked<T>, source: string, makeError: (message: string) => Error): T {
  if ('issues' in r) throw makeError(formatIssues(source, r.issues));
  return r.value;
}

/**
 * The issues of an object that has no file (a toxic spec handed to a proxy) on one line:
 * `attribute "ms": Too small…; unknown attribute "jiter"`.
 */
export function inlineIssues(issues: readonly Issue[], noun: KeyNoun): string {
  return issues.map((i) => (i.unknownKey || !i.path.length ? i.message : `${noun} "${i.path.map(String).join('.')}": ${i.message}`)).join('; ');
}
