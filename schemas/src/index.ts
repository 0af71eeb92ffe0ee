export * from './common';
export * from './errors';
export * from './tickers';
export * from './entries';
export * from './events';
export * from './openapi';
export * from './auth';
export * from './chat';
