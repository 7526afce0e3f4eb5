/**
 * Delivery, started by buildApp and stopped in its onClose hook: the fan-out/sender loops (worker.ts) and
 * the report schedule (reports.ts), checked every minute and whenever a subscription changes.
 */
import type { Logger } from 'pino';
import type { DeliveryConfig } from '../lib/config.js';
import type { Store } from '../store/store.js';
import { scheduleReports } from './reports.js';
import { DeliveryWorker } from './worker.js';

const REPORT_CHECK_MS = 60_000;

export interface DeliveryService {
  /** Sends what is due now. */
  wake(): void;
  /** Looks for due reports now (after a subscription changed). */
  checkReports(): Promise<void>;
  stop(): Promise<void>;
}

export function startDelivery(store: Store, config: DeliveryConfig, log: Logger): DeliveryService {
  const worker = new DeliveryWorker(store.deliveries, store, config, log);
  worker.start();
  let checking: Promise<void> = Promise.resolve();
  const checkReports = (): Promise<void> => {
    checking = checking.then(async () => {
      try {
        const made = await scheduleReports(store, Date.now(), log, config.publicUrl);
        log.debug({ made }, 'report schedule checked');
        if (made > 0) worker.wake();
      } catch (err) {
        log.warn({ err }, 'report schedule failed; will try again');
      }
    });
    return checking;
  };
  void checkReports();
  const timer = setInterval(() => void checkReports(), REPORT_CHECK_MS).unref();
  return {
    wake: () => worker.wake(),
    checkReports,
    async stop() {
      clearInterval(timer);
      await checking;
      await worker.stop();
    },
  };
}
