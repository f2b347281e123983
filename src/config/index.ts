export { ConfigError, EVENT_STORE_KINDS, loadConfig, type AppConfig, type EventStoreKind, type LoadConfigOptions } from './app-config.js';
export { APP_CONFIG, ConfigModule } from './config.module.js';
export { DataDirError, ensureDataDir } from './data-dir.js';
