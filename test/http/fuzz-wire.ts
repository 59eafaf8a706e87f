/**
 * The fuzz's HTTP client: raw HTTP/1.1 over a TCP socket, so that a request can carry what fetch and
 * node:http refuse to send (a NUL or non-UTF-8 byte in a header, a repeated header, a wrong
 * Content-Length, bytes that are not UTF-8 in the body). One request per connection.
 */
import { connect } from 'node:net';

export interface RawRequest {
  method: string;
  /** The request target as sent: path and query, already encoded. */
  target: string;
  /** In order; a value is sent as its UTF-8 bytes, or as the bytes given. */
  headers: [string, string | Buffer][];
  body?: Buffer;
  /** Content-Length to declare instead of the body's length (never more than it: the server would wait). */
  contentLength?: number | 'omit';
}

export interface RawResponse {
  status: number;
  /** Header names in lower case; repeated headers keep every value. */
  headers: Map<string, string[]>;
  body: Buffer;
  text: string;
}

export function header(res: RawResponse, name: string): string | undefined {
  return res.headers.get(name)?.join(', ');
}

export function encodeRequest(host: string, req: RawRequest): Buffer {
  const parts: Buffer[] = [
    Buffer.from(`${req.method} ${req.target} HTTP/1.1\r\nHost: ${host}\r\n`, 'latin1'),
  ];
  for (const [name, value] of req.headers)
    parts.push(Buffer.from(`${name}: `, 'latin1'), Buffer.from(value), Buffer.from('\r\n'));
  const body = req.body ?? Buffer.alloc(0);
  const declared = req.contentLength ?? body.length;
  if (declared !== 'omit' && (req.body !== undefined || req.contentLength !== undefined))
    parts.push(Buffer.from(`Content-Length: ${Math.min(declared, body.length)}\r\n`));
  parts.push(Buffer.from('Connection: close\r\n\r\n'), body);
  return Buffer.concat(parts);
}

function dechunk(buf: Buffer): Buffer {
  const out: Buffer[] = [];
  let pos = 0;
  for (;;) {
    const eol = buf.indexOf('\r\n', pos);
    if (eol < 0) break;
    const size = Number.parseInt(buf.subarray(pos, eol).toString('latin1'), 16);
    if (!Number.isFinite(size) || size === 0) break;
    out.push(buf.subarray(eol + 2, eol + 2 + size));
    pos = eol + 2 + size + 2;
  }
  return Buffer.concat(out);
}

/** Parses the first response of what the server sent before it closed the connection. */
export function parseResponse(raw: Buffer): RawResponse {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) throw new Error(`no complete response (${raw.length} bytes)`);
  const [statusLine = '', ...lines] = raw.subarray(0, end).toString('latin1').split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
  if (m === null) throw new Error(`not an HTTP response: ${statusLine.slice(0, 80)}`);
  const headers = new Map<string, string[]>();
  for (const line of lines) {
    const i = line.indexOf(':');
    const name = line.slice(0, i).trim().toLowerCase();
    headers.set(name, [...(headers.get(name) ?? []), line.slice(i + 1).trim()]);
  }
  let body = raw.subarray(end + 4);
  if (/chunked/i.test(headers.get('transfer-encoding')?.join(',') ?? '')) body = dechunk(body);
  else {
    const length = Number(headers.get('content-length')?.[0] ?? body.length);
    body = body.subarray(0, length);
  }
  return { status: Number(m[1]), headers, body, text: body.toString('utf8') };
}

/** Sends one request and reads the response; rejects if the server closes without answering. */
export function send(port: number, req: RawRequest, timeoutMs = 20_000): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect({ port, host: '127.0.0.1' });
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    socket.on('connect', () => socket.write(encodeRequest(`127.0.0.1:${port}`, req)));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', (err) => {
      // A reset after a complete answer (the server closed while we were still writing) is fine.
      const got = Buffer.concat(chunks);
      if (got.length > 0) {
        try {
          return resolve(parseResponse(got));
        } catch {
          // fall through
        }
      }
      reject(err);
    });
    socket.on('end', () => {
      try {
        resolve(parseResponse(Buffer.concat(chunks)));
      } catch (err) {
        reject(err as Error);
      }
    });
  });
}
