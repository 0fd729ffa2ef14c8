import http from 'node:http';

/**
 * The raw HTTP POST floor's one request: `body` to `url` over a keep-alive agent of up to 64
 * sockets, nothing else of ours around it. Fails on any answer but 200.
 */
export function rawPoster(url: string, body: string): () => Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const headers = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
  return () =>
    new Promise<void>((ok, fail) => {
      const req = http.request(url, { method: 'POST', agent, headers }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? ok() : fail(new Error(`floor POST ${res.statusCode}`))));
      });
      req.on('error', fail);
      req.end(body);
    });
}
