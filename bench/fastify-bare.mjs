// A second baseline: Fastify with one route answering fixed bytes (what the framework alone costs).
import Fastify from 'fastify';
const app = Fastify();
const body = '{"status":"OK","result":{"chatId":5000001}}';
app.get('/v2/businesses/:businessId/chat', async (req, reply) => { reply.header('content-type', 'application/json; charset=utf-8'); return body; });
await app.listen({ port: 0, host: '127.0.0.1' });
console.log(`listening on http://127.0.0.1:${app.server.address().port}`);
