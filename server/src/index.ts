export { loadConfig, testConfig } from './config';
export type { Config } from './config';
export { createDeps } from './deps';
export type { Deps } from './deps';
export { createServer } from './server';
export type { LivetickerServer } from './server';
export { MemoryHub } from './realtime/bus.memory';
export { seedDemo } from './seed';
