import { Redis } from 'ioredis';
import type { Cluster, RedisOptions } from 'ioredis';
import calculateSlot from 'cluster-key-slot';
import type { Logger } from '../logger';
import { readEnvelope } from './bus';
import type { Bus, BusHandlers, ControlEnvelope, StreamEnvelope } from './bus';

/** After subscriptions moved or a shard's subscriber came back, streams heal this much later, ms. */
const HEAL_DEBOUNCE_MS = 200;

/** How long a shard's SSUBSCRIBE may take before the channel counts as not subscribed, ms. */
const SUBSCRIBE_TIMEOUT_MS = 2000;

interface ShardSubscriber {
  conn: Redis;
  channels: Set<string>;
  down: boolean;
  /** Disconnected on purpose (its last channel went): its close is no outage. */
  retired: boolean;
}

/**
 * The bus on a Redis Cluster: sharded pub/sub (SPUBLISH/SSUBSCRIBE), so a stream's messages go to
 * the one shard that owns its channel's slot instead of being broadcast to every shard.
 *
 * Subscriptions are held here, one plain connection per master that owns a subscribed channel,
 * rather than by ioredis' own sharded subscribers (whose resubscribe after failovers and slot
 * moves has a history of bugs: ioredis #1759, #2133): on every slot-map refresh of the cluster
 * client (every 2 s, and after MOVED or a lost node) each channel is checked against the master
 * that owns its slot now and moved there if it changed; a subscriber connection that comes back
 * subscribes again. Either way the streams then heal from the database (`onReconnect`), since
 * whatever was published meanwhile was lost.
 */
export class ShardedRedisBus implements Bus {
  private handlers?: BusHandlers;
  /** Every channel this node wants, the control channel included. */
  private readonly channels = new Set<string>();
  /** The master (host:port) each channel is subscribed on now. */
  private readonly owner = new Map<string, string>();
  private readonly subs = new Map<string, ShardSubscriber>();
  private readonly controlChannel: string;
  private healTimer?: NodeJS.Timeout;
  private closed = false;

  constructor(
    readonly nodeId: string,
    private readonly cluster: Cluster,
    private readonly prefix: string,
    private readonly logger: Logger,
    private readonly subOptions: RedisOptions = {},
  ) {
    this.controlChannel = `${prefix}control`;
  }

  private channel(stream: string): string {
    return `${this.prefix}s:${stream}`;
  }

  async start(handlers: BusHandlers): Promise<void> {
    this.handlers = handlers;
    this.cluster.on('refresh', this.reconcile);
    this.channels.add(this.controlChannel);
    // A control channel whose master is away now is placed by a later slot refresh.
    await this.place(this.controlChannel).catch((err: unknown) =>
      this.logger.warn({ err: (err as Error).message }, 'control channel not subscribed yet; the next slot refresh tries again'),
    );
  }

  /** The master that owns a channel's slot, as the cluster client last saw the slot map. */
  private masterOf(channel: string): string | undefined {
    return (this.cluster.slots[calculateSlot(channel)] as string[] | undefined)?.[0];
  }

  private subscriber(node: string): ShardSubscriber {
    let sub = this.subs.get(node);
    if (sub) return sub;
    const at = node.lastIndexOf(':');
    const conn = new Redis({
      ...this.subOptions,
      host: node.slice(0, at),
      port: Number(node.slice(at + 1)),
      connectionName: 'liveticker-shard-sub',
      // Subscribing again is ours to do (below), in step with the heal that must follow it.
      autoResubscribe: false,
      // A master that is away fails the subscribe soon (its streams are relayed from the database
      // meanwhile) instead of holding every new reader of them until it is back.
      maxRetriesPerRequest: 2,
      commandTimeout: SUBSCRIBE_TIMEOUT_MS,
    });
    const created: ShardSubscriber = { conn, channels: new Set(), down: false, retired: false };
    sub = created;
    conn.on('smessage', this.onMessage);
    conn.on('error', () => undefined);
    conn.on('close', () => {
      if (!created.down && !created.retired && !this.closed) this.logger.warn({ node }, 'shard subscriber connection lost');
      created.down = true;
    });
    conn.on('ready', () => {
      if (!created.down) return;
      created.down = false;
      const channels = [...created.channels];
      if (channels.length === 0) return;
      void this.subscribeAll(created, node, channels).then((ok) => this.logger.info({ node, channels: ok }, 'shard subscriber back: catching up streams'));
    });
    // Redis took channels off this connection (their slot migrated; or MOVED to a subscribe):
    // which ones it does not say, so every channel here is placed again after a fresh slot map.
    conn.on('moved', () => {
      if (this.closed || created.retired) return;
      for (const channel of created.channels) if (this.owner.get(channel) === node) this.owner.delete(channel);
      created.channels.clear();
      this.cluster.refreshSlotsCache();
    });
    this.subs.set(node, created);
    return created;
  }

  /**
   * SSUBSCRIBEs `channels` on a master, each on its own: one that fails is forgotten there, so the
   * next slot refresh places it again. The streams heal afterwards whatever happened, since
   * whatever was published while they were not subscribed is lost. Resolves how many succeeded.
   */
  private async subscribeAll(sub: ShardSubscriber, node: string, channels: string[]): Promise<number> {
    const results = await Promise.allSettled(channels.map((c) => sub.conn.ssubscribe(c)));
    let ok = 0;
    results.forEach((r, i) => {
      if (r.status === 'fulfilled') return void ok++;
      const channel = channels[i]!;
      sub.channels.delete(channel);
      if (this.owner.get(channel) === node) this.owner.delete(channel);
      this.logger.warn({ err: (r.reason as Error)?.message, node, channel }, 'shard subscribe failed; the next slot refresh tries again');
    });
    this.healSoon();
    return ok;
  }

  /** Subscribes a channel on the master that owns it (none known yet: the next refresh does it). */
  private async place(channel: string): Promise<void> {
    const node = this.masterOf(channel);
    if (!node) return;
    const sub = this.subscriber(node);
    sub.channels.add(channel);
    this.owner.set(channel, node);
    try {
      await sub.conn.ssubscribe(channel);
    } catch (err) {
      // Forgotten, so the next slot refresh (every 2 s) tries again; the caller relays from the database.
      sub.channels.delete(channel);
      if (this.owner.get(channel) === node) this.owner.delete(channel);
      throw err;
    }
  }

  private unplace(channel: string): void {
    const node = this.owner.get(channel);
    this.owner.delete(channel);
    if (!node) return;
    const sub = this.subs.get(node);
    if (!sub) return;
    sub.channels.delete(channel);
    if (sub.channels.size === 0) {
      sub.retired = true;
      sub.conn.disconnect();
      this.subs.delete(node);
    } else if (!sub.down) {
      sub.conn.sunsubscribe(channel).catch(() => undefined);
    }
  }

  /**
   * After every slot-map refresh: channels whose slot changed master move there, and channels not
   * subscribed anywhere (a subscribe failed, Redis dropped them) are placed again.
   */
  private readonly reconcile = (): void => {
    if (this.closed) return;
    const moved: string[] = [];
    for (const channel of this.channels) {
      const now = this.masterOf(channel);
      if (now && now !== this.owner.get(channel)) moved.push(channel);
    }
    if (moved.length === 0) return;
    this.logger.info({ channels: moved.length }, 'shard map changed: moving subscriptions');
    const byNode = new Map<string, string[]>();
    for (const channel of moved) {
      this.unplace(channel);
      const node = this.masterOf(channel)!;
      byNode.set(node, [...(byNode.get(node) ?? []), channel]);
    }
    for (const [node, channels] of byNode) {
      const sub = this.subscriber(node);
      for (const channel of channels) {
        sub.channels.add(channel);
        this.owner.set(channel, node);
      }
      void this.subscribeAll(sub, node, channels);
    }
  };

  private healSoon(): void {
    clearTimeout(this.healTimer);
    this.healTimer = setTimeout(() => {
      if (!this.closed) this.handlers?.onReconnect();
    }, HEAL_DEBOUNCE_MS);
    this.healTimer.unref();
  }

  private readonly onMessage = (channel: string, raw: string): void => {
    const msg = readEnvelope(channel, raw, this.logger);
    if (!msg) return;
    if (channel === this.controlChannel) this.handlers?.onControl(msg as ControlEnvelope);
    else if (this.channels.has(channel)) this.handlers?.onStream(msg as StreamEnvelope);
  };

  async publish(msg: StreamEnvelope): Promise<void> {
    await this.cluster.spublish(this.channel(msg.stream), JSON.stringify(msg));
  }

  async publishControl(msg: ControlEnvelope): Promise<void> {
    await this.cluster.spublish(this.controlChannel, JSON.stringify(msg));
  }

  async subscribe(stream: string): Promise<void> {
    const channel = this.channel(stream);
    this.channels.add(channel);
    if (this.owner.has(channel)) return;
    await this.place(channel);
  }

  async unsubscribe(stream: string): Promise<void> {
    const channel = this.channel(stream);
    this.channels.delete(channel);
    this.unplace(channel);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.healTimer);
    this.cluster.off('refresh', this.reconcile);
    for (const sub of this.subs.values()) {
      sub.retired = true;
      sub.conn.disconnect();
    }
    this.subs.clear();
    this.owner.clear();
    this.channels.clear();
  }
}
