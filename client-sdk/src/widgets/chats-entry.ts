// `liveticker-chats.js`: the reader's Chats panel and `<liveticker-live>`'s tabs, loaded by
// liveticker.js (chats-lazy.ts) after liveticker-chat.js, whose chat it opens and whose login forms
// it shows: the build maps those imports to `Liveticker.__chatShared`, and the SDK's to `__shared`.
import { mountChats } from './chats-widget';
import { mountLiveTabs } from './live-chat';

const global = globalThis as { Liveticker?: Record<string, unknown> };
if (global.Liveticker) {
  global.Liveticker.__chats = mountChats;
  global.Liveticker.__liveTabs = mountLiveTabs;
}
