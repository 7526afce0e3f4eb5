/**
 * How the gateway talks to its broker, whichever it is: the embedded aedes in the same process
 * (`inProcessLink`) or an external one over MQTT.js (`mqttJsLink`). Ingest sees only this interface.
 */
import { fleetTopic } from '../../../shared/src/index.js';

/** The topic filters the gateway subscribes to: every kiosk's events and status, shared or not. */
export function gatewayTopics(prefix: string, shareGroup?: string): string[] {
  const topics = [fleetTopic(prefix, 'events'), fleetTopic(prefix, 'status')];
  return shareGroup ? topics.map((t) => `$share/${shareGroup}/${t}`) : topics;
}

export interface LinkHandlers {
  /** An `events` or `status` message from a kiosk. Called only after `ready()` resolved. */
  message(topic: string, payload: Buffer): void;
  /**
   * Backpressure: the link takes (and lets the broker consider delivered) the next message only once
   * this resolves, so the broker stops sending while the ingest queue is full.
   */
  ready(): Promise<void>;
  /** After the link is up and after every reconnection: republish what the broker may have lost. */
  connected(): void;
}

export interface BrokerLink {
  /** Subscribes to every kiosk's events and status. */
  start(handlers: LinkHandlers): Promise<void>;
  /** QoS 1. Resolves true once the broker has the message, false if it could not be sent. */
  publish(topic: string, payload: string, opts: { retain: boolean }): Promise<boolean>;
  connected(): boolean;
  stop(): Promise<void>;
}
