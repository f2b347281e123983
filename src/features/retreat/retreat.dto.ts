import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';
import type { OnConflict, Retreat } from '../../domain/index.js';
import { IsSlug, LIMITS } from '../input-limits.js';
import { IsIdList, OnConflictProperty, ReportDto, reportFields } from '../report-fields.dto.js';

export class RetreatDto extends ReportDto {
  @ApiProperty({ example: 'syrian-regime', description: 'The withdrawing actor' })
  @IsSlug()
  by!: string;

  @ApiProperty({ type: [String], minItems: 1, maxItems: LIMITS.positionsPerCommand })
  @IsIdList(LIMITS.positionsPerCommand, 1)
  positions!: string[];

  @ApiPropertyOptional({ example: 'isis', description: 'Who takes over; omitted: nobody holds them' })
  @IsOptional()
  @IsSlug()
  yieldedTo?: string;

  @OnConflictProperty()
  onConflict?: OnConflict;
}

/** The domain command this request asks for. */
export function toRetreatCommand(dto: RetreatDto, neighbourhoodId: string): Retreat {
  return {
    type: 'Retreat',
    neighbourhoodId,
    by: dto.by,
    positions: dto.positions,
    ...(dto.yieldedTo ? { yieldedTo: dto.yieldedTo } : {}),
    ...(dto.onConflict ? { onConflict: dto.onConflict } : {}),
    ...reportFields(dto),
  };
}
