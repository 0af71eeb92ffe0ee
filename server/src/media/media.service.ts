import { newId } from '../db/ids';
import type Sharp from 'sharp';
import type { Actor } from '../auth/actor';
import { requireRole } from '../auth/guard';
import type { AppContext } from '../context';
import { AppError } from '../errors';
import type { MediaStore } from './store';
import { insertMedia } from './media.repo';

export type ImageType = 'image/jpeg' | 'image/png' | 'image/webp' | 'image/gif';
const EXT: Record<ImageType, string> = { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp', 'image/gif': 'gif' };
export const CONTENT_TYPE: Record<string, ImageType> = { jpg: 'image/jpeg', png: 'image/png', webp: 'image/webp', gif: 'image/gif' };

let sharpModule: Promise<typeof Sharp> | undefined;

/**
 * sharp (libvips, about 18 MB of a process's memory) is loaded at the first upload, not at start:
 * most nodes serve readers and never see one. A failed load is not kept: it fails that upload with
 * a 500 (logged with its cause) and the next upload tries again.
 */
function loadSharp(): Promise<typeof Sharp> {
  sharpModule ??= import('sharp').then(
    (m) => m.default,
    (err: unknown) => {
      sharpModule = undefined;
      throw new Error('the image library (sharp) cannot be loaded', { cause: err });
    },
  );
  return sharpModule;
}

/** Widths the variants are made at (never wider than the original); the middle one is the entry's picture. */
const WIDTHS = [640, 1280, 2048];
const MAIN_WIDTH = 1280;

/** What a file is, read from its first bytes (never from its name or the client's header). */
export function sniffImage(head: Buffer): ImageType | undefined {
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'image/jpeg';
  if (head.length >= 8 && head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (head.length >= 6 && /^GIF8[79]a$/.test(head.subarray(0, 6).toString('latin1'))) return 'image/gif';
  if (head.length >= 12 && head.subarray(0, 4).toString('latin1') === 'RIFF' && head.subarray(8, 12).toString('latin1') === 'WEBP') return 'image/webp';
  return undefined;
}

export interface MediaVariant {
  width: number;
  height: number;
  url: string;
  bytes: number;
}

export interface UploadedMedia {
  id: string;
  url: string;
  width: number;
  height: number;
  contentType: ImageType;
  bytes: number;
  variants: MediaVariant[];
}

type Ctx = Pick<AppContext, 'db' | 'config' | 'logger'> & { media: MediaStore };

/**
 * Takes an upload: checks its type from its bytes and its pixel count before decoding it, then
 * re-encodes it into resized variants. Re-encoding keeps no metadata (sharp drops EXIF, XMP,
 * IPTC and ICC unless told otherwise): a phone photo's GPS position never reaches a reader.
 * The orientation it recorded is applied to the pixels first.
 */
export async function storeImage(ctx: Ctx, actor: Actor | undefined, data: Buffer): Promise<UploadedMedia> {
  const editor = requireRole(actor, 'editor');
  const type = sniffImage(data);
  if (!type) throw new AppError('unsupported_media_type', 'the file is not a JPEG, PNG, WebP or GIF image', { field: 'file' });
  const { maxPixels } = ctx.config.media;
  const sharp = await loadSharp();
  let meta: Sharp.Metadata;
  try {
    // Reading the header decodes no pixels: a decompression bomb is refused before it is unpacked.
    meta = await sharp(data, { limitInputPixels: false }).metadata();
  } catch {
    throw new AppError('image_rejected', 'the image cannot be read (damaged or incomplete)', { field: 'file' });
  }
  if (!meta.width || !meta.height) throw new AppError('image_rejected', 'the image has no size', { field: 'file' });
  // An animation is decoded frame by frame, every frame: a small file of many large frames is a bomb too.
  const frameHeight = meta.pageHeight ?? meta.height;
  const frames = type === 'image/gif' || type === 'image/webp' ? Math.max(1, meta.pages ?? 1) : 1;
  const pixels = meta.width * frameHeight * frames;
  if (pixels > maxPixels) {
    const what = frames > 1 ? `the animation has ${frames} frames of ${meta.width}×${frameHeight} pixels (${pixels.toLocaleString('en')} in all)` : `the image has ${meta.width}×${meta.height} pixels`;
    throw new AppError('image_rejected', `${what}; at most ${maxPixels.toLocaleString('en')} are taken`, { field: 'file' });
  }
  const id = newId();
  const ext = EXT[type];
  const animated = type === 'image/gif' || type === 'image/webp';
  const variants: Array<MediaVariant & { key: string }> = [];
  const upright = meta.autoOrient?.width ?? meta.width;
  // The store's own URL base (a CDN or the bucket) when configured, this server's route otherwise.
  const base = ctx.config.media.publicUrl ?? `${ctx.config.publicUrl}/media`;
  // Files without their row would never be found again: they go if the upload does not complete.
  // A delete that fails too leaves an orphan file behind; the upload's own error is answered.
  const forget = async () => {
    for (const v of variants) await ctx.media.delete(v.key).catch(() => undefined);
  };
  try {
    for (const wanted of WIDTHS) {
      // Never enlarged: a picture narrower than a width is kept at its own width, as the last variant.
      const width = Math.min(wanted, upright);
      if (variants.some((v) => v.width === width)) break;
      let img = sharp(data, { limitInputPixels: maxPixels, animated }).rotate().resize({ width, withoutEnlargement: true });
      img = type === 'image/jpeg' ? img.jpeg({ quality: 82, mozjpeg: true }) : type === 'image/png' ? img.png({ compressionLevel: 9 }) : type === 'image/webp' ? img.webp({ quality: 82 }) : img.gif();
      const { data: out, info } = await img.toBuffer({ resolveWithObject: true }).catch((err: Error) => {
        throw new AppError('image_rejected', `the image cannot be converted: ${err.message}`, { field: 'file' });
      });
      const key = `${id}-${info.width}.${ext}`;
      // The store failing is the store's answer (unavailable, 503), never the image's fault.
      await ctx.media.put(key, out, type);
      variants.push({ key, width: info.width, height: animated && info.pageHeight ? info.pageHeight : info.height, bytes: out.length, url: `${base}/${key}` });
    }
  } catch (err) {
    await forget();
    throw err;
  }
  const main = variants.filter((v) => v.width <= MAIN_WIDTH).at(-1) ?? variants[0]!;
  await insertMedia(ctx.db, {
    id,
    content_type: type,
    width: main.width,
    height: main.height,
    bytes: main.bytes,
    variants: JSON.stringify(variants.map(({ key, width, height, bytes }) => ({ key, width, height, bytes }))),
    created_by: editor.id,
    created_at: new Date().toISOString(),
  }).catch(async (err: unknown) => {
    await forget();
    throw err;
  });
  ctx.logger.info({ media: id, type, variants: variants.length, by: editor.id }, 'image stored');
  return { id, url: main.url, width: main.width, height: main.height, contentType: type, bytes: main.bytes, variants: variants.map(({ key: _key, ...v }) => v) };
}
