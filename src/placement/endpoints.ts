// The endpoints file (docs/kubernetes.md: endpoints.json in the config map): where the servers and link proxies of a network
// started by someone else (the Kubernetes export) are. Written by the export, read by
// `--placement external`; checked with zod, errors naming the file and the field.
import { z } from 'zod';
import { readJsonFile } from '../util/json-file.ts';
import { fromZod, valueOrThrow } from '../util/zod-issues.ts';

const httpUrl = z.string().url().refine((u) => u.startsWith('http://'), 'an http:// URL');

export const EndpointsSchema = z.strictObject({
  servers: z.array(z.strictObject({
    /** the server's name in the topology */
    name: z.string().min(1),
    /** where clients and peers dial it */
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535),
    /** its control API (the monitor port), e.g. http://gondor.crc-sim.svc:9100 */
    control: httpUrl,
  })).min(1),
  links: z.array(z.strictObject({
    /** b joined through a: b dials a's server port through the proxy `proxy` */
    a: z.string().min(1),
    b: z.string().min(1),
    /** the crc-proxy API serving that proxy */
    proxyApi: httpUrl,
    proxy: z.string().min(1),
  })).default([]),
  /** where the driver's clients bind (informational) */
  clientHost: z.string().optional(),
}).superRefine((e, ctx) => {
  const names = new Set<string>();
  e.servers.forEach((s, i) => {
    if (names.has(s.name)) ctx.addIssue({ code: 'custom', path: ['servers', i, 'name'], message: `"${s.name}" is listed twice` });
    names.add(s.name);
  });
  e.links.forEach((l, i) => {
    for (const end of ['a', 'b'] as const) {
      if (!names.has(l[end])) ctx.addIssue({ code: 'custom', path: ['links', i, end], message: `"${l[end]}" is not one of the servers` });
    }
  });
});

export type Endpoints = z.infer<typeof EndpointsSchema>;

export class EndpointsError extends Error {
  override readonly name = 'EndpointsError';
}

export function parseEndpoints(doc: unknown, source: string): Endpoints {
  const r = EndpointsSchema.safeParse(doc);
  return valueOrThrow(r.success ? { value: r.data } : { issues: fromZod(r.error.issues) }, source, (m) => new EndpointsError(m));
}

export function loadEndpointsFile(path: string): Endpoints {
  return parseEndpoints(readJsonFile(path, (m) => new EndpointsError(m)), path);
}
