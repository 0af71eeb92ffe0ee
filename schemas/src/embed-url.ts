// Embed URLs recognised without zod and without any request: the server stores what this says,
// the console's preview shows it before saving (through `wire`).
import type { EmbedProvider } from './embeds';

/**
 * Recognises an embed's provider from its URL alone: no request goes to the provider (an entry is
 * published at once, and the server never fetches what an editor pastes). Hosts are matched
 * exactly (a look-alike such as `youtube.com.evil.example` is a plain link); a post is recognised
 * only in the path shapes the provider uses for it, anything else of theirs is a link too.
 */

type Match = { provider: Exclude<EmbedProvider, 'link'>; id: string; canonical: string };

const hostIn = (host: string, ...names: string[]) => names.includes(host);
/** Ids as the providers make them: nothing that could leave a path segment or a query. */
const TOKEN = /^[A-Za-z0-9_-]{1,100}$/;
const DIGITS = /^\d{1,25}$/;

function youtube(u: URL, host: string, parts: string[]): Match | undefined {
  let id: string | undefined;
  let shorts = false;
  if (host === 'youtu.be') id = parts[0];
  else if (hostIn(host, 'youtube.com', 'www.youtube.com', 'm.youtube.com', 'music.youtube.com', 'youtube-nocookie.com', 'www.youtube-nocookie.com')) {
    if (parts[0] === 'watch') id = u.searchParams.get('v') ?? undefined;
    else if (parts[0] && ['shorts', 'live', 'embed', 'v'].includes(parts[0])) {
      id = parts[1];
      shorts = parts[0] === 'shorts';
    }
  } else return undefined;
  if (!id || !/^[A-Za-z0-9_-]{11}$/.test(id)) return undefined;
  return { provider: 'youtube', id, canonical: shorts ? `https://www.youtube.com/shorts/${id}` : `https://www.youtube.com/watch?v=${id}` };
}

function vimeo(_u: URL, host: string, parts: string[]): Match | undefined {
  if (host === 'player.vimeo.com') {
    const id = parts[0] === 'video' ? parts[1] : undefined;
    const hash = _u.searchParams.get('h');
    if (!id || !DIGITS.test(id)) return undefined;
    const h = hash && /^[0-9a-f]{6,20}$/.test(hash) ? hash : undefined;
    return { provider: 'vimeo', id: h ? `${id}/${h}` : id, canonical: `https://vimeo.com/${id}${h ? `/${h}` : ''}` };
  }
  if (!hostIn(host, 'vimeo.com', 'www.vimeo.com')) return undefined;
  // vimeo.com/123, vimeo.com/123/abcdef (unlisted), vimeo.com/channels/x/123, vimeo.com/groups/x/videos/123
  const at = parts.findIndex((p) => DIGITS.test(p));
  if (at < 0) return undefined;
  const prefixOk = at === 0 || (parts[0] === 'channels' && at === 2) || (parts[0] === 'groups' && parts[2] === 'videos' && at === 3) || (parts[0] === 'showcase' && parts[2] === 'video' && at === 3);
  if (!prefixOk) return undefined;
  const id = parts[at]!;
  const hash = at === 0 && parts[1] && /^[0-9a-f]{6,20}$/.test(parts[1]) ? parts[1] : undefined;
  return { provider: 'vimeo', id: hash ? `${id}/${hash}` : id, canonical: `https://vimeo.com/${id}${hash ? `/${hash}` : ''}` };
}

function x(_u: URL, host: string, parts: string[]): Match | undefined {
  if (!hostIn(host, 'x.com', 'www.x.com', 'twitter.com', 'www.twitter.com', 'mobile.twitter.com', 'mobile.x.com')) return undefined;
  // /<user>/status/<id>, also /i/web/status/<id>
  const at = parts.indexOf('status');
  const user = parts[0];
  const id = parts[at + 1];
  if (at < 1 || !id || !DIGITS.test(id) || !user || !/^[A-Za-z0-9_]{1,15}$/.test(user === 'i' ? 'i' : user)) return undefined;
  return { provider: 'x', id, canonical: `https://x.com/${user === 'i' ? 'i/web' : user}/status/${id}` };
}

function instagram(_u: URL, host: string, parts: string[]): Match | undefined {
  if (!hostIn(host, 'instagram.com', 'www.instagram.com')) return undefined;
  // /p/<code>, /reel/<code>, /tv/<code>, also /<user>/p/<code>
  const at = parts.findIndex((p) => p === 'p' || p === 'reel' || p === 'reels' || p === 'tv');
  const code = parts[at + 1];
  if (at < 0 || at > 1 || !code || !TOKEN.test(code)) return undefined;
  const kind = parts[at] === 'reels' ? 'reel' : parts[at];
  return { provider: 'instagram', id: code, canonical: `https://www.instagram.com/${kind}/${code}/` };
}

function tiktok(_u: URL, host: string, parts: string[]): Match | undefined {
  if (!hostIn(host, 'tiktok.com', 'www.tiktok.com', 'm.tiktok.com')) return undefined;
  // /@user/video/<id>; /embed/v2/<id>
  if (parts[0]?.startsWith('@') && (parts[1] === 'video' || parts[1] === 'photo') && parts[2] && DIGITS.test(parts[2]) && /^@[\w.]{1,40}$/.test(parts[0])) {
    return { provider: 'tiktok', id: parts[2], canonical: `https://www.tiktok.com/${parts[0]}/video/${parts[2]}` };
  }
  if (parts[0] === 'embed' && parts[1] === 'v2' && parts[2] && DIGITS.test(parts[2])) return { provider: 'tiktok', id: parts[2], canonical: `https://www.tiktok.com/embed/v2/${parts[2]}` };
  return undefined;
}

function bluesky(_u: URL, host: string, parts: string[]): Match | undefined {
  if (!hostIn(host, 'bsky.app', 'www.bsky.app')) return undefined;
  // /profile/<handle or did>/post/<rkey>
  const [profile, actor, post, rkey] = parts;
  if (profile !== 'profile' || post !== 'post' || !actor || !rkey || !/^[a-z2-7]{10,20}$/.test(rkey)) return undefined;
  const handle = /^(?=.{3,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/i.test(actor);
  const did = /^did:(plc|web):[a-zA-Z0-9._:%-]{1,200}$/.test(actor);
  if (!handle && !did) return undefined;
  const who = did ? actor : actor.toLowerCase();
  return { provider: 'bluesky', id: `${who}/${rkey}`, canonical: `https://bsky.app/profile/${who}/post/${rkey}` };
}

function threads(_u: URL, host: string, parts: string[]): Match | undefined {
  if (!hostIn(host, 'threads.net', 'www.threads.net', 'threads.com', 'www.threads.com')) return undefined;
  // /@user/post/<code>
  const [user, post, code] = parts;
  if (!user || !/^@[\w.]{1,30}$/.test(user) || post !== 'post' || !code || !TOKEN.test(code)) return undefined;
  return { provider: 'threads', id: code, canonical: `https://www.threads.com/${user}/post/${code}` };
}

function facebook(u: URL, host: string, parts: string[]): Match | undefined {
  if (!hostIn(host, 'facebook.com', 'www.facebook.com', 'm.facebook.com', 'web.facebook.com')) return undefined;
  const base = 'https://www.facebook.com';
  // /<page>/posts/<id>, /<page>/videos/<id>, /watch/?v=<id>, /reel/<id>, /permalink.php?story_fbid=&id=, /story.php?…
  if (parts[0] === 'watch' && u.searchParams.get('v') && DIGITS.test(u.searchParams.get('v')!)) {
    const v = u.searchParams.get('v')!;
    return { provider: 'facebook', id: v, canonical: `${base}/watch/?v=${v}` };
  }
  if (parts[0] === 'reel' && parts[1] && DIGITS.test(parts[1])) return { provider: 'facebook', id: parts[1], canonical: `${base}/reel/${parts[1]}` };
  if ((parts[0] === 'permalink.php' || parts[0] === 'story.php') && u.searchParams.get('story_fbid') && u.searchParams.get('id')) {
    const story = u.searchParams.get('story_fbid')!;
    const page = u.searchParams.get('id')!;
    if (!TOKEN.test(story) || !DIGITS.test(page)) return undefined;
    return { provider: 'facebook', id: story, canonical: `${base}/permalink.php?story_fbid=${story}&id=${page}` };
  }
  const [page, kind, id] = parts;
  if (page && /^[A-Za-z0-9.-]{1,80}$/.test(page) && (kind === 'posts' || kind === 'videos') && id && TOKEN.test(id)) {
    return { provider: 'facebook', id, canonical: `${base}/${page}/${kind}/${id}` };
  }
  return undefined;
}

function spotify(_u: URL, host: string, parts: string[]): Match | undefined {
  if (host !== 'open.spotify.com') return undefined;
  // /track/<id>, /intl-de/track/<id>, /embed/track/<id>
  const rest = parts.filter((p, i) => !(i === 0 && (/^intl-[a-z-]{2,8}$/.test(p) || p === 'embed')));
  const [kind, id] = rest;
  if (!kind || !['track', 'album', 'playlist', 'episode', 'show', 'artist'].includes(kind) || !id || !/^[A-Za-z0-9]{22}$/.test(id)) return undefined;
  return { provider: 'spotify', id: `${kind}/${id}`, canonical: `https://open.spotify.com/${kind}/${id}` };
}

function soundcloud(_u: URL, host: string, parts: string[]): Match | undefined {
  if (!hostIn(host, 'soundcloud.com', 'www.soundcloud.com', 'm.soundcloud.com')) return undefined;
  // /<user>/<track>, /<user>/sets/<playlist>
  const name = /^[a-z0-9_-]{1,100}$/i;
  const [user, a, b] = parts;
  if (!user || !name.test(user) || !a || ['you', 'discover', 'search', 'charts', 'upload', 'settings'].includes(user)) return undefined;
  const path = a === 'sets' ? (b && name.test(b) ? `${user}/sets/${b}` : undefined) : name.test(a) && !['tracks', 'albums', 'reposts', 'likes', 'followers', 'following'].includes(a) && parts.length === 2 ? `${user}/${a}` : undefined;
  if (!path) return undefined;
  return { provider: 'soundcloud', id: path, canonical: `https://soundcloud.com/${path}` };
}

/**
 * Mastodon (and servers speaking its URLs): any host, a status by its path shape alone:
 * `/@user/<id>` (also `/@user@other.host/<id>`, a remote account seen there) or
 * `/users/<user>/statuses/<id>`. Tried after every named provider.
 */
function mastodon(_u: URL, host: string, parts: string[]): Match | undefined {
  const user = /^[A-Za-z0-9_]{1,30}(@[a-z0-9.-]{1,253})?$/i;
  let name: string | undefined;
  let id: string | undefined;
  if (parts.length === 2 && parts[0]!.startsWith('@') && user.test(parts[0]!.slice(1))) [name, id] = [parts[0]!.slice(1), parts[1]];
  else if (parts.length === 4 && parts[0] === 'users' && user.test(parts[1]!) && parts[2] === 'statuses') [name, id] = [parts[1], parts[3]];
  if (!name || !id || !/^\d{1,20}$/.test(id)) return undefined;
  return { provider: 'mastodon', id, canonical: `https://${host}/@${name}/${id}` };
}

/** The named providers' own hosts: a path there is theirs, never a Mastodon post. */
const PROVIDER_HOST = /(^|\.)(youtube\.com|youtu\.be|youtube-nocookie\.com|vimeo\.com|x\.com|twitter\.com|instagram\.com|tiktok\.com|bsky\.app|threads\.(net|com)|facebook\.com|spotify\.com|soundcloud\.com)$/;

const RECOGNISERS = [youtube, vimeo, x, instagram, tiktok, bluesky, threads, facebook, spotify, soundcloud];

/** A host as a browser would resolve it: lower case, no trailing dot. */
function hostOf(u: URL): string {
  return u.hostname.toLowerCase().replace(/\.$/, '');
}

/** A recognised embed URL, or why it is refused. */
export type RecognisedEmbed = { provider: EmbedProvider; id: string; canonical: string } | { error: string };

/**
 * What an embed URL is: `{provider, id, canonical}` of a recognised post or player, else a link
 * (`provider: "link"`, id the host). Refuses (`{error}`) what a reader should never be sent to:
 * not http(s), or with a user name or password in it (`https://youtube.com@evil.example/…`).
 */
export function recogniseEmbedUrl(raw: string): RecognisedEmbed {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return { error: 'must be an absolute http(s) URL' };
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return { error: 'must be an http(s) URL' };
  if (u.username || u.password) return { error: 'must not carry a user name or password' };
  const host = hostOf(u);
  const parts = u.pathname.split('/').filter(Boolean).map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return p;
    }
  });
  for (const recognise of RECOGNISERS) {
    const m = recognise(u, host, parts);
    if (m) return m;
  }
  // Mastodon instances are anyone's: only over https, and never one of the named providers' hosts.
  const m = u.protocol === 'https:' && !u.port && !PROVIDER_HOST.test(host) ? mastodon(u, host, parts) : undefined;
  if (m) return m;
  return { provider: 'link', id: host, canonical: u.href };
}
