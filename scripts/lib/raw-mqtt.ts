/**
 * Raw MQTT over a TCP socket, for attack tests and benchmarks: what an attacker sends is not limited to
 * what MQTT.js would send.
 */
import net from 'node:net';
import mqttPacket from 'mqtt-packet';

export type ConnectOutcome = { connack: { returnCode: number; sessionPresent: boolean } } | { closed: true };

/**
 * A CONNECT with the clean-session flag cleared even for an empty client id, which mqtt-packet (like
 * MQTT.js) refuses to generate but anyone can send.
 */
export function persistentConnect(fields: Partial<mqttPacket.IConnectPacket>): Buffer {
  const buf = mqttPacket.generate({
    cmd: 'connect',
    protocolId: 'MQTT',
    protocolVersion: 4,
    keepalive: 30,
    clientId: '',
    ...fields,
    clean: true,
  } as mqttPacket.IConnectPacket);
  let at = 1;
  while (buf[at]! & 0x80) at++; // the remaining-length varint
  buf[at + 1 + 6 + 1]! &= ~0x02; // after the protocol name (2 + 4 bytes) and level: the connect flags
  return buf;
}

/** Sends one CONNECT (any fields, any length, or raw bytes) and resolves with the CONNACK, or `closed` without one. */
export function rawConnect(
  port: number,
  fields: Partial<mqttPacket.IConnectPacket> | Buffer,
  timeoutMs = 10_000,
): Promise<ConnectOutcome & { socket: net.Socket }> {
  const socket = net.connect(port, '127.0.0.1');
  const parser = mqttPacket.parser({ protocolVersion: 4 });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (socket.destroy(), reject(new Error('no CONNACK and no close'))), timeoutMs);
    const done = (o: ConnectOutcome) => (clearTimeout(timer), resolve({ ...o, socket }));
    parser.on('packet', (p) => {
      if (p.cmd === 'connack')
        done({ connack: { returnCode: (p as mqttPacket.IConnackPacket).returnCode ?? 0, sessionPresent: p.sessionPresent } });
    });
    socket.on('data', (d) => parser.parse(d));
    socket.on('error', () => undefined);
    socket.on('close', () => done({ closed: true }));
    socket.on('connect', () => {
      socket.write(
        Buffer.isBuffer(fields)
          ? fields
          : mqttPacket.generate({
              cmd: 'connect',
              protocolId: 'MQTT',
              protocolVersion: 4,
              clean: true,
              keepalive: 30,
              clientId: '',
              ...fields,
            } as mqttPacket.IConnectPacket),
      );
    });
  });
}

/**
 * Opens a socket and writes the start of a CONNECT announcing `announced` bytes, then `sent` bytes of it,
 * never finishing. Resolves once everything was written (the kernel took it) or the socket closed.
 */
export function partialConnect(port: number, announced: number, sent: number): Promise<net.Socket> {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  // Fixed header: CONNECT (0x10) and the remaining length as an MQTT varint.
  const header = [0x10];
  let n = announced;
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    header.push(byte);
  } while (n > 0);
  // A variable header that parses (protocol name MQTT, level 4), then filler as the client id's bytes.
  const start = Buffer.from([...header, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x1e, 0xff, 0xff]);
  const body = Buffer.alloc(Math.max(0, sent - start.length), 0x61);
  return new Promise((resolve) => {
    socket.once('close', () => resolve(socket));
    socket.on('connect', () => {
      if (sent === 0) return resolve(socket);
      socket.write(start);
      if (body.length === 0) return resolve(socket);
      socket.write(body, () => resolve(socket));
    });
  });
}
