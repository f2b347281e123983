import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString } from 'class-validator';
import { IsText, LIMITS } from '../input-limits.js';
import { BitemporalPageQueryDto } from '../paging.js';

export class ListNeighbourhoodsQueryDto extends BitemporalPageQueryDto {
  @ApiPropertyOptional({ example: 'Damascus', description: 'Only the neighbourhoods of this city (exact match)' })
  @IsOptional()
  @IsString()
  @IsText(LIMITS.nameLength)
  city?: string;
}

export class NeighbourhoodSummaryDto {
  @ApiProperty({ example: 'damascus-tadamon' }) id!: string;
  @ApiProperty({ example: 'Tadamon' }) name!: string;
  @ApiProperty({ type: String, nullable: true, example: 'حي التضامن' }) nameAr!: string | null;
  @ApiProperty({ example: 'Damascus' }) city!: string;
  @ApiProperty({ type: String, nullable: true, description: 'The actor holding strictly more than half the weight at asOf, else null' })
  majorityController!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'number' }, description: 'Per actor: fraction of the total weight held at asOf' })
  shares!: Record<string, number>;
  @ApiProperty({ type: 'integer' }) contestedPositions!: number;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'occurredAt (UTC) of the latest incident at or before asOf that is not retracted (at knownAt); null when none',
  })
  lastEventAt!: string | null;
}

export class NeighbourhoodListDto {
  @ApiProperty({ type: [NeighbourhoodSummaryDto], description: 'By id; neighbourhoods registered by knownAt' }) items!: NeighbourhoodSummaryDto[];
  @ApiPropertyOptional({ description: 'Present while more items remain: pass it as cursor for the next page' }) nextCursor?: string;
  @ApiProperty({ description: 'UTC' }) asOf!: string;
  @ApiProperty({ description: 'UTC' }) knownAt!: string;
  @ApiProperty({ type: 'integer', description: 'The log position the answer reflects' }) position!: number;
}
