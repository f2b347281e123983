import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';
import { ApiReadModelQuery, ApiRefusals, type RouteErrorCode } from '../http/index.js';
import { IsInstant, QueryInteger } from './input-limits.js';

/** What every query accepts: read your own writes. */
export class ReadModelQueryDto {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 0,
    description:
      'A log position (the `position` a command answered). The answer waits, up to 5 s, until the read model has ' +
      'processed it; else 503 PROJECTION_LAGGING with Retry-After.',
  })
  @IsOptional()
  @QueryInteger(0)
  minPosition?: number;
}

/** Queries that answer "as of T, as known at R". */
export class BitemporalQueryDto extends ReadModelQueryDto {
  @ApiPropertyOptional({
    example: '2018-04-18T22:00:00Z',
    description: 'The instant the answer is about (ISO 8601 with a zone, inclusive). Default: now.',
  })
  @IsOptional()
  @IsInstant()
  asOf?: string;

  @ApiPropertyOptional({
    example: '2018-04-19T07:00:00Z',
    description:
      'Count only what had been recorded by this instant (inclusive): events, positions, neighbourhoods and ' +
      'retractions. "What did we believe at R about T?" Default: now.',
  })
  @IsOptional()
  @IsInstant()
  knownAt?: string;
}

/**
 * A query answered from a read model, with the codes its own lookups add; the document adds the
 * read-model codes (PROJECTION_LAGGING, PROJECTION_REBUILDING) and those of every route with a key.
 */
export function ReadModelResponses(...refusals: RouteErrorCode[]): MethodDecorator {
  return applyDecorators(ApiReadModelQuery(), ApiRefusals(...refusals));
}
