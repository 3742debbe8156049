// Reference for the API benchmark: a bare Fastify route that parses a JSON body and answers with a JSON
// body of the same size as Chipin's POST /bills (the real response, passed in). No auth, no store, no
// schema: the ceiling a Fastify handler could reach on this machine.
import Fastify from 'fastify';
import { announce } from '../admin.ts';

const body = JSON.parse(process.env.RESPONSE_JSON ?? '{}') as unknown;
const app = Fastify({ logger: false });
app.post('/bills', async (_request, reply) => reply.code(201).send(body));
const address = await app.listen({ port: 0, host: '127.0.0.1' });
announce({ port: Number(new URL(address).port) });
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
