export * from './effects.ts';
export * from './server-core.ts';
export * from './server-options.ts';
export * from './client-core.ts';
export * from './liveness.ts';
