import { createECDH } from 'node:crypto';

/** Bytes of a base64url string, or undefined when it is not base64url. */
export function fromBase64Url(text: string): Buffer | undefined {
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(text)) return undefined;
  return Buffer.from(text.replace(/=+$/, ''), 'base64url');
}

/**
 * Why a browser's P-256 public key (`keys.p256dh`) cannot be used, or undefined: it must be an
 * uncompressed point (65 bytes, 0x04 first) on the curve — a point off it would make the
 * encryption fail for every push, or leak (invalid-curve attacks).
 */
export function p256dhProblem(text: string): string | undefined {
  const bytes = fromBase64Url(text);
  if (!bytes) return 'must be base64url';
  if (bytes.length !== 65 || bytes[0] !== 0x04) return `must be an uncompressed P-256 point (65 bytes starting with 0x04), got ${bytes.length} bytes`;
  try {
    // OpenSSL refuses a point that is not on the curve.
    const ecdh = createECDH('prime256v1');
    ecdh.generateKeys();
    ecdh.computeSecret(bytes);
  } catch {
    return 'is not a point on the P-256 curve';
  }
  return undefined;
}

/** Why a subscription's auth secret (`keys.auth`) cannot be used, or undefined: 16 bytes (RFC 8291). */
export function authProblem(text: string): string | undefined {
  const bytes = fromBase64Url(text);
  if (!bytes) return 'must be base64url';
  return bytes.length === 16 ? undefined : `must be 16 bytes, got ${bytes.length}`;
}

/**
 * Why a VAPID pair (base64url, as `web-push generate-vapid-keys` prints it) cannot be used, or
 * undefined: a 32-byte private scalar whose public point is the one given.
 */
export function vapidPairProblem(publicKey: string, privateKey: string): string | undefined {
  const pub = p256dhProblem(publicKey);
  if (pub) return `VAPID_PUBLIC_KEY ${pub}`;
  const priv = fromBase64Url(privateKey);
  if (!priv || priv.length !== 32) return 'VAPID_PRIVATE_KEY must be 32 bytes, base64url';
  try {
    const ecdh = createECDH('prime256v1');
    ecdh.setPrivateKey(priv);
    if (!ecdh.getPublicKey().equals(fromBase64Url(publicKey)!)) return 'VAPID_PUBLIC_KEY is not the public key of VAPID_PRIVATE_KEY';
  } catch {
    return 'VAPID_PRIVATE_KEY is not a valid P-256 private key';
  }
  return undefined;
}

/** A new VAPID pair, base64url. */
export function newVapidPair(): { publicKey: string; privateKey: string } {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  return { publicKey: ecdh.getPublicKey().toString('base64url'), privateKey: ecdh.getPrivateKey().toString('base64url') };
}
