export * from './messages.ts';
export * from './errors.ts';
export * from './encode.ts';
export * from './decoder.ts';
