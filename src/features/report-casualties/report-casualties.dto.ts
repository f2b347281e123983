import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsOptional, ValidateNested } from 'class-validator';
import type { CasualtyFigure, ReportCasualties } from '../../domain/index.js';
import { present } from '../command-endpoint.js';
import { IsSlug } from '../input-limits.js';
import { CasualtyFigureDto, ReportDto, reportFields } from '../report-fields.dto.js';

export class ReportCasualtiesDto extends ReportDto {
  @ApiPropertyOptional({ example: 'syrian-regime', description: 'Whose casualties; omitted when unattributed' })
  @IsOptional()
  @IsSlug()
  actor?: string;

  @ApiProperty({ type: CasualtyFigureDto })
  @ValidateNested()
  @Type(() => CasualtyFigureDto)
  killed!: CasualtyFigureDto;

  @ApiPropertyOptional({ type: CasualtyFigureDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => CasualtyFigureDto)
  wounded?: CasualtyFigureDto;

  toCommand(neighbourhoodId: string): ReportCasualties {
    return {
      type: 'ReportCasualties',
      neighbourhoodId,
      ...(this.actor ? { actor: this.actor } : {}),
      killed: figure(this.killed),
      ...(this.wounded ? { wounded: figure(this.wounded) } : {}),
      ...reportFields(this),
    };
  }
}

const figure = (dto: CasualtyFigureDto): CasualtyFigure => present({ low: dto.low, best: dto.best, high: dto.high });
