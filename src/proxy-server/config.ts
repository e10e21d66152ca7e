// crc-proxy --config FILE: toxiproxy's populate JSON (a list of {name, listen, upstream,
// enabled}), checked before the API starts, every error naming the file and the field.
import { z } from 'zod';
import { readJsonFile } from '../util/json-file.ts';
import { formatIssues, fromZod } from '../util/zod-issues.ts';

const configSchema = z.array(z.strictObject({
  name: z.string().min(1),
  listen: z.string().min(1).optional(),
  upstream: z.string().min(1),
  enabled: z.boolean().optional(),
}));

export type CrcProxyConfig = z.output<typeof configSchema>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** The proxies of a config file; the shape only (addresses are checked as /populate checks them). */
export function readConfig(path: string): CrcProxyConfig {
  const raw = readJsonFile(path, (m) => new ConfigError(m));
  const r = configSchema.safeParse(raw);
  if (!r.success) throw new ConfigError(formatIssues(path, fromZod(r.error.issues, 'field')));
  return r.data;
}
