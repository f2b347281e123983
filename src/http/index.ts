export { ApiHttpException, type ApiHttpExceptionOptions, type ErrorBody, type ErrorDetail } from './api-http-exception.js';
export { API_PREFIX, configureHttpApp, createHttpAdapter, type HttpAppOptions } from './http-app.js';
export { HttpExceptionFilter, REQUEST_BODY_LIMIT_BYTES, toErrorResponse, type ErrorResponse } from './http-exception.filter.js';
export { EachItem, EachItemAnObject, type ItemRule } from './item-rules.js';
export { NestedType, type NestedTypeFunction } from './nested-type.decorator.js';
export { createValidationPipe, flattenValidationErrors, MAX_VALIDATION_DETAILS, validationFailed, type FieldProblems } from './validation.js';
export { buildOpenApiDocument, DOCS_JSON_PATH, DOCS_PATH, setupOpenApi } from './openapi.js';
export { API_ERRORS, type ApiErrorCode } from './api-errors.js';
export { ApiHeavyQuery, ApiReadModelQuery, ApiRefusals, type RouteErrorCode } from './api-refusals.decorator.js';
