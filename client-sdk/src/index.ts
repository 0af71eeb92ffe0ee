export { createClient, LivetickerClient } from './client';
export type { ClientOptions, ClientEvents } from './client';
export { TickerView } from './ticker';
export type { TickerViewChange, TickerViewOptions } from './ticker';
export { LivetickerError, RestClient } from './rest';
export { StreamSync } from './streams';
export { OrderedList } from './ordered';
export type * from '@liveticker/schemas';
