import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString } from 'class-validator';
import type { Area, RegisterNeighbourhood } from '../../domain/index.js';
import { IsArea } from '../geojson-area.js';
import { IsInstant, IsSlug, IsText, LIMITS } from '../input-limits.js';
import { PositionsDto, areaProperty, positionSpecs } from '../report-fields.dto.js';

export class RegisterNeighbourhoodDto extends PositionsDto {
  @ApiProperty({ example: 'damascus-tadamon', maxLength: LIMITS.idLength })
  @IsString()
  @IsSlug()
  id!: string;

  @ApiProperty({ example: 'Tadamon', maxLength: LIMITS.nameLength })
  @IsString()
  @IsText(LIMITS.nameLength)
  name!: string;

  @ApiPropertyOptional({ example: 'حي التضامن', maxLength: LIMITS.nameLength })
  @IsOptional()
  @IsString()
  @IsText(LIMITS.nameLength)
  nameAr?: string;

  @ApiProperty({ example: 'Damascus', maxLength: LIMITS.nameLength })
  @IsString()
  @IsText(LIMITS.nameLength)
  city!: string;

  @ApiProperty({ example: 'Syria', maxLength: LIMITS.nameLength })
  @IsString()
  @IsText(LIMITS.nameLength)
  country!: string;

  @ApiProperty({ example: '2018-04-16T00:00:00Z', description: 'The instant at which the positions\' controllers are known' })
  @IsInstant()
  controlAsOf!: string;

  @ApiPropertyOptional(areaProperty("The neighbourhood's boundary"))
  @IsOptional()
  @IsArea()
  outline?: Area;
}

/** The domain command this request asks for. */
export function toRegisterNeighbourhoodCommand(dto: RegisterNeighbourhoodDto): RegisterNeighbourhood {
  return {
    type: 'RegisterNeighbourhood',
    neighbourhoodId: dto.id,
    name: dto.name,
    ...(dto.nameAr ? { nameAr: dto.nameAr } : {}),
    city: dto.city,
    country: dto.country,
    controlAsOf: dto.controlAsOf,
    ...(dto.outline !== undefined && dto.outline !== null ? { outline: dto.outline } : {}),
    positions: positionSpecs(dto.positions),
  };
}
