import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsObject, IsOptional, ValidateNested } from 'class-validator';
import type { CasualtyFigure, ReportCasualties } from '../../domain/index.js';
import { NestedType } from '../../http/nested-type.decorator.js';
import { present } from '../command-endpoint.js';
import { IsSlug } from '../input-limits.js';
import { CasualtyFigureDto, ReportDto, reportFields } from '../report-fields.dto.js';

export class ReportCasualtiesDto extends ReportDto {
  @ApiPropertyOptional({ example: 'syrian-regime', description: 'Whose casualties; omitted when unattributed' })
  @IsOptional()
  @IsSlug()
  actor?: string;

  @ApiProperty({ type: CasualtyFigureDto })
  @IsObject()
  @ValidateNested()
  @NestedType(() => CasualtyFigureDto)
  killed!: CasualtyFigureDto;

  @ApiPropertyOptional({ type: CasualtyFigureDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @NestedType(() => CasualtyFigureDto)
  wounded?: CasualtyFigureDto;
}

const figure = (dto: CasualtyFigureDto): CasualtyFigure => present({ low: dto.low, best: dto.best, high: dto.high });

/** The domain command this request asks for. */
export function toReportCasualtiesCommand(dto: ReportCasualtiesDto, neighbourhoodId: string): ReportCasualties {
  return {
    type: 'ReportCasualties',
    neighbourhoodId,
    ...(dto.actor ? { actor: dto.actor } : {}),
    killed: figure(dto.killed),
    ...(dto.wounded ? { wounded: figure(dto.wounded) } : {}),
    ...reportFields(dto),
  };
}
