import type { Entry } from '@liveticker/schemas';
import { TICKER_CSS, renderEntry } from '../widgets/ticker-widget';
import { EMBED_CSS } from '../widgets/embed-render';
import { say } from '../widgets/i18n';
import type { Lang } from '../widgets/i18n';
import type { PollHooks } from '../widgets/poll-render';
import { t } from './i18n';
import { el } from './ui';

/** A poll in the preview shows its answers as readers' buttons, which vote nowhere. */
const PREVIEW_POLLS: PollHooks = { local: () => ({}), vote: () => undefined };

/**
 * The entry as readers will see it: the readers' own renderer and style, in the ticker's
 * language, in a shadow root of its own (the console's style does not reach it).
 */
export class Preview {
  readonly element = el('div', { class: 'ltx-preview', 'data-testid': 'preview' });
  private readonly root: ShadowRoot;
  private queued = false;

  constructor(
    /** The entry to show, read when the frame comes. */
    private readonly entry: () => Entry,
    private readonly lang: Lang,
  ) {
    this.root = this.element.attachShadow({ mode: 'open' });
  }

  /** Draws at the next frame, once however many changes come before it. */
  queue(): void {
    if (this.queued) return;
    this.queued = true;
    requestAnimationFrame(() => {
      this.queued = false;
      this.draw();
    });
  }

  private draw(): void {
    const entry = this.entry();
    let node: HTMLElement;
    try {
      node = renderEntry(entry, this.lang, entry.pinned ? say(this.lang, 'pinned') : undefined, PREVIEW_POLLS);
    } catch {
      node = el('p', {}, t('composer.previewBroken'));
    }
    const box = el('ul', { class: 'lt-root lt lt-list' });
    box.style.maxWidth = 'none';
    box.append(node);
    this.root.replaceChildren(el('style', {}, TICKER_CSS + EMBED_CSS), box);
  }
}
