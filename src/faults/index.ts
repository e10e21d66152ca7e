// Fault injection: link proxies with toxics, on real ports or in memory on a Clock (see proxy.ts, toxic.ts, registry.ts).
export { LinkProxy, type LinkProxyOptions, type ProxyStats, type DirectionStats, type DownHow } from './proxy.ts';
export { flatToxic, listToxics, parseToxicSpec, registry, updatedToxic, type ToxicTypeInfo } from './registry.ts';
export type { ProxyEvent, ProxyEventType } from './events.ts';
export {
  type Direction, type DirectionSpec, type Toxic, type ToxicContext, type ToxicDefinition, type ToxicInfo,
  type ToxicOutput, type ToxicSpec, PassThroughToxic, ToxicSpecError, defineToxic, seededStream,
} from './toxic.ts';
export { type LinkFaultState, type DownMode, restoreFaults } from './fault-state.ts';
export { type ByteStream, type ReadSource } from './byte-stream.ts';
export { MemoryStream, type MemoryStreamOptions, memoryPair } from './memory-stream.ts';
export { type Scheduler, type Timer, schedulerFor } from './scheduler.ts';
