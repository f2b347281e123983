export { ApiKeyGuard, authenticateBearer, isAllowed } from './api-key.guard.js';
export {
  API_KEYS_FILE_NAME,
  ApiKeyListError,
  ApiKeyStore,
  apiKeyId,
  credentialFor,
  generateApiKey,
  hashApiKey,
  isWellFormedApiKey,
  loadOrCreateApiKeysFile,
  parseApiKeyList,
  type ApiKeyCredential,
  type ApiKeySource,
  type ApiKeysFile,
} from './api-keys.js';
export { AuthModule } from './auth.module.js';
export { CurrentPrincipal, principalOf, type Principal } from './principal.js';
export { TokenBucketRateLimiter, type RateLimitDecision } from './rate-limiter.js';
export { isRole, ROLES, type Role } from './role.js';
export { Public, Roles } from './roles.decorator.js';
