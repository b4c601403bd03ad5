import type { ApiError } from './types.js';

/**
 * An answer of the Partner API other than 2xx: the HTTP status, Market's first error code and
 * message, and every error of the envelope. Thrown after retries, when there were any.
 */
export class MarketApiError extends Error {
  override name = 'MarketApiError';
  constructor(
    /** HTTP status: 400, 401, 403, 404, 420, 500, 503… */
    readonly status: number,
    /** Market's error code (`NOT_FOUND`, `UNAUTHORIZED`, `LIMIT_EXCEEDED`…); `HTTP_<status>` when the body has none. */
    readonly code: string,
    message: string,
    readonly errors: ApiError[],
    readonly operation: string,
    /** How many requests were made, retries included. */
    readonly attempts: number,
    /** For 420: when the limit window ends (from `X-RateLimit-Resource-Until`), if the answer said. */
    readonly retryAt: Date | null = null,
  ) {
    super(message);
  }

  /** 420, 500 and 503 are worth another try; 4xx other than 420 never are. */
  get retryable(): boolean {
    return this.status === 420 || this.status === 500 || this.status === 503;
  }
}
