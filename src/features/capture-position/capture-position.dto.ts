import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsUUID } from 'class-validator';
import type { CapturePosition, OnConflict } from '../../domain/index.js';
import { IsSlug, LIMITS } from '../input-limits.js';
import { IsIdList, OnConflictProperty, ReportDto, reportFields } from '../report-fields.dto.js';

export class CapturePositionDto extends ReportDto {
  @ApiProperty({ example: 'isis', description: 'The captor' })
  @IsSlug()
  by!: string;

  @ApiProperty({ type: [String], minItems: 1, maxItems: LIMITS.positionsPerCommand })
  @IsIdList(LIMITS.positionsPerCommand, 1)
  positions!: string[];

  @ApiPropertyOptional({ format: 'uuid', description: 'The attack or counterattack this capture resulted from' })
  @IsOptional()
  @IsUUID()
  attackId?: string;

  @OnConflictProperty()
  onConflict?: OnConflict;
}

/** The domain command this request asks for. */
export function toCapturePositionCommand(dto: CapturePositionDto, neighbourhoodId: string): CapturePosition {
  return {
    type: 'CapturePosition',
    neighbourhoodId,
    by: dto.by,
    positions: dto.positions,
    ...(dto.attackId ? { attackId: dto.attackId } : {}),
    ...(dto.onConflict ? { onConflict: dto.onConflict } : {}),
    ...reportFields(dto),
  };
}
