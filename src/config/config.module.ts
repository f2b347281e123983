import { Global, Module, type DynamicModule, type Provider } from '@nestjs/common';
import { loadConfig, type AppConfig } from './app-config.js';

/** Injection token of the `AppConfig`: `@Inject(APP_CONFIG) config: AppConfig`. */
export const APP_CONFIG = Symbol('APP_CONFIG');

const fromEnvironment: Provider = { provide: APP_CONFIG, useFactory: (): AppConfig => loadConfig(process.env) };

/**
 * Global: import it once (in the app module) and inject `APP_CONFIG` anywhere. Imported as
 * it is, it reads `process.env`; `ConfigModule.forConfig(config)` serves a given config.
 */
@Global()
@Module({ providers: [fromEnvironment], exports: [APP_CONFIG] })
export class ConfigModule {
  static forConfig(config: AppConfig): DynamicModule {
    return {
      module: ConfiguredConfigModule,
      global: true,
      providers: [{ provide: APP_CONFIG, useValue: config }],
      exports: [APP_CONFIG],
    };
  }
}

/**
 * A separate class, so that `forConfig()` does not inherit the environment-reading provider
 * of `ConfigModule`'s own metadata.
 */
@Module({})
class ConfiguredConfigModule {}
