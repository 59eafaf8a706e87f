/**
 * An HTTP proxy in front of a downstream authorization server, listening on a port chosen before
 * that server starts (so that it can be the server's issuer): every request is forwarded to
 * `target` as it came; each POST's form parameters and the JSON it was answered with are kept, so
 * a test can count downstream calls and look for what went over the wire elsewhere.
 */
import { createServer, type Server } from 'node:http';

export interface RecordingProxy {
  url: string;
  /** Where requests go (set once the server behind it listens). */
  target: string;
  /** Each POST's form parameters and its answer's JSON body, in order. */
  posts: { path: string; params: URLSearchParams; answer: Record<string, unknown> }[];
  close(): Promise<void>;
}

export async function recordingProxy(port = 0): Promise<RecordingProxy> {
  const out: RecordingProxy = { url: '', target: '', posts: [], close: async () => {} };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const headers: Record<string, string> = {};
      for (const name of ['content-type', 'authorization', 'accept', 'dpop'])
        if (typeof req.headers[name] === 'string') headers[name] = req.headers[name];
      void fetch(`${out.target}${req.url ?? '/'}`, {
        method: req.method ?? 'GET',
        headers,
        ...(req.method === 'POST' ? { body } : {}),
      })
        .then(async (r) => {
          const text = await r.text();
          if (req.method === 'POST') {
            let answer: Record<string, unknown> = {};
            try {
              answer = JSON.parse(text) as Record<string, unknown>;
            } catch {
              // not JSON: kept empty
            }
            out.posts.push({ path: req.url ?? '/', params: new URLSearchParams(body.toString()), answer });
          }
          const copied: Record<string, string> = {};
          for (const [k, v] of r.headers)
            if (!['content-length', 'content-encoding', 'transfer-encoding'].includes(k)) copied[k] = v;
          res.writeHead(r.status, copied);
          res.end(text);
        })
        .catch(() => {
          res.writeHead(502);
          res.end();
        });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const addr = server.address();
  out.url = `http://127.0.0.1:${typeof addr === 'object' && addr !== null ? addr.port : 0}`;
  out.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return out;
}
