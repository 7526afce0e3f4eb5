// Types for the untyped CommonJS programmers `lb flash` drives: only what it calls.

declare module 'stk500' {
  type Done<T = Buffer> = (err: Error | null | undefined, data: T) => void;
  /** STK500v1 (optiboot): each call frames one command and waits for its INSYNC … OK answer. */
  export default class Stk500 {
    constructor(opts?: { quiet?: boolean });
    sync(stream: NodeJS.ReadWriteStream, attempts: number, timeout: number, done: Done): void;
    /** Reads the signature: `data` is INSYNC, three signature bytes, OK (it does not compare them). */
    verifySignature(stream: NodeJS.ReadWriteStream, signature: Buffer, timeout: number, done: Done): void;
    setOptions(stream: NodeJS.ReadWriteStream, options: Record<string, number>, timeout: number, done: Done<void>): void;
    enterProgrammingMode(stream: NodeJS.ReadWriteStream, timeout: number, done: Done): void;
    loadAddress(stream: NodeJS.ReadWriteStream, wordAddress: number, timeout: number, done: Done): void;
    loadPage(stream: NodeJS.ReadWriteStream, bytes: Buffer, timeout: number, done: Done): void;
    /** Reads a page back: `data` is INSYNC, the page, OK (it does not compare them). */
    verifyPage(stream: NodeJS.ReadWriteStream, bytes: Buffer, pageSize: number, timeout: number, done: Done): void;
    exitProgrammingMode(stream: NodeJS.ReadWriteStream, timeout: number, done: Done): void;
  }
}

declare module 'stk500-v2' {
  type Done<T = void> = (err: (Error & { code?: string }) | null | undefined | false, data: T) => void;
  interface Stk500v2 {
    parser: { send(body: Buffer, done: Done<{ message: Buffer }>): void };
    sync(attempts: number, done: Done<string>): void;
    getSignature(done: Done<Buffer>): void;
    enterProgrammingMode(options: Record<string, number>, done: Done): void;
    loadAddress(wordAddress: number, done: Done): void;
    loadPage(bytes: Buffer, done: Done): void;
    exitProgrammingMode(done: Done): void;
  }
  export default function stk500v2(port: NodeJS.ReadWriteStream): Stk500v2;
}

declare module 'intel-hex' {
  /** Throws on a malformed line or a wrong checksum. */
  export function parse(data: string | Buffer, bufferSize?: number): { data: Buffer; startSegmentAddress: number | null };
}
