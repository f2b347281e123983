import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsOptional, IsString } from 'class-validator';
import { IsSlug, IsText, LIMITS, QueryInteger } from '../input-limits.js';
import { MESSAGE_TYPES } from './live-fold.js';

/** Most values one repeatable filter takes. */
export const MAX_FILTER_VALUES = 100;

/**
 * A query parameter that may be given several times: always a list. Empty values ask for nothing
 * in particular, so a parameter given only empty (`?type=`) filters nothing, as an absent one.
 */
const repeatable = () =>
  Transform(({ value }: { value: unknown }) => {
    if (value === undefined) return value;
    const values = (Array.isArray(value) ? value : [value]).filter((item) => item !== '');
    return values.length === 0 ? undefined : values;
  });

export class LiveStreamQueryDto {
  @ApiPropertyOptional({ type: [String], example: ['damascus-tadamon'], description: 'Only messages of these neighbourhoods (repeatable)' })
  @IsOptional()
  @repeatable()
  @IsArray()
  @ArrayMaxSize(MAX_FILTER_VALUES)
  @IsSlug({ each: true })
  neighbourhood?: string[];

  @ApiPropertyOptional({ enum: MESSAGE_TYPES, isArray: true, description: 'Only these event types, or `control` (repeatable); control messages are left out unless listed' })
  @IsOptional()
  @repeatable()
  @IsArray()
  @ArrayMaxSize(MESSAGE_TYPES.length)
  @IsIn(MESSAGE_TYPES, { each: true })
  type?: string[];

  @ApiPropertyOptional({ type: [String], example: ['Damascus'], description: 'Only messages of neighbourhoods of these cities, exactly as registered (repeatable)' })
  @IsOptional()
  @repeatable()
  @IsArray()
  @ArrayMaxSize(MAX_FILTER_VALUES)
  @IsString({ each: true })
  @IsText(LIMITS.nameLength, { each: true })
  city?: string[];

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 0,
    description: 'Start after this log position (0: the whole log); the Last-Event-ID header wins over it. Neither: new events only',
  })
  @IsOptional()
  @QueryInteger(0)
  from?: number;
}
