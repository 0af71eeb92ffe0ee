import type { Bus, BusHandlers, ControlEnvelope, StreamEnvelope } from './bus';
import { MemoryPresence } from './presence';
import { MemoryConnections } from './connections';

/**
 * An in-process hub several nodes (servers in one process, as in tests) can share; a lone
 * server gets its own. Delivery is asynchronous, like a real transport.
 */
export class MemoryHub {
  readonly buses = new Set<MemoryBus>();
  /** Reader counts of the nodes on this hub. */
  readonly presence = new MemoryPresence();
  /** Sockets per client address of the nodes on this hub. */
  readonly connections = new MemoryConnections();
}

export class MemoryBus implements Bus {
  private handlers?: BusHandlers;
  private readonly streams = new Set<string>();

  constructor(
    readonly nodeId: string,
    private readonly hub: MemoryHub = new MemoryHub(),
  ) {}

  async start(handlers: BusHandlers): Promise<void> {
    this.handlers = handlers;
    this.hub.buses.add(this);
  }

  async publish(msg: StreamEnvelope): Promise<void> {
    for (const bus of this.hub.buses) {
      if (bus.streams.has(msg.stream)) queueMicrotask(() => bus.handlers?.onStream(msg));
    }
  }

  async publishControl(msg: ControlEnvelope): Promise<void> {
    for (const bus of this.hub.buses) queueMicrotask(() => bus.handlers?.onControl(msg));
  }

  async subscribe(stream: string): Promise<void> {
    this.streams.add(stream);
  }

  async unsubscribe(stream: string): Promise<void> {
    this.streams.delete(stream);
  }

  async close(): Promise<void> {
    this.hub.buses.delete(this);
    this.streams.clear();
  }
}
