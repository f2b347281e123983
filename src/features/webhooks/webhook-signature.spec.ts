import { createHmac } from 'node:crypto';
import { webhookSignature } from './webhook-signature.js';

describe('Timeline-Signature', () => {
  it('is t=<seconds>,v1=<hex HMAC-SHA256 keyed with the secret over "<t>.<body>">', () => {
    const body = Buffer.from('{"id":"7","event":"control","data":{"neighbourhoodId":"حي التضامن"}}', 'utf8');
    const header = webhookSignature('whsec_test', 1_700_000_000, body);
    expect(header).toBe(`t=1700000000,v1=${createHmac('sha256', 'whsec_test').update(Buffer.concat([Buffer.from('1700000000.'), body])).digest('hex')}`);
    expect(header).toMatch(/^t=1700000000,v1=[0-9a-f]{64}$/);
    expect(webhookSignature('whsec_other', 1_700_000_000, body)).not.toBe(header);
  });
});
