import { Redis } from 'ioredis';
import type { Cluster, RedisOptions } from 'ioredis';
import calculateSlot from 'cluster-key-slot';
import type { Logger } from '../logger';
import { BUS_VERSION } from './bus';
import type { Bus, BusHandlers, ControlEnvelope, StreamEnvelope } from './bus';

/** After subscriptions moved or a shard's subscriber came back, streams heal this much later, ms. */
const HEAL_DEBOUNCE_MS = 200;

interface ShardSubscriber {
  conn: Redis;
  channels: Set<string>;
  down: boolean;
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
    await this.place(this.controlChannel);
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
      maxRetriesPerRequest: null,
    });
    const created: ShardSubscriber = { conn, channels: new Set(), down: false };
    sub = created;
    conn.on('smessage', this.onMessage);
    conn.on('error', () => undefined);
    conn.on('close', () => {
      if (!created.down && !this.closed) this.logger.warn({ node }, 'shard subscriber connection lost');
      created.down = true;
    });
    conn.on('ready', () => {
      if (!created.down) return;
      created.down = false;
      const channels = [...created.channels];
      if (channels.length === 0) return;
      void Promise.all(channels.map((c) => conn.ssubscribe(c)))
        .then(() => {
          this.logger.info({ node, channels: channels.length }, 'shard subscriber back: catching up streams');
          this.healSoon();
        })
        .catch((err: unknown) => this.logger.warn({ err, node }, 'resubscribe on a shard failed; the next slot refresh tries again'));
    });
    this.subs.set(node, created);
    return created;
  }

  /** Subscribes a channel on the master that owns it (none known yet: the next refresh does it). */
  private async place(channel: string): Promise<void> {
    const node = this.masterOf(channel);
    if (!node) return;
    const sub = this.subscriber(node);
    sub.channels.add(channel);
    this.owner.set(channel, node);
    await sub.conn.ssubscribe(channel);
  }

  private unplace(channel: string): void {
    const node = this.owner.get(channel);
    this.owner.delete(channel);
    if (!node) return;
    const sub = this.subs.get(node);
    if (!sub) return;
    sub.channels.delete(channel);
    if (sub.channels.size === 0) {
      sub.conn.disconnect();
      this.subs.delete(node);
    } else if (!sub.down) {
      sub.conn.sunsubscribe(channel).catch(() => undefined);
    }
  }

  /** After every slot-map refresh: channels whose slot changed master move there. */
  private readonly reconcile = (): void => {
    if (this.closed) return;
    const moved: string[] = [];
    for (const channel of this.channels) {
      const now = this.masterOf(channel);
      if (now && now !== this.owner.get(channel)) moved.push(channel);
    }
    if (moved.length === 0) return;
    this.logger.info({ channels: moved.length }, 'shard map changed: moving subscriptions');
    for (const channel of moved) this.unplace(channel);
    void Promise.all(moved.map((c) => this.place(c)))
      .then(() => this.healSoon())
      .catch((err: unknown) => this.logger.warn({ err }, 'subscribing on the new shard failed; the next slot refresh tries again'));
  };

  private healSoon(): void {
    clearTimeout(this.healTimer);
    this.healTimer = setTimeout(() => {
      if (!this.closed) this.handlers?.onReconnect();
    }, HEAL_DEBOUNCE_MS);
    this.healTimer.unref();
  }

  private readonly onMessage = (channel: string, raw: string): void => {
    let msg: { v?: unknown };
    try {
      msg = JSON.parse(raw) as { v?: unknown };
    } catch {
      this.logger.warn({ channel }, 'dropping malformed bus message');
      return;
    }
    if (msg.v !== BUS_VERSION) {
      this.logger.warn({ channel, v: msg.v }, 'dropping bus message of unknown version');
      return;
    }
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
    for (const sub of this.subs.values()) sub.conn.disconnect();
    this.subs.clear();
    this.owner.clear();
    this.channels.clear();
  }
}
