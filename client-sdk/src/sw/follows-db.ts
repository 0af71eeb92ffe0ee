/**
 * The follows of this origin's browser, as the service worker needs them when the browser
 * replaces the push subscription (`pushsubscriptionchange`): which server, which follow and its
 * secret, to tell each server the new subscription. Kept in the origin's IndexedDB, which the page
 * (it writes on follow and unfollow) and its worker (it reads) share; localStorage is the page's only.
 */

/** One follow: `url` the liveticker server (no trailing slash). */
export interface WorkerFollow {
  url: string;
  ticker: string;
  id: string;
  secret: string;
}

const DB = 'liveticker';
const STORE = 'follows';

const done = <T>(r: IDBRequest<T>) =>
  new Promise<T>((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });

function open(): Promise<IDBDatabase> {
  const r = indexedDB.open(DB, 1);
  r.onupgradeneeded = () => r.result.createObjectStore(STORE);
  return done(r);
}

async function inStore<T>(mode: IDBTransactionMode, work: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await open();
  try {
    return await done(work(db.transaction(STORE, mode).objectStore(STORE)));
  } finally {
    db.close();
  }
}

const keyOf = (url: string, ticker: string) => `${url}|${ticker}`;

export const keepWorkerFollow = (f: WorkerFollow) => inStore('readwrite', (s) => s.put(f, keyOf(f.url, f.ticker))).then(() => undefined);
export const dropWorkerFollow = (url: string, ticker: string) => inStore('readwrite', (s) => s.delete(keyOf(url, ticker)));
export const workerFollows = () => inStore('readonly', (s) => s.getAll() as IDBRequest<WorkerFollow[]>);
