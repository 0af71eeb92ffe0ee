import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The anonymous voter's device: a random id in a first-party, HttpOnly cookie, signed with a
 * secret every node shares (HMAC-SHA256), so a voter cannot pick ids of their own making.
 */
export const DEVICE_COOKIE = 'lt_device';

/** A new device id: 128 random bits. */
export function newDeviceId(): string {
  return randomBytes(16).toString('base64url');
}

export interface DeviceSigner {
  /** The cookie's value for a device id. */
  sign(id: string): string;
  /** The device id of a cookie value, or undefined when it is not one this server signed. */
  verify(value: string | undefined): string | undefined;
}

export function deviceSigner(secret: Buffer): DeviceSigner {
  const mac = (id: string) => createHmac('sha256', secret).update(`poll-device:${id}`).digest('base64url');
  return {
    sign: (id) => `${id}.${mac(id)}`,
    verify(value) {
      const m = value && /^([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/.exec(value);
      if (!m) return undefined;
      const want = Buffer.from(mac(m[1]!));
      const got = Buffer.from(m[2]!);
      return want.length === got.length && timingSafeEqual(want, got) ? m[1] : undefined;
    },
  };
}

/** The signing secret: the configured one, else one derived from the VAPID private key every node already shares (kept in the database). */
export function deviceSecret(configured: string | undefined, vapidPrivateKey: string): Buffer {
  return configured ? Buffer.from(configured) : createHmac('sha256', vapidPrivateKey).update('liveticker poll device cookies').digest();
}
