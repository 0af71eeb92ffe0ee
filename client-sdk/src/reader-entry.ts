// The readers' browser script (`liveticker.js`, global `Liveticker`): the SDK and the ticker
// widget; the chat widget comes as `liveticker-chat.js` when a chat is first mounted, the Chats
// panel as `liveticker-chats.js` after it (the build swaps ./widgets/chat-widget for
// ./widgets/chat-lazy, ./widgets/chats-widget and ./widgets/live-chat for ./widgets/chats-lazy here).
import * as client from './client';
import * as rest from './rest';
import * as dom from './widgets/dom';
import * as i18n from './widgets/i18n';
import * as streams from './streams';
import * as emitter from './emitter';

export * from './readers';

/** The modules liveticker-chat.js shares with this script instead of carrying copies. */
export const __shared = { client, rest, dom, i18n, streams, emitter };
