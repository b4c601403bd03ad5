// The baseline: a bare node:http server answering every request with the bytes ymchat sent for it.
// BARE_ROUTES names a JSON file of { "<METHOD> <path>": { status, headers, body } }; BARE_BODY is
// the single answer otherwise.
import fs from 'node:fs';
import http from 'node:http';

const routes = new Map();
if (process.env.BARE_ROUTES) {
  for (const [k, v] of Object.entries(JSON.parse(fs.readFileSync(process.env.BARE_ROUTES, 'utf8')))) {
    const body = Buffer.from(v.body);
    routes.set(k, { status: v.status ?? 200, headers: { ...v.headers, 'content-length': body.length }, body });
  }
}
const fallbackBody = Buffer.from(process.env.BARE_BODY ?? '{}');
const fallback = { status: 200, headers: { ...JSON.parse(process.env.BARE_HEADERS ?? '{}'), 'content-length': fallbackBody.length }, body: fallbackBody };
const server = http.createServer((req, res) => {
  const answer = routes.get(`${req.method} ${req.url}`) ?? fallback;
  // Drain the request body as any server must.
  req.resume();
  req.on('end', () => {
    res.writeHead(answer.status, answer.headers);
    res.end(answer.body);
  });
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening on http://127.0.0.1:${server.address().port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
