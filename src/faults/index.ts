// Fault injection: link proxies with toxics (see proxy.ts, toxic.ts, registry.ts).
export { LinkProxy, type LinkProxyOptions, type ProxyStats, type DirectionStats, type DownHow } from './proxy.ts';
export { listToxics, parseToxicSpec, registry, type ToxicTypeInfo } from './registry.ts';
export type { ProxyEvent, ProxyEventType } from './events.ts';
export {
  type Direction, type DirectionSpec, type Toxic, type ToxicContext, type ToxicDefinition, type ToxicInfo,
  type ToxicOutput, type ToxicSpec, PassThroughToxic, ToxicSpecError, defineToxic, seededStream,
} from './toxic.ts';
