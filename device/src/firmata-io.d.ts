// firmata-io ships no types; the kiosk needs only the Firmata class built on a transport instance.
declare module 'firmata-io' {
  import type { EventEmitter } from 'node:events';
  interface FirmataIo {
    (transport: unknown): new (port: unknown) => EventEmitter;
    Firmata: new (port: unknown, options?: object) => EventEmitter;
  }
  const firmataIo: FirmataIo;
  export default firmataIo;
}
