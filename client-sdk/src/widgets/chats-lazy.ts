import type { InboxView } from '../inbox';
import type { LivetickerClient } from '../client';
import type { ChatWidgetOptions } from './chat-widget';
import type { ChatsWidgetOptions } from './chats-widget';
import { mountLazily } from './chat-lazy';

/**
 * The reader's Chats panel in the readers' script: it comes with the chat in liveticker-chat.js
 * (it shows a chat when one is opened, so it needs the chat's code anyway) and is mounted once that
 * script is there. `inbox` is set then; unmounting before cancels the mount.
 */
export function mountChats(root: HTMLElement | ShadowRoot, opts: ChatsWidgetOptions): { readonly inbox: InboxView | undefined; loaded: Promise<unknown>; unmount: () => void } {
  const lazy = mountLazily(root, opts, (script) => script.__chats(root, opts));
  let inbox: () => InboxView | undefined = () => undefined;
  void lazy.loaded.then((m) => (inbox = () => m.inbox), () => undefined);
  return {
    get inbox() {
      return inbox();
    },
    loaded: lazy.loaded,
    unmount: lazy.unmount,
  };
}

/** `<liveticker-live>`'s chat with its Chats tab (live-chat.ts), once liveticker-chat.js is there. */
export function mountLiveChat(box: HTMLElement, opts: ChatWidgetOptions & { client: LivetickerClient }): { loaded: Promise<unknown>; unmount: () => void } {
  return mountLazily(box, opts, (script) => script.__liveChat(box, opts));
}
