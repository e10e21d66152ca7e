export * from './effects.ts';
export * from './server-core.ts';
export * from './client-core.ts';
