export { ApiKeyGuard, authenticateBearer } from './api-key.guard.js';
export { AuthRefusal, type AuthRefusalCode } from './auth-refusal.js';
export {
  API_KEYS_FILE_NAME,
  API_KEYS_VARIABLE,
  apiKeysFromEnvironment,
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
export { attachPrincipal, CurrentPrincipal, principalOf, type Principal } from './principal.js';
export { TokenBucketRateLimiter, type RateLimitDecision } from './rate-limiter.js';
export { isAllowed, isRole, ROLES, type Role } from './role.js';
export { Public, Roles } from './roles.decorator.js';
