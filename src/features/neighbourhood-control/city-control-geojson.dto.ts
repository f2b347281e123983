import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString } from 'class-validator';
import { IsText, LIMITS } from '../input-limits.js';
import { BitemporalQueryDto } from '../read-model-query.dto.js';

export class CityControlGeoJsonQueryDto extends BitemporalQueryDto {
  @ApiPropertyOptional({ example: 'Damascus', description: 'Only the neighbourhoods of this city (exact match)' })
  @IsOptional()
  @IsString()
  @IsText(LIMITS.nameLength)
  city?: string;
}
