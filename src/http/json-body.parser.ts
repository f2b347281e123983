import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isUtf8 } from 'node:buffer';
import { ApiHttpException } from './api-http-exception.js';
import { childPath } from './validation.js';

type Done = (error: Error | null, body?: unknown) => void;

/** Only an escape can put a surrogate into a string of valid UTF-8: no need to look without one. */
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;
/** In a `u` regular expression a surrogate pair is one code point: only a lone surrogate is Cs. */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * The JSON body parser: Fastify's own (which refuses `__proto__` and `constructor.prototype`
 * keys), behind two checks it leaves out. A body must be UTF-8 (RFC 8259): decoding invalid
 * bytes would store U+FFFD in their place. And no string, value or key, may hold a lone
 * surrogate (`"\ud800"`): it is no Unicode text, and no other system would read it back
 * as the client meant it. Both are refused with 400 VALIDATION_FAILED.
 */
export function strictJsonParser(fastify: FastifyInstance): (request: FastifyRequest, body: Buffer, done: Done) => void {
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  return (request, body, done) => {
    if (!isUtf8(body)) {
      done(refusal('Request body is not valid UTF-8', 'body', 'body is not valid UTF-8'));
      return;
    }
    const text = body.toString('utf8');
    parseJson(request, text, (error: Error | null, value?: unknown) => {
      if (error) {
        done(error);
        return;
      }
      const found = SURROGATE_ESCAPE.test(text) ? loneSurrogateIn(value) : undefined;
      if (found === undefined) {
        done(null, value);
        return;
      }
      const what = found.inKey ? 'holds a key with' : 'holds';
      done(
        refusal(
          `Request body is not valid Unicode text at ${found.field}`,
          found.field,
          `${what} a lone UTF-16 surrogate (a \\uD800-\\uDFFF escape without its pair)`,
        ),
      );
    });
  };
}

function refusal(message: string, field: string, problem: string): ApiHttpException {
  return new ApiHttpException(400, 'VALIDATION_FAILED', message, { details: [{ field, problems: [problem] }] });
}

/** Where the first string or key holding a lone surrogate is, walking without recursion. */
function loneSurrogateIn(root: unknown): { field: string; inKey: boolean } | undefined {
  const stack: { value: unknown; path: string }[] = [{ value: root, path: '' }];
  while (stack.length > 0) {
    const { value, path } = stack.pop()!;
    if (typeof value === 'string') {
      if (LONE_SURROGATE.test(value)) return { field: path || 'body', inKey: false };
    } else if (typeof value === 'object' && value !== null) {
      for (const key of Object.keys(value)) {
        // The key itself is not quoted back: it is what cannot be written as text.
        if (!Array.isArray(value) && LONE_SURROGATE.test(key)) return { field: path || 'body', inKey: true };
        stack.push({ value: (value as Record<string, unknown>)[key], path: childPath(path, key) });
      }
    }
  }
  return undefined;
}
