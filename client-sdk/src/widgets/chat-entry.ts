// `liveticker-chat.js`: the chat widget and the reader's Chats panel, loaded by liveticker.js
// (chat-lazy.ts) when either is first mounted. Its imports of the modules liveticker.js already
// holds come from there (the build maps them to `Liveticker.__shared`).
import { mountChat } from './chat-widget';
import { mountChats } from './chats-widget';
import { mountLiveChat } from './live-chat';

const global = globalThis as { Liveticker?: Record<string, unknown> };
if (global.Liveticker) {
  global.Liveticker.__chat = mountChat;
  global.Liveticker.__chats = mountChats;
  global.Liveticker.__liveChat = mountLiveChat;
}
