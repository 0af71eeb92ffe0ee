import type { Redis } from 'ioredis';
import type { Logger } from '../logger';
import { readEnvelope } from './bus';
import type { Bus, BusHandlers, ControlEnvelope, StreamEnvelope } from './bus';

/**
 * Redis pub/sub: one channel per stream, subscribed only while this node has local subscribers,
 * plus one control channel every node listens to. Takes its two connections from outside
 * (a subscribed connection cannot publish); `close()` does not quit them.
 */
export class RedisBus implements Bus {
  private handlers?: BusHandlers;
  private readonly channels = new Set<string>();
  private connectedBefore = false;
  private down = false;
  private readonly controlChannel: string;

  constructor(
    readonly nodeId: string,
    private readonly pub: Redis,
    private readonly sub: Redis,
    private readonly prefix: string,
    private readonly logger: Logger,
  ) {
    this.controlChannel = `${prefix}control`;
  }

  private channel(stream: string): string {
    return `${this.prefix}s:${stream}`;
  }

  async start(handlers: BusHandlers): Promise<void> {
    this.handlers = handlers;
    this.sub.on('message', this.onMessage);
    this.sub.on('close', this.onClose);
    this.sub.on('ready', this.onReady);
    if (this.sub.status !== 'ready') {
      // Started while Redis is away: subscribed (and caught up) when it first answers.
      this.down = true;
      this.connectedBefore = true;
      return;
    }
    await this.sub.subscribe(this.controlChannel);
    this.connectedBefore = true;
  }

  private readonly onClose = (): void => {
    if (!this.down && this.connectedBefore) this.logger.warn('redis subscriber connection lost');
    this.down = true;
  };

  private readonly onReady = (): void => {
    if (!this.down) return;
    this.down = false;
    // Subscribe again explicitly before healing so nothing slips between resubscribe and catch-up.
    void this.sub
      .subscribe(this.controlChannel, ...this.channels)
      .then(() => {
        this.logger.info({ channels: this.channels.size }, 'redis subscriber back: catching up streams');
        this.handlers?.onReconnect();
      })
      .catch((err: unknown) => this.logger.error({ err }, 'resubscribe after reconnect failed'));
  };

  private readonly onMessage = (channel: string, raw: string): void => {
    const msg = readEnvelope(channel, raw, this.logger);
    if (!msg) return;
    if (channel === this.controlChannel) this.handlers?.onControl(msg as ControlEnvelope);
    else this.handlers?.onStream(msg as StreamEnvelope);
  };

  async publish(msg: StreamEnvelope): Promise<void> {
    await this.pub.publish(this.channel(msg.stream), JSON.stringify(msg));
  }

  async publishControl(msg: ControlEnvelope): Promise<void> {
    await this.pub.publish(this.controlChannel, JSON.stringify(msg));
  }

  async subscribe(stream: string): Promise<void> {
    const channel = this.channel(stream);
    this.channels.add(channel);
    // While Redis is away the channel is only remembered: the resubscribe on its return takes it.
    if (this.down) return;
    await this.sub.subscribe(channel);
  }

  async unsubscribe(stream: string): Promise<void> {
    const channel = this.channel(stream);
    this.channels.delete(channel);
    await this.sub.unsubscribe(channel);
  }

  async close(): Promise<void> {
    this.sub.off('message', this.onMessage);
    this.sub.off('close', this.onClose);
    this.sub.off('ready', this.onReady);
    this.channels.clear();
  }
}
