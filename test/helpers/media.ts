import sharp from 'sharp';
import { OPS_KEY } from './server';

/** A multipart upload as a browser's form sends it (POST /api/v1/media). */
export async function upload(url: string, data: Buffer, opts: { name?: string; type?: string; field?: string; token?: string } = {}) {
  const form = new FormData();
  form.append(opts.field ?? 'file', new Blob([new Uint8Array(data)], { type: opts.type ?? 'image/jpeg' }), opts.name ?? 'photo.jpg');
  const res = await fetch(`${url}/api/v1/media`, { method: 'POST', body: form, headers: { authorization: `Bearer ${opts.token ?? OPS_KEY}` } });
  return { status: res.status, body: (await res.json()) as any };
}

/** A phone photo: 3000×2000 JPEG whose EXIF names the phone and where it was taken. */
export const phonePhoto = () =>
  sharp({ create: { width: 3000, height: 2000, channels: 3, background: { r: 40, g: 90, b: 160 } } })
    .withExif({ IFD0: { Make: 'PhoneMaker', Model: 'Reporter Phone' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '52/1 31/1 12/1', GPSLongitudeRef: 'E', GPSLongitude: '13/1 24/1 36/1' } })
    .jpeg()
    .toBuffer();

/** What a served or stored image still tells about where it came from: all undefined, and no trace of the phone. */
export async function leftMetadata(bytes: Buffer) {
  const meta = await sharp(bytes).metadata();
  return { width: meta.width, exif: meta.exif, xmp: meta.xmp, iptc: meta.iptc, phone: bytes.toString('latin1').includes('Reporter Phone') };
}
