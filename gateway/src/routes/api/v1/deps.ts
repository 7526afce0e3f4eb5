import type { DeliveryService } from '../../../delivery/index.js';
import type { FleetView } from '../../../ingest/fleet-view.js';
import type { GatewayConfig } from '../../../lib/config.js';
import type { GatewayMetrics } from '../../../lib/metrics.js';
import type { PressFeed } from '../../../lib/press-feed.js';
import type { LiveHub } from '../../../live/hub.js';
import type { MqttRuntime } from '../../../mqtt/runtime.js';
import type { LoginThrottle, RoleGuard } from '../../../plugins/app/auth.js';
import type { Sessions } from '../../../plugins/app/session.js';
import type { Store } from '../../../store/store.js';

/** What every route module gets: passed as plugin options, no global decorations. */
export interface ApiDeps {
  config: GatewayConfig;
  store: Store;
  mqtt: MqttRuntime;
  guard: RoleGuard;
  metrics: GatewayMetrics;
  /** The fleet in memory: newest agent version, kiosk gauges. */
  fleet: FleetView;
  /** Presses and statuses as they are committed (lib/press-feed.ts). */
  feed: PressFeed;
  /** The open live streams (live/hub.ts). */
  live: LiveHub;
  /** Webhook and email delivery: wake it after a change (delivery/index.ts). */
  delivery: DeliveryService;
  /** Failed logins per source address (sign-in counts them too). */
  throttle: LoginThrottle;
  /** Console sign-in sessions. */
  sessions: Sessions;
}
