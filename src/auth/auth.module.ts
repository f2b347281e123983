import { Logger, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { ApiKeyGuard } from './api-key.guard.js';
import * as path from 'node:path';
import { API_KEYS_FILE_NAME, ApiKeyStore } from './api-keys.js';
import { TokenBucketRateLimiter } from './rate-limiter.js';

/**
 * Every route needs an API key unless it is `@Public()`. Needs `APP_CONFIG` (from the global
 * `ConfigModule`). Import once, in the app module; `ApiKeyStore` is exported so that
 * `main.ts` can log where the keys file is.
 */
@Module({
  providers: [
    {
      provide: ApiKeyStore,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig): ApiKeyStore => {
        const store = ApiKeyStore.open(config);
        const logger = new Logger('ApiKeys');
        store.warnings.forEach((warning) => logger.warn(warning));
        if (store.source.kind === 'file' && store.source.added.length > 0) {
          const roles = store.source.added.join(', ');
          logger.warn(`Generated a key for the new role(s) ${roles} in ${path.join(config.dataDir, API_KEYS_FILE_NAME)} (readable by its owner only)`);
        }
        return store;
      },
    },
    {
      provide: TokenBucketRateLimiter,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => new TokenBucketRateLimiter(config.rateLimitPerSecond),
    },
    { provide: APP_GUARD, useClass: ApiKeyGuard },
  ],
  exports: [ApiKeyStore, TokenBucketRateLimiter],
})
export class AuthModule {}
