import { HttpException } from '@nestjs/common';

/** One entry of `details` in an error body. */
export type ErrorDetail = Readonly<Record<string, unknown>>;

/** The error body every response of 400 and above has (see API.md, "Errors"). */
export interface ErrorBody {
  readonly statusCode: number;
  readonly code: string;
  readonly message: string;
  readonly details?: readonly ErrorDetail[];
}

export interface ApiHttpExceptionOptions {
  readonly details?: readonly ErrorDetail[];
  /** Response headers that belong to the error, e.g. `WWW-Authenticate`, `Retry-After`. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly cause?: unknown;
}

/**
 * An HTTP refusal that already knows its API error code. The platform throws these (auth,
 * validation, media type); features throw `DomainError` / `ApplicationError` instead and
 * let the filter map them.
 */
export class ApiHttpException extends HttpException {
  readonly code: string;
  readonly details?: readonly ErrorDetail[];
  readonly headers: Readonly<Record<string, string>>;

  constructor(statusCode: number, code: string, message: string, options: ApiHttpExceptionOptions = {}) {
    const body: ErrorBody = {
      statusCode,
      code,
      message,
      ...(options.details !== undefined && { details: options.details }),
    };
    super(body, statusCode, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details;
    this.headers = options.headers ?? {};
  }
}
