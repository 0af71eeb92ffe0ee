import type { ChatView } from '../chat';
import type { ChatWidgetOptions, mountChat as MountChat } from './chat-widget';
import type { mountChats as MountChats } from './chats-widget';
import type { mountLiveTabs as MountLiveTabs } from './live-chat';
import { BASE_CSS, SCRIPT_SRC, el, widgetRoot } from './dom';
import { say } from './i18n';
import type { Lang } from './i18n';

/**
 * The readers' script (`liveticker.js`) without the chat: most article pages show a ticker only,
 * so the chat widget and its strings are a script of their own (`liveticker-chat.js`), loaded
 * the first time a chat is mounted; the reader's Chats panel is another
 * (`liveticker-chats.js`, after the chat's, whose chat and login forms it uses). Each takes the
 * modules it shares with the scripts before it from `Liveticker.__shared` (see reader-entry.ts)
 * and `Liveticker.__chatShared`, so nothing is loaded twice.
 *
 * The npm package and the `.mjs` build mount them at once, as before.
 */

/** What liveticker-chat.js and liveticker-chats.js register on `Liveticker`. */
export interface LazyScripts {
  __chat: typeof MountChat;
  __chats: typeof MountChats;
  __liveTabs: typeof MountLiveTabs;
}
type Name = 'liveticker-chat.js' | 'liveticker-chats.js';
const REGISTERS: Record<Name, keyof LazyScripts> = { 'liveticker-chat.js': '__chat', 'liveticker-chats.js': '__chats' };

const loading = new Map<Name, Promise<LazyScripts>>();

/** Loads one of the scripts once, from beside liveticker.js (else the server's /sdk/); a failed load is tried again by the next mount. */
const scriptUrl = (name: Name, url: string) => (SCRIPT_SRC && /\/liveticker\.js(\?|$)/.test(SCRIPT_SRC) ? new URL(name, SCRIPT_SRC).href : `${url}/sdk/${name}`);
const registered = (name: Name) => {
  const global = globalThis as { Liveticker?: Partial<LazyScripts> };
  return global.Liveticker?.[REGISTERS[name]] ? (global.Liveticker as LazyScripts) : undefined;
};

function loadScript(name: Name, url: string): Promise<LazyScripts> {
  let promise = loading.get(name);
  if (promise) return promise;
  promise = new Promise<LazyScripts>((resolve, reject) => {
    const ready = registered(name);
    if (ready) return resolve(ready);
    const script = document.createElement('script');
    script.src = scriptUrl(name, url);
    script.async = true;
    script.onload = () => {
      const got = registered(name);
      if (got) resolve(got);
      else reject(new Error(`${name} did not register`));
    };
    script.onerror = () => reject(new Error(`could not load ${script.src}`));
    document.head.append(script);
  }).catch((err: unknown) => {
    // The next mount tries again (a network blip must not cost the chat for the whole visit).
    loading.delete(name);
    throw err;
  });
  loading.set(name, promise);
  return promise;
}

/** liveticker-chat.js (the chat). */
export function loadChatScript(url: string): Promise<LazyScripts> {
  return loadScript('liveticker-chat.js', url);
}

/** liveticker-chats.js (the Chats panel), after liveticker-chat.js it builds on. */
export async function loadChatsScript(url: string): Promise<LazyScripts> {
  if (!registered('liveticker-chats.js') && !loading.has('liveticker-chats.js')) {
    // Fetched while the chat's script loads; run after it (it builds on it).
    const link = document.createElement('link');
    link.rel = 'preload';
    link.as = 'script';
    link.href = scriptUrl('liveticker-chats.js', url);
    document.head.append(link);
  }
  await loadChatScript(url);
  return loadScript('liveticker-chats.js', url);
}

/**
 * Mounts a widget of a lazy script once it is there (`loaded` resolves with what the mount
 * returned); unmounting before that cancels the mount; a script that cannot load says so.
 */
export function mountLazily<T extends { unmount: () => void }>(
  root: HTMLElement | ShadowRoot,
  opts: { url: string; lang?: Lang },
  load: (url: string) => Promise<LazyScripts>,
  mount: (scripts: LazyScripts) => T,
): { loaded: Promise<T>; unmount: () => void } {
  let mounted: T | undefined;
  let gone = false;
  const loaded = load(opts.url).then(
    (scripts) => {
      if (gone) throw new Error('unmounted before the chat was loaded');
      mounted = mount(scripts);
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
export function mountChat(target: HTMLElement | ShadowRoot, opts: ChatWidgetOptions): { view?: ChatView; loaded: Promise<ChatView>; unmount: () => void } {
  // The shadow root at once: the "chat unavailable" note goes there too.
  const root = widgetRoot(target, opts.shadow);
  const lazy = mountLazily(root, opts, loadChatScript, (scripts) => scripts.__chat(root, opts));
  const handle: { view?: ChatView; loaded: Promise<ChatView>; unmount: () => void } = {
    loaded: lazy.loaded.then((m) => (handle.view = m.view)),
    unmount: lazy.unmount,
  };
  handle.loaded.catch(() => undefined);
  return handle;
}
