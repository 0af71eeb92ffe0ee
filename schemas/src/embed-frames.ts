// Embeds' providers, frames and consent words without zod: the widget imports them (through `wire`).
import type { Embed, EmbedProvider } from './embeds';

/** Whom loading an embed talks to (named in the consent text) and how it is shown. */
export interface EmbedProviderInfo {
  /** Shown to readers: "Show YouTube". */
  name: string;
  /** The company behind it (the consent sentence names who gets the reader's data). */
  company: string;
  /** A video or audio player in a frame of fixed shape, or a post of its own height. */
  shape: 'video' | 'audio' | 'post';
}

export const EMBED_PROVIDERS: Record<Exclude<EmbedProvider, 'link'>, EmbedProviderInfo> = {
  youtube: { name: 'YouTube', company: 'Google', shape: 'video' },
  vimeo: { name: 'Vimeo', company: 'Vimeo', shape: 'video' },
  x: { name: 'X', company: 'X Corp.', shape: 'post' },
  instagram: { name: 'Instagram', company: 'Meta', shape: 'post' },
  tiktok: { name: 'TikTok', company: 'TikTok', shape: 'video' },
  bluesky: { name: 'Bluesky', company: 'Bluesky Social', shape: 'post' },
  mastodon: { name: 'Mastodon', company: 'Mastodon', shape: 'post' },
  threads: { name: 'Threads', company: 'Meta', shape: 'post' },
  facebook: { name: 'Facebook', company: 'Meta', shape: 'post' },
  spotify: { name: 'Spotify', company: 'Spotify', shape: 'audio' },
  soundcloud: { name: 'SoundCloud', company: 'SoundCloud', shape: 'audio' },
};

/**
 * The hosts the widget's frames load from, per provider (Mastodon: each post's own instance,
 * known only from the post). The widget pages' CSP `frame-src` lists exactly these.
 */
export const EMBED_FRAME_HOSTS: Record<Exclude<EmbedProvider, 'link' | 'mastodon'>, string[]> = {
  youtube: ['https://www.youtube-nocookie.com'],
  vimeo: ['https://player.vimeo.com'],
  x: ['https://platform.twitter.com'],
  instagram: ['https://www.instagram.com'],
  tiktok: ['https://www.tiktok.com'],
  bluesky: ['https://embed.bsky.app'],
  threads: ['https://www.threads.com'],
  facebook: ['https://www.facebook.com'],
  spotify: ['https://open.spotify.com'],
  soundcloud: ['https://w.soundcloud.com'],
};

/** Bluesky's public API, asked (after consent) for the account id a post's handle stands for. */
export const BLUESKY_API = 'https://public.api.bsky.app';

/** How the widget shows a consented embed: its frame's address, shape and sandbox. */
export interface EmbedFrame {
  src: string;
  /** Width / height of a video or player (the placeholder reserves it); absent: `height` in px. */
  ratio?: number;
  height?: number;
  /** The iframe's sandbox tokens: the fewest the provider's player or post works with. */
  sandbox: string;
  /** The iframe's `allow` (permissions policy). */
  allow: string;
  title: string;
}

const VIDEO_SANDBOX = 'allow-scripts allow-same-origin allow-presentation allow-popups allow-popups-to-escape-sandbox';
const POST_SANDBOX = 'allow-scripts allow-same-origin allow-popups allow-popups-to-escape-sandbox';
const VIDEO_ALLOW = 'fullscreen; picture-in-picture; encrypted-media';

/**
 * The frame for a recognised embed, built from what the server stored; undefined for a link.
 * `did`: a Bluesky post's account id when its handle had to be resolved first (`embedNeedsDid`).
 */
export function embedFrame(e: Embed, did?: string): EmbedFrame | undefined {
  const name = e.provider === 'link' ? '' : EMBED_PROVIDERS[e.provider].name;
  const title = `${name}: ${e.canonical}`;
  const enc = encodeURIComponent;
  switch (e.provider) {
    case 'youtube': {
      const shorts = /\/shorts\//.test(e.canonical);
      return { src: `https://www.youtube-nocookie.com/embed/${enc(e.id)}?rel=0`, ratio: shorts ? 9 / 16 : 16 / 9, sandbox: VIDEO_SANDBOX, allow: VIDEO_ALLOW, title };
    }
    case 'vimeo': {
      const [id, hash] = e.id.split('/');
      return { src: `https://player.vimeo.com/video/${enc(id!)}?dnt=1${hash ? `&h=${enc(hash)}` : ''}`, ratio: 16 / 9, sandbox: VIDEO_SANDBOX, allow: VIDEO_ALLOW, title };
    }
    case 'tiktok':
      return { src: `https://www.tiktok.com/embed/v2/${enc(e.id)}`, ratio: 9 / 16, sandbox: VIDEO_SANDBOX, allow: VIDEO_ALLOW, title };
    case 'x':
      return { src: `https://platform.twitter.com/embed/Tweet.html?id=${enc(e.id)}&dnt=true`, height: 560, sandbox: POST_SANDBOX, allow: '', title };
    case 'instagram':
      return { src: `${e.canonical}embed/`, height: 640, sandbox: POST_SANDBOX, allow: '', title };
    case 'threads':
      return { src: `${e.canonical.replace(/^https:\/\/www\.threads\.(net|com)/, 'https://www.threads.com')}/embed`, height: 560, sandbox: POST_SANDBOX, allow: '', title };
    case 'facebook': {
      const video = /\/(videos|watch|reel)\b/.test(e.canonical);
      return { src: `https://www.facebook.com/plugins/${video ? 'video' : 'post'}.php?href=${enc(e.canonical)}&show_text=true`, ...(video ? { ratio: 16 / 9 } : { height: 560 }), sandbox: video ? VIDEO_SANDBOX : POST_SANDBOX, allow: video ? VIDEO_ALLOW : '', title };
    }
    case 'bluesky': {
      const [actor, rkey] = e.id.split('/');
      const who = actor!.startsWith('did:') ? actor! : did;
      if (!who) return undefined;
      return { src: `https://embed.bsky.app/embed/${who}/app.bsky.feed.post/${enc(rkey!)}`, height: 480, sandbox: POST_SANDBOX, allow: '', title };
    }
    case 'mastodon':
      return { src: `${e.canonical}/embed`, height: 480, sandbox: POST_SANDBOX, allow: '', title };
    case 'spotify':
      return { src: `https://open.spotify.com/embed/${e.id}`, height: /^(track|episode)\//.test(e.id) ? 152 : 352, sandbox: 'allow-scripts allow-same-origin allow-popups allow-popups-to-escape-sandbox', allow: 'encrypted-media', title };
    case 'soundcloud':
      return { src: `https://w.soundcloud.com/player/?url=${enc(e.canonical)}&visual=false&show_comments=false`, height: 166, sandbox: 'allow-scripts allow-same-origin allow-popups allow-popups-to-escape-sandbox', allow: '', title };
    default:
      return undefined;
  }
}

/** A Bluesky post named by its handle: its account id (DID) is asked for first, after consent. */
export function embedNeedsDid(e: Embed): string | undefined {
  if (e.provider !== 'bluesky') return undefined;
  const actor = e.id.split('/')[0]!;
  return actor.startsWith('did:') ? undefined : actor;
}

/** The consent placeholder's words (widget, rendered page, console), one set per widget language. */
export interface EmbedWords {
  /** Before the reader agrees: what loading sends to whom. */
  notice: (provider: string, company: string) => string;
  show: string;
  always: (provider: string) => string;
  /** Consent given for the provider: the way to take it back. */
  withdraw: (provider: string) => string;
  /** The rendered page without JavaScript: the post is only a link there. */
  noScript: string;
  /** The embed's region for screen readers. */
  label: (provider: string) => string;
}

export const EMBED_WORDS: Record<'de' | 'en' | 'ru', EmbedWords> = {
  de: {
    notice: (p, c) => `Wenn Sie diesen Inhalt von ${p} laden, werden Ihre IP-Adresse und Angaben zu Ihrem Browser an ${c} übermittelt, das dabei Cookies setzen und Ihre Nutzung verfolgen kann.`,
    show: 'Anzeigen',
    always: (p) => `${p} immer anzeigen`,
    withdraw: (p) => `${p} nicht mehr ohne Nachfrage anzeigen`,
    noScript: 'Öffnen Sie den Beitrag über den Link.',
    label: (p) => `Eingebetteter Inhalt von ${p}`,
  },
  en: {
    notice: (p, c) => `Loading this ${p} content sends your IP address and details of your browser to ${c}, which may set cookies and track your use.`,
    show: 'Show',
    always: (p) => `Always show ${p}`,
    withdraw: (p) => `Stop showing ${p} without asking`,
    noScript: 'Open the post through the link.',
    label: (p) => `Embedded content from ${p}`,
  },
  ru: {
    notice: (p, c) => `При загрузке этого материала ${p} ваш IP-адрес и сведения о браузере передаются компании ${c}, которая может устанавливать cookie и отслеживать ваши действия.`,
    show: 'Показать',
    always: (p) => `Всегда показывать ${p}`,
    withdraw: (p) => `Больше не показывать ${p} без запроса`,
    noScript: 'Откройте публикацию по ссылке.',
    label: (p) => `Встроенный материал ${p}`,
  },
};

/** Who gets the reader's data when an embed loads: the company, or a Mastodon post's own server. */
export function embedCompany(e: Embed): string {
  if (e.provider === 'link') return '';
  if (e.provider === 'mastodon') {
    try {
      return new URL(e.canonical).host;
    } catch {
      return EMBED_PROVIDERS.mastodon.company;
    }
  }
  return EMBED_PROVIDERS[e.provider].company;
}
