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
        let end = pending.indexOf('\n\n');
        while (end >= 0) {
          const id = /^id: (\d+)\n/.exec(pending.slice(0, end));
          pending = pending.slice(end + 2);
          if (id !== null) {
            const position = Number(id[1]);
            const clients = (seen.get(position) ?? 0) + 1;
            seen.set(position, clients);
            if (clients === count) process.stdout.write(`${position} ${now()}\n`);
          }
          end = pending.indexOf('\n\n');
        }
      });
      resolve();
    });
    req.end();
  });
}

await Promise.all(Array.from({ length: count }, open));
process.stdout.write('ready\n');
