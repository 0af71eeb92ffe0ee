// `liveticker-chat.js`: the chat widget, loaded by liveticker.js (chat-lazy.ts) when a chat is
// first mounted. Its imports of the modules liveticker.js already holds come from there (the build
// maps them to `Liveticker.__shared`); it lends its own to liveticker-chats.js (`__chatShared`).
import { mountChat } from './chat-widget';
import * as chatWidget from './chat-widget';
import * as chatForms from './chat-forms';
import * as chatLogin from './chat-login';
import * as i18nChat from './i18n.chat';
import * as inboxOrder from '../inbox-order';

const global = globalThis as { Liveticker?: Record<string, unknown> };
if (global.Liveticker) {
  global.Liveticker.__chatShared = { chatWidget, chatForms, chatLogin, i18nChat, inboxOrder };
  global.Liveticker.__chat = mountChat;
}
