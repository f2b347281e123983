/**
 * Child of the live feed benchmark: `node stream-clients.js <url> <key> <count>` opens `count`
 * event streams from the head, prints `ready` once all answered, then `<position> <epoch ms>` as
 * each message id reaches every stream. In a process of its own, parsing the streams does not
 * hold up the process that sends commands.
 */
import { type IncomingMessage, request } from 'node:http';

const [url, key, countText] = process.argv.slice(2);
const count = Number(countText);
const seen = new Map<number, number>();
const now = (): number => performance.timeOrigin + performance.now();

function open(): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/v1/stream`, { agent: false, headers: { authorization: `Bearer ${key}` } });
    req.on('error', reject);
    req.on('response', (response: IncomingMessage) => {
      if (response.statusCode !== 200) reject(new Error(`GET /v1/stream: ${response.statusCode}`));
      let pending = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        pending += chunk;
        // One pass over what came: message ids only, and one copy of the unfinished rest.
        let start = 0;
        let end = pending.indexOf('\n\n', start);
        while (end >= 0) {
          if (pending.startsWith('id: ', start)) {
            const id = pending.slice(start + 4, pending.indexOf('\n', start));
            if (/^\d+$/.test(id)) {
              const position = Number(id);
              const clients = (seen.get(position) ?? 0) + 1;
              seen.set(position, clients);
              if (clients === count) process.stdout.write(`${position} ${now()}\n`);
            }
          }
          start = end + 2;
          end = pending.indexOf('\n\n', start);
        }
        pending = pending.slice(start);
      });
      resolve();
    });
    req.end();
  });
}

await Promise.all(Array.from({ length: count }, open));
process.stdout.write('ready\n');
