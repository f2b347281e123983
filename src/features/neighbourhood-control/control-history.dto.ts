import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';
import { IsInstant } from '../input-limits.js';
import { ReadModelQueryDto } from '../read-model-query.dto.js';

export class ControlHistoryQueryDto extends ReadModelQueryDto {
  @ApiPropertyOptional({ example: '2018-04-18T00:00:00Z', description: 'Only changes at or after this instant' })
  @IsOptional()
  @IsInstant()
  from?: string;

  @ApiPropertyOptional({ example: '2018-04-19T23:59:59Z', description: 'Only changes at or before this instant' })
  @IsOptional()
  @IsInstant()
  to?: string;
}

/** The columns of control-history.csv, in order. */
export const CONTROL_HISTORY_COLUMNS = ['positionId', 'previousController', 'controller', 'at', 'eventId', 'standing', 'status'] as const;
