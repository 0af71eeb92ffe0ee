// `liveticker-chat.js`: the chat widget, loaded by liveticker.js (chat-lazy.ts) when a chat is
// first mounted. Its imports of the modules liveticker.js already holds come from there (the
// build maps them to `Liveticker.__shared`).
import { mountChat } from './chat-widget';

const global = globalThis as { Liveticker?: Record<string, unknown> };
if (global.Liveticker) global.Liveticker.__chat = mountChat;
