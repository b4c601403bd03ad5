// The baseline: a bare node:http server that answers every request with the same bytes ymchat sent.
import http from 'node:http';

const body = Buffer.from(process.env.BARE_BODY ?? '{}');
const headers = JSON.parse(process.env.BARE_HEADERS ?? '{}');
const server = http.createServer((req, res) => {
  res.writeHead(200, { ...headers, 'content-length': body.length });
  res.end(body);
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening on http://127.0.0.1:${server.address().port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
