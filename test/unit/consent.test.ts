/** The embeds' consent: who decides, in which order (the widget's consent.ts, in Node with a fake storage and CMP). */

type Consent = typeof import('../../client-sdk/src/widgets/consent');

class MemoryStorage {
  private readonly map = new Map<string, string>();
  getItem(k: string) {
    return this.map.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    this.map.set(k, String(v));
  }
  removeItem(k: string) {
    this.map.delete(k);
  }
}

type TcData = { eventStatus: string; gdprApplies?: boolean; purpose: { consents: Record<string, boolean> }; vendor: { consents: Record<string, boolean> } };

/** A fresh copy of the module (its state is the page's) with this page's storage and CMP. */
function load(opts: { cmp?: (cb: (d: TcData, ok: boolean) => void) => void } = {}): { c: Consent; storage: MemoryStorage } {
  const storage = new MemoryStorage();
  const g = globalThis as Record<string, unknown>;
  g.localStorage = storage;
  if (opts.cmp) g.__tcfapi = (cmd: string, _v: number, cb: (d: TcData, ok: boolean) => void) => cmd === 'addEventListener' && opts.cmp!(cb);
  else delete g.__tcfapi;
  let c!: Consent;
  jest.isolateModules(() => {
    c = require('../../client-sdk/src/widgets/consent') as Consent;
  });
  return { c, storage };
}

afterAll(() => {
  const g = globalThis as Record<string, unknown>;
  delete g.localStorage;
  delete g.__tcfapi;
});

describe('whether an embed may load', () => {
  it('without a CMP or a page decision, the reader decides: nothing until "Always show", which is kept per provider and withdrawn', () => {
    const { c, storage } = load();
    expect(c.consentFor('youtube')).toEqual({ allowed: false, askable: true, remembered: false });
    let told = 0;
    c.onConsentChange(() => told++);
    c.remember('youtube', true);
    expect(c.consentFor('youtube')).toEqual({ allowed: true, askable: true, remembered: true });
    expect(c.consentFor('x').allowed).toBe(false);
    expect(JSON.parse(storage.getItem(c.CONSENT_KEY)!)).toEqual({ youtube: true });
    c.remember('youtube', false);
    expect(c.consentFor('youtube').allowed).toBe(false);
    expect(storage.getItem(c.CONSENT_KEY)).toBeNull();
    expect(told).toBe(2);
  });

  it('the host page decides over the reader\'s choice, both ways, until it hands back', () => {
    const { c } = load();
    c.remember('x', true);
    c.consent.set('x', false);
    expect(c.consentFor('x')).toEqual({ allowed: false, askable: false, remembered: false });
    c.consent.set('vimeo', true);
    expect(c.consent.get('vimeo')).toBe(true);
    c.consent.clear();
    expect(c.consentFor('x').allowed).toBe(true);
    expect(c.consent.get('vimeo')).toBe(false);
  });

  it('a TCF CMP is asked first: purpose 1 (and Google\'s vendor for YouTube) loads without asking; a no leaves the reader\'s gate', () => {
    let answer: ((d: TcData, ok: boolean) => void) | undefined;
    const { c } = load({ cmp: (cb) => (answer = cb) });
    // Asked, not answered yet: nothing loads.
    expect(c.consentFor('youtube').allowed).toBe(false);
    answer!({ eventStatus: 'cmpuishown', purpose: { consents: { 1: true } }, vendor: { consents: {} } }, true);
    expect(c.consentFor('x').allowed).toBe(false);
    answer!({ eventStatus: 'useractioncomplete', gdprApplies: true, purpose: { consents: { 1: true } }, vendor: { consents: {} } }, true);
    expect(c.consentFor('x')).toMatchObject({ allowed: true, askable: false });
    // YouTube's vendor (Google, 755) has no consent: the reader's gate.
    expect(c.consentFor('youtube')).toMatchObject({ allowed: false, askable: true });
    answer!({ eventStatus: 'useractioncomplete', gdprApplies: true, purpose: { consents: { 1: true } }, vendor: { consents: { 755: true } } }, true);
    expect(c.consentFor('youtube').allowed).toBe(true);
    // The reader changes their mind in the CMP: no purpose 1, back to the gate (their own "Always" still counts).
    answer!({ eventStatus: 'useractioncomplete', gdprApplies: true, purpose: { consents: { 1: false } }, vendor: { consents: { 755: true } } }, true);
    expect(c.consentFor('youtube')).toMatchObject({ allowed: false, askable: true });
    c.remember('youtube', true);
    expect(c.consentFor('youtube').allowed).toBe(true);
  });

  it('a storage that throws (blocked, sandboxed) leaves the gate asking every time', () => {
    const { c } = load();
    (globalThis as Record<string, unknown>).localStorage = {
      getItem: () => {
        throw new Error('denied');
      },
      setItem: () => {
        throw new Error('denied');
      },
      removeItem: () => {
        throw new Error('denied');
      },
    };
    expect(c.consentFor('spotify').allowed).toBe(false);
    expect(() => c.remember('spotify', true)).not.toThrow();
  });
});
