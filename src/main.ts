import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AddressInfo } from 'node:net';
import { Logger as PinoLogger } from 'nestjs-pino';
import { AppModule } from './app.module.js';
import { ApiKeyStore, apiKeysFromEnvironment } from './auth/api-keys.js';
import { AuthModule } from './auth/auth.module.js';
import { loadConfig, type AppConfig } from './config/app-config.js';
import { ConfigModule } from './config/config.module.js';
import { ensureDataDir } from './config/data-dir.js';
import { API_PREFIX, configureHttpApp, createHttpAdapter } from './http/http-app.js';
import { DOCS_PATH } from './http/openapi.js';
import { LoggingModule } from './logging/logging.module.js';
import { stopGracefullyOnSignals } from './signal-shutdown.js';
import { StartupWatchdog } from './startup-watchdog.js';

function urlOf(app: NestFastifyApplication, config: AppConfig): string {
  const address = app.getHttpServer().address() as AddressInfo | string | null;
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return `http://${host}:${port}`;
}

function describeKeys(app: NestFastifyApplication): string | undefined {
  let store: ApiKeyStore;
  try {
    store = app.get(ApiKeyStore, { strict: false });
  } catch {
    return undefined;
  }
  const source = store.source;
  if (source.kind === 'environment') {
    return `API keys: ${store.size} from TIMELINE_API_KEYS`;
  }
  return source.created
    ? `API keys: generated one per role in ${source.path} (readable by its owner only)`
    : `API keys: read from ${source.path}`;
}

async function bootstrap(): Promise<void> {
  const startup = StartupWatchdog.start();
  let config: AppConfig | undefined;
  try {
    config = loadConfig(process.env);
    // A malformed key list fails here, before anything else is opened.
    if (config.apiKeyList !== undefined) apiKeysFromEnvironment(config.apiKeyList);
    startup.enter('preparing the data directory');
    ensureDataDir(config.dataDir);

    startup.enter('creating the application');
    // Logs are held back until the server listens: a failed start prints one line only.
    const app = await NestFactory.create<NestFastifyApplication>(
      // ConfigModule reads the same environment as `config` above. AppModule may import
      // ConfigModule and AuthModule itself too; Nest loads each module once.
      { imports: [ConfigModule, AuthModule, LoggingModule, AppModule] },
      createHttpAdapter(config.http),
      { abortOnError: false, bufferLogs: true, autoFlushLogs: false },
    );
    app.useLogger(app.get(PinoLogger));
    configureHttpApp(app, config, { shutdownHooks: false });

    startup.enter('initialising the modules');
    await app.init();
    startup.enter('listening');
    await app.listen(config.port, config.host);
    if (!(await startup.started())) {
      return;
    }
    app.flushLogs();

    const logger = new Logger('Main');
    const url = urlOf(app, config);
    logger.log(`Listening on ${url} (API under /${API_PREFIX}, docs at ${url}/${DOCS_PATH})`);
    const keys = describeKeys(app);
    if (keys !== undefined) {
      logger.log(keys);
    }
    stopGracefullyOnSignals(app, config, logger);
  } catch (error) {
    startup.failWith(error, config);
  }
}

void bootstrap();
