import type { LivetickerClient } from '../client';
import type { InboxView } from '../inbox';
import type { ChatLogin } from './chat-login';
import type { ChatsWidgetOptions } from './chats-widget';
import { loadChatsScript, mountLazily } from './chat-lazy';
import { widgetRoot } from './dom';
import type { Lang } from './i18n';

/**
 * The reader's Chats panel in the readers' script: it comes as liveticker-chats.js (after
 * liveticker-chat.js, whose chat it opens) and is mounted once that is there. `inbox` is set then;
 * unmounting before cancels the mount.
 */
export function mountChats(target: HTMLElement | ShadowRoot, opts: ChatsWidgetOptions): { readonly inbox: InboxView | undefined; loaded: Promise<unknown>; unmount: () => void } {
  const root = widgetRoot(target, opts.shadow);
  const lazy = mountLazily(root, opts, loadChatsScript, (scripts) => scripts.__chats(root, opts));
  let inbox: () => InboxView | undefined = () => undefined;
  void lazy.loaded.then(
    (m) => (inbox = () => m.inbox),
    () => undefined,
  );
  return {
    get inbox() {
      return inbox();
    },
    loaded: lazy.loaded,
    unmount: lazy.unmount,
  };
}

/** `<liveticker-live>`'s tabs (live-chat.ts), once liveticker-chats.js is there. */
export function mountLiveTabs(box: HTMLElement, discussion: HTMLElement, opts: { url: string; lang: Lang; client: LivetickerClient; login: ChatLogin }): { loaded: Promise<unknown>; unmount: () => void } {
  let gone = false;
  let mounted: { unmount: () => void } | undefined;
  // A script that cannot load leaves the discussion as it is (no tabs), not a message in its place.
  const loaded = loadChatsScript(opts.url).then((scripts) => {
    if (!gone) mounted = scripts.__liveTabs(box, discussion, opts);
  });
  loaded.catch(() => undefined);
  return {
    loaded,
    unmount: () => {
      gone = true;
      mounted?.unmount();
    },
  };
}
