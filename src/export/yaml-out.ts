// Manifest files: a header of comments (what the file is, and every warning that concerns it),
// then one YAML document per object. No timestamps: the same inputs give the same bytes.
import { stringify } from 'yaml';

export function manifestText(header: readonly string[], objects: readonly unknown[]): string {
  const comments = header.flatMap((h) => h.split('\n')).map((l) => (l ? `# ${l}` : '#')).join('\n');
  const docs = objects.map((o) => `---\n${stringify(o, { lineWidth: 0 })}`).join('');
  return `${comments}\n${docs}`;
}
