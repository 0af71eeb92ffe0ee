import type { ChatView } from '../chat';
import type { ChatWidgetOptions, mountChat as MountChat } from './chat-widget';
import { BASE_CSS, SCRIPT_SRC, el } from './dom';
import { say } from './i18n';

/**
 * The readers' script (`liveticker.js`) without the chat: most article pages show a ticker only,
 * so the chat widget and its strings are a script of their own (`liveticker-chat.js`), loaded
 * the first time a chat is mounted. It takes the modules it shares with this script from
 * `Liveticker.__shared` (see reader-entry.ts), so nothing is loaded twice.
 *
 * The npm package and the `.mjs` build mount the chat at once, as before.
 */

type Real = typeof MountChat;

/** Where liveticker-chat.js is: beside this script; else on the widget's server. */
const CHAT_SCRIPT = SCRIPT_SRC && /\/liveticker\.js(\?|$)/.test(SCRIPT_SRC) ? new URL('liveticker-chat.js', SCRIPT_SRC).href : undefined;

let loading: Promise<Real> | undefined;

function load(url: string): Promise<Real> {
  loading ??= new Promise<Real>((resolve, reject) => {
    const global = globalThis as { Liveticker?: { __chat?: Real } };
    if (global.Liveticker?.__chat) return resolve(global.Liveticker.__chat);
    const script = document.createElement('script');
    script.src = CHAT_SCRIPT ?? `${url}/sdk/liveticker-chat.js`;
    script.async = true;
    script.onload = () => (global.Liveticker?.__chat ? resolve(global.Liveticker.__chat) : reject(new Error('liveticker-chat.js did not register')));
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
 * Mounts the chat once its script is there. `view` is set then (and `loaded` resolves with it);
 * unmounting before that cancels the mount.
 */
export function mountChat(root: HTMLElement | ShadowRoot, opts: ChatWidgetOptions): { view?: ChatView; loaded: Promise<ChatView>; unmount: () => void } {
  let mounted: ReturnType<Real> | undefined;
  let gone = false;
  const handle: { view?: ChatView; loaded: Promise<ChatView>; unmount: () => void } = {
    loaded: load(opts.url).then(
      (real) => {
        if (gone) throw new Error('unmounted before the chat was loaded');
        mounted = real(root, opts);
        handle.view = mounted.view;
        return mounted.view;
      },
      (err: unknown) => {
        if (!gone) {
          const style = el('style');
          style.textContent = `${BASE_CSS}.lt-root{font:0.9rem/1.4 system-ui,sans-serif;color:#333}`;
          root.replaceChildren(style, el('p', { class: 'lt-root', role: 'status' }, say(opts.lang ?? 'de', 'chatUnavailable')));
        }
        throw err;
      },
    ),
    unmount: () => {
      gone = true;
      mounted?.unmount();
    },
  };
  // A page that never looks at `loaded` gets no unhandled rejection from it.
  handle.loaded.catch(() => undefined);
  return handle;
}
