import type { EmbedProvider } from '@liveticker/schemas';

/**
 * Whether a provider's embeds may load, asked in this order:
 *
 * 1. the host page's own decision, `Liveticker.consent.set(provider, true|false)` (its consent
 *    banner knows best; `false` also hides the widget's own buttons, `clear` hands back);
 * 2. an IAB TCF v2 CMP on the page (`__tcfapi`): purpose 1 (store and access information on a
 *    device) consented, and the provider's vendor where it has a known TCF id, loads at once;
 * 3. the widget's own gate: the reader's "Always show <provider>", kept in the widget's storage key
 *    (`liveticker.consent` in localStorage) until they withdraw it from the same place.
 *
 * Nothing here requests anything: the caller loads an embed only when `allowed` says so.
 */

type Provider = Exclude<EmbedProvider, 'link'>;
export type ConsentState = { allowed: boolean; /** The reader may still choose (no host decision against it). */ askable: boolean; /** Kept by the widget's own gate: withdrawable there. */ remembered: boolean };

/** The widget's own storage key (one JSON object: provider → true). */
export const CONSENT_KEY = 'liveticker.consent';
/** TCF vendor ids of providers that have one (Google: YouTube). */
const TCF_VENDORS: Partial<Record<Provider, number>> = { youtube: 755 };

const host = new Map<Provider, boolean>();
const listeners = new Set<() => void>();
let tcf: { purpose1: boolean; vendors: Record<string, boolean> } | 'pending' | undefined;
let tcfAsked = false;

function stored(): Record<string, boolean> {
  try {
    const v = JSON.parse(localStorage.getItem(CONSENT_KEY) ?? '{}') as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, boolean>) : {};
  } catch {
    // No storage (a sandboxed frame, storage blocked): the gate asks every time.
    return {};
  }
}

function store(provider: Provider, on: boolean): void {
  const all = stored();
  if (on) all[provider] = true;
  else delete all[provider];
  try {
    if (Object.keys(all).length) localStorage.setItem(CONSENT_KEY, JSON.stringify(all));
    else localStorage.removeItem(CONSENT_KEY);
  } catch {
    // Not kept: this page's embeds still show (changed() below).
  }
}

function changed(): void {
  for (const l of [...listeners]) l();
}

interface TcData {
  eventStatus?: string;
  gdprApplies?: boolean;
  purpose?: { consents?: Record<string, boolean> };
  vendor?: { consents?: Record<string, boolean> };
}
type TcfApi = (command: string, version: number, callback: (data: TcData, success: boolean) => void) => void;

/** Asks the page's CMP once and follows its answers (a reader changing their mind included). */
function askTcf(): void {
  if (tcfAsked) return;
  tcfAsked = true;
  const api = (globalThis as { __tcfapi?: TcfApi }).__tcfapi;
  if (typeof api !== 'function') return;
  tcf = 'pending';
  try {
    api('addEventListener', 2, (data, success) => {
      if (!success || !data) return;
      // `cmpuishown`: the CMP asks the reader now; their answer comes as `useractioncomplete`.
      if (data.eventStatus !== 'tcloaded' && data.eventStatus !== 'useractioncomplete') return;
      tcf = data.gdprApplies === false ? { purpose1: true, vendors: {} } : { purpose1: data.purpose?.consents?.['1'] === true, vendors: data.vendor?.consents ?? {} };
      changed();
    });
  } catch {
    tcf = undefined;
  }
}

/** Where a provider's embeds stand for this reader on this page. */
export function consentFor(provider: Provider): ConsentState {
  askTcf();
  const decided = host.get(provider);
  if (decided !== undefined) return { allowed: decided, askable: false, remembered: false };
  const remembered = stored()[provider] === true;
  if (tcf && tcf !== 'pending' && tcf.purpose1) {
    const vendor = TCF_VENDORS[provider];
    if (vendor === undefined || tcf.vendors[String(vendor)] === true) return { allowed: true, askable: false, remembered };
  }
  return { allowed: remembered, askable: true, remembered };
}

/** Calls `listener` whenever any provider's consent may have changed; returns the function that stops it. */
export function onConsentChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The reader chose "Always show <provider>" (true) or withdrew it (false) in the widget. */
export function remember(provider: Provider, on: boolean): void {
  store(provider, on);
  changed();
}

/** `Liveticker.consent`: the host page's say over embeds. */
export const consent = {
  /** The page decides for a provider: true loads its embeds without asking, false never loads them. */
  set(provider: Provider, allowed: boolean): void {
    host.set(provider, allowed);
    changed();
  },
  /** Hands a provider (or every one) back to the CMP and the widget's own gate. */
  clear(provider?: Provider): void {
    if (provider) host.delete(provider);
    else host.clear();
    changed();
  },
  /** Whether a provider's embeds load now. */
  get(provider: Provider): boolean {
    return consentFor(provider).allowed;
  },
  /** Forgets every "Always show" the reader chose in the widget. */
  withdrawAll(): void {
    try {
      localStorage.removeItem(CONSENT_KEY);
    } catch {
      // Nothing was kept.
    }
    changed();
  },
};
