import { Editor } from '@tiptap/core';
import StarterKit from '@tiptap/starter-kit';
import { t } from './i18n';
import { el } from './ui';

export interface RichTextOptions {
  placeholder: string;
  onChange: () => void;
  /** Ctrl+Enter (⌘+Enter on a Mac). */
  onSubmit: () => void;
  /** Pictures pasted or dropped into the text go to the picture, not into the text. */
  onFiles: (files: File[]) => void;
}

export interface RichText {
  readonly element: HTMLElement;
  /** The body as the server keeps it; '' when there is no text. */
  html(): string;
  set(html: string): void;
  focus(): void;
  destroy(): void;
}

const images = (list: FileList | null | undefined): File[] => [...(list ?? [])].filter((f) => f.type.startsWith('image/'));

/**
 * The entry's text: Tiptap (ProseMirror) with only what the server's allowlist keeps (paragraphs,
 * bold, italic, underline, strike, links, lists, quotes, a small heading, line breaks). Pasted
 * HTML is parsed into that schema, so styles, classes, scripts and handlers from Word or a web
 * page never get in; links stay (http, https and mailto only).
 */
export function richText(opts: RichTextOptions): RichText {
  const mount = el('div');
  const toolbar = el('div', { class: 'ltx-toolbar', role: 'toolbar', 'aria-label': t('editor.toolbar') });
  const element = el('div');
  element.append(toolbar, mount);
  const editor = new Editor({
    element: mount,
    extensions: [
      StarterKit.configure({
        heading: { levels: [3] },
        code: false,
        codeBlock: false,
        horizontalRule: false,
        trailingNode: false,
        link: {
          openOnClick: false,
          autolink: true,
          linkOnPaste: true,
          defaultProtocol: 'https',
          protocols: ['mailto'],
          // What the server writes on every link: the stored HTML is exactly what the editor made.
          HTMLAttributes: { target: null, rel: 'noopener noreferrer nofollow', class: null },
          isAllowedUri: (url) => /^(https?:|mailto:)/i.test(url),
        },
      }),
    ],
    editorProps: {
      attributes: { class: 'ltx-editor', role: 'textbox', 'aria-multiline': 'true', 'aria-label': t('editor.text'), 'data-placeholder': opts.placeholder, 'data-testid': 'editor' },
      handleKeyDown: (_view, event) => {
        if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
          event.preventDefault();
          opts.onSubmit();
          return true;
        }
        return false;
      },
      handlePaste: (_view, event) => {
        // Word puts a picture of the copied text beside the text itself: text wins.
        const types = [...(event.clipboardData?.types ?? [])];
        if (types.includes('text/html') || types.includes('text/plain')) return false;
        const files = images(event.clipboardData?.files);
        if (!files.length) return false;
        opts.onFiles(files);
        return true;
      },
      handleDrop: (_view, event) => {
        const files = images((event as DragEvent).dataTransfer?.files);
        if (!files.length) return false;
        opts.onFiles(files);
        return true;
      },
    },
    onUpdate: () => {
      updatePlaceholder();
      opts.onChange();
      refresh();
    },
    onSelectionUpdate: () => refresh(),
  });
  const updatePlaceholder = () => {
    const first = editor.view.dom.firstElementChild;
    for (const p of editor.view.dom.querySelectorAll('.is-editor-empty')) p.classList.remove('is-editor-empty');
    if (editor.isEmpty && first) first.classList.add('is-editor-empty');
  };

  // The label a button shows and the name it is read by (the name starts with the label, so voice control finds it).
  const tools: Array<{ label: string; name: string; mark: string; attrs?: object; run: () => void }> = [
    { label: t('editor.bold'), name: t('editor.boldName'), mark: 'bold', run: () => editor.chain().focus().toggleBold().run() },
    { label: t('editor.italic'), name: t('editor.italicName'), mark: 'italic', run: () => editor.chain().focus().toggleItalic().run() },
    { label: t('editor.link'), name: t('editor.linkName'), mark: 'link', run: () => linkForm() },
    { label: t('editor.bullets'), name: t('editor.bulletsName'), mark: 'bulletList', run: () => editor.chain().focus().toggleBulletList().run() },
    { label: t('editor.numbers'), name: t('editor.numbersName'), mark: 'orderedList', run: () => editor.chain().focus().toggleOrderedList().run() },
    { label: t('editor.quote'), name: t('editor.quoteName'), mark: 'blockquote', run: () => editor.chain().focus().toggleBlockquote().run() },
  ];
  const buttons = tools.map((tool) => {
    const b = el('button', { type: 'button', 'aria-label': tool.name, title: tool.name, 'aria-pressed': 'false', 'data-tool': tool.mark }, tool.label);
    if (tool.mark === 'bold') b.style.fontWeight = '700';
    if (tool.mark === 'italic') b.style.fontStyle = 'italic';
    // Keep the selection in the text while the button is pressed.
    b.addEventListener('mousedown', (e) => e.preventDefault());
    b.addEventListener('click', tool.run);
    toolbar.append(b);
    return { b, tool };
  });
  const refresh = () => {
    for (const { b, tool } of buttons) b.setAttribute('aria-pressed', String(editor.isActive(tool.mark)));
  };

  // A link is asked for in a small form under the toolbar, never with prompt().
  const linkRow = el('div', { class: 'ltx-inline', hidden: '' });
  const linkInput = el('input', { type: 'url', name: 'link', placeholder: 'https://…', 'aria-label': t('editor.linkAddress') });
  const linkOk = el('button', { type: 'button', 'data-action': 'set-link' }, t('editor.setLink'));
  const linkOff = el('button', { type: 'button', 'data-action': 'remove-link' }, t('editor.removeLink'));
  linkRow.append(linkInput, linkOk, linkOff);
  element.insertBefore(linkRow, mount);
  const linkForm = () => {
    linkRow.hidden = false;
    linkInput.value = (editor.getAttributes('link').href as string | undefined) ?? '';
    linkInput.focus();
  };
  const applyLink = () => {
    const href = linkInput.value.trim();
    const chain = editor.chain().focus().extendMarkRange('link');
    if (!href) chain.unsetLink().run();
    else if (/^(https?:\/\/|mailto:)/i.test(href)) chain.setLink({ href }).run();
    else chain.setLink({ href: `https://${href}` }).run();
    linkRow.hidden = true;
  };
  linkOk.addEventListener('click', applyLink);
  linkInput.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      applyLink();
    } else if (e.key === 'Escape') {
      linkRow.hidden = true;
      editor.commands.focus();
    }
  });
  linkOff.addEventListener('click', () => {
    editor.chain().focus().extendMarkRange('link').unsetLink().run();
    linkRow.hidden = true;
  });
  updatePlaceholder();

  return {
    element,
    // Empty paragraphs at the end (a last Enter) are not part of the entry.
    html: () => (editor.isEmpty ? '' : editor.getHTML().replace(/(<p><\/p>)+$/, '')),
    set: (html) => {
      editor.commands.setContent(html || '', { emitUpdate: false });
      updatePlaceholder();
      refresh();
    },
    focus: () => editor.commands.focus('end'),
    destroy: () => editor.destroy(),
  };
}
