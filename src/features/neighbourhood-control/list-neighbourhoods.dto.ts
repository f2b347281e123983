import { ApiProperty } from '@nestjs/swagger';
import { ReadModelQueryDto } from '../read-model-query.dto.js';

export class ListNeighbourhoodsQueryDto extends ReadModelQueryDto {}

export class NeighbourhoodSummaryDto {
  @ApiProperty({ example: 'damascus-tadamon' }) id!: string;
  @ApiProperty({ example: 'Tadamon' }) name!: string;
  @ApiProperty({ type: String, nullable: true, example: 'حي التضامن' }) nameAr!: string | null;
  @ApiProperty({ example: 'Damascus' }) city!: string;
  @ApiProperty({ type: String, nullable: true, description: 'The actor holding strictly more than half the weight now, else null' })
  majorityController!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'number' }, description: 'Per actor: fraction of the total weight held now' })
  shares!: Record<string, number>;
  @ApiProperty({ type: 'integer' }) contestedPositions!: number;
  @ApiProperty({ type: String, nullable: true, description: 'occurredAt of the latest incident that still counts; null when none' })
  lastEventAt!: string | null;
}

export class NeighbourhoodListDto {
  @ApiProperty({ type: [NeighbourhoodSummaryDto], description: 'By id' }) items!: NeighbourhoodSummaryDto[];
  @ApiProperty({ type: 'integer', description: 'The log position the answer reflects' }) position!: number;
}
