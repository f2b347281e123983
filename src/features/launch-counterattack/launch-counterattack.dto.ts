import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsUUID } from 'class-validator';
import type { LaunchCounterattack } from '../../domain/index.js';
import { IsSlug, LIMITS } from '../input-limits.js';
import { IsIdList, ReportDto, reportFields } from '../report-fields.dto.js';

export class LaunchCounterattackDto extends ReportDto {
  @ApiProperty({ example: 'syrian-regime' })
  @IsSlug()
  by!: string;

  @ApiPropertyOptional({ example: 'isis', description: 'Whom it strikes back at, when the report names them' })
  @IsOptional()
  @IsSlug()
  against?: string;

  @ApiPropertyOptional({ type: [String], description: 'Positions struck: they become contested', maxItems: LIMITS.positionsPerCommand })
  @IsOptional()
  @IsIdList(LIMITS.positionsPerCommand)
  targets?: string[];

  @ApiPropertyOptional({ format: 'uuid', description: 'The attack this answers' })
  @IsOptional()
  @IsUUID()
  inResponseTo?: string;
}

/** The domain command this request asks for. */
export function toLaunchCounterattackCommand(dto: LaunchCounterattackDto, neighbourhoodId: string): LaunchCounterattack {
  return {
    type: 'LaunchCounterattack',
    neighbourhoodId,
    by: dto.by,
    ...(dto.against ? { against: dto.against } : {}),
    ...(dto.targets ? { targets: dto.targets } : {}),
    ...(dto.inResponseTo ? { inResponseTo: dto.inResponseTo } : {}),
    ...reportFields(dto),
  };
}
