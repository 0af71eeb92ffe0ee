// What the readers' script (liveticker.js) carries: the SDK and the widgets. index.ts adds the
// desk's presence for the npm package (the console's bundle takes it from desk.ts).
export { createClient, LivetickerClient } from './client';
export type { ClientOptions, ClientEvents, ConnectionStatus } from './client';
export { TickerView } from './ticker';
export { ChatView } from './chat';
export type { ChatViewChange, SendOptions } from './chat';
export type { TickerViewChange, TickerViewOptions } from './ticker';
export { LivetickerError, RestClient } from './rest';
export { StreamSync } from './streams';
export { OrderedList } from './ordered';
export type * from '@liveticker/schemas';
export { mountTicker } from './widgets/ticker-widget';
export type { TickerWidgetOptions } from './widgets/ticker-widget';
export { mountChat } from './widgets/chat-widget';
export type { ChatWidgetOptions } from './widgets/chat-widget';
export { mountChats } from './widgets/chats-widget';
export type { ChatsWidgetOptions } from './widgets/chats-widget';
export { defineElements } from './widgets/elements';
export { follow, unfollow, followSupport, storedFollow } from './follow';
export type { FollowOptions, StoredFollow } from './follow';
export { pickLang } from './widgets/i18n';
export { consent } from './widgets/consent';
import { defineElements } from './widgets/elements';

// In a browser, the script tag is all a page needs: <liveticker-ticker> and friends are defined.
defineElements();
