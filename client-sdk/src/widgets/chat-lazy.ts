import type { ChatView } from '../chat';
import type { ChatWidgetOptions, mountChat as MountChat } from './chat-widget';
import type { mountChats as MountChats } from './chats-widget';
import type { mountLiveChat as MountLiveChat } from './live-chat';
import { BASE_CSS, SCRIPT_SRC, el } from './dom';
import { say } from './i18n';
import type { Lang } from './i18n';

/**
 * The readers' script (`liveticker.js`) without the chat: most article pages show a ticker only,
 * so the chat widget, the reader's Chats panel and their strings are a script of their own
 * (`liveticker-chat.js`), loaded the first time either is mounted. It takes the modules it
 * shares with this script from `Liveticker.__shared` (see reader-entry.ts), so nothing is loaded
 * twice.
 *
 * The npm package and the `.mjs` build mount them at once, as before.
 */

/** What liveticker-chat.js registers on `Liveticker`. */
export interface ChatScript {
  __chat: typeof MountChat;
  __chats: typeof MountChats;
  __liveChat: typeof MountLiveChat;
}

/** Where liveticker-chat.js is: beside this script; else on the widget's server. */
const CHAT_SCRIPT = SCRIPT_SRC && /\/liveticker\.js(\?|$)/.test(SCRIPT_SRC) ? new URL('liveticker-chat.js', SCRIPT_SRC).href : undefined;

let loading: Promise<ChatScript> | undefined;

/** Loads liveticker-chat.js once (a failed load is tried again by the next mount). */
export function loadChatScript(url: string): Promise<ChatScript> {
  loading ??= new Promise<ChatScript>((resolve, reject) => {
    const global = globalThis as { Liveticker?: Partial<ChatScript> };
    const registered = () => (global.Liveticker?.__chat && global.Liveticker.__chats && global.Liveticker.__liveChat ? (global.Liveticker as ChatScript) : undefined);
    const ready = registered();
    if (ready) return resolve(ready);
    const script = document.createElement('script');
    script.src = CHAT_SCRIPT ?? `${url}/sdk/liveticker-chat.js`;
    script.async = true;
    script.onload = () => {
      const got = registered();
      if (got) resolve(got);
      else reject(new Error('liveticker-chat.js did not register'));
    };
    script.onerror = () => reject(new Error(`could not load ${script.src}`));
    document.head.append(script);
  }).catch((err: unknown) => {
    // The next mount tries again (a network blip must not cost the chat for the whole visit).
    loading = undefined;
    throw err;
  });
  return loading;
}

/**
 * Mounts a widget of liveticker-chat.js once the script is there (`loaded` resolves with what
 * it returned); unmounting before that cancels the mount; a script that cannot load says so.
 */
export function mountLazily<T extends { unmount: () => void }>(
  root: HTMLElement | ShadowRoot,
  opts: { url: string; lang?: Lang },
  mount: (script: ChatScript) => T,
): { loaded: Promise<T>; unmount: () => void } {
  let mounted: T | undefined;
  let gone = false;
  const loaded = loadChatScript(opts.url).then(
    (script) => {
      if (gone) throw new Error('unmounted before the chat was loaded');
      mounted = mount(script);
      return mounted;
    },
    (err: unknown) => {
      if (!gone) {
        const style = el('style');
        style.textContent = `${BASE_CSS}.lt-root{font:0.9rem/1.4 system-ui,sans-serif;color:#333}`;
        root.replaceChildren(style, el('p', { class: 'lt-root', role: 'status' }, say(opts.lang ?? 'de', 'chatUnavailable')));
      }
      throw err;
    },
  );
  // A page that never looks at `loaded` gets no unhandled rejection from it.
  loaded.catch(() => undefined);
  return {
    loaded,
    unmount: () => {
      gone = true;
      mounted?.unmount();
    },
  };
}

/**
 * Mounts the chat once its script is there. `view` is set then (and `loaded` resolves with it);
 * unmounting before that cancels the mount.
 */
export function mountChat(root: HTMLElement | ShadowRoot, opts: ChatWidgetOptions): { view?: ChatView; loaded: Promise<ChatView>; unmount: () => void } {
  const handle: { view?: ChatView; loaded: Promise<ChatView>; unmount: () => void } = { loaded: Promise.resolve(undefined as never), unmount: () => undefined };
  const lazy = mountLazily(root, opts, (script) => script.__chat(root, opts));
  handle.loaded = lazy.loaded.then((m) => (handle.view = m.view));
  handle.loaded.catch(() => undefined);
  handle.unmount = lazy.unmount;
  return handle;
}
