import { Module, RequestMethod } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoggerModule } from 'nestjs-pino';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';

/**
 * Structured JSON logs (pino), one line per request with its id. Request and response
 * bodies are never logged: they may name protected sources. Headers are reduced to the few
 * that help an operator, and the Authorization header is never among them.
 */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        // Health probes every few seconds would drown the log.
        exclude: [{ method: RequestMethod.GET, path: 'health' }],
        pinoHttp: {
          level: config.logLevel,
          // Fastify already chose the id (see http-app.ts); pino-http reads it from req.id.
          quietReqLogger: false,
          serializers: {
            req: (req: { id: string; method: string; url: string }) => ({
              id: req.id,
              method: req.method,
              path: req.url.split('?')[0],
            }),
            res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
          },
          customLogLevel: (_req: IncomingMessage, res: ServerResponse, error?: Error) =>
            error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
          redact: { paths: ['req.headers', 'res.headers'], remove: true },
        },
      }),
    }),
  ],
})
export class LoggingModule {}
