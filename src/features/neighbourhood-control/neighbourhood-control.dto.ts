import { ApiProperty } from '@nestjs/swagger';
import { BitemporalQueryDto } from '../read-model-query.dto.js';

export class NeighbourhoodControlQueryDto extends BitemporalQueryDto {}

export class PositionControlDto {
  @ApiProperty({ example: 'bakery-block-1' }) id!: string;
  @ApiProperty({ example: 'Abu Turabi bakery, block 1' }) name!: string;
  @ApiProperty({ type: String, nullable: true, example: 'isis', description: 'null: nobody holds it' })
  controller!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    description: "The neighbourhood's controlAsOf, or the occurredAt of the event that gave it to `controller`; null before the baseline",
  })
  since!: string | null;
  @ApiProperty({ description: 'An attack or counterattack targets it, and no capture or retreat has come since' })
  contested!: boolean;
  @ApiProperty({ type: String, nullable: true, format: 'uuid', description: 'The event that gave it to `controller`; null at the baseline' })
  eventId!: string | null;
}

export class NeighbourhoodControlDto {
  @ApiProperty({ example: 'damascus-tadamon' }) neighbourhoodId!: string;
  @ApiProperty({ description: 'The instant answered for, as asked (default: the time of the request)' }) asOf!: string;
  @ApiProperty({ description: 'Only what was recorded by this instant counts' }) knownAt!: string;
  @ApiProperty({ type: [PositionControlDto], description: 'In the order the positions were registered' })
  positions!: PositionControlDto[];
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'number' },
    example: { isis: 0.72, 'syrian-regime': 0.28 },
    description: 'Per actor: the fraction of the total position weight it holds',
  })
  shares!: Record<string, number>;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'number' },
    example: { isis: 0.72, 'pro-government': 0.28 },
    description: 'Per side: the fraction of the total position weight its actors hold',
  })
  sideShares!: Record<string, number>;
  @ApiProperty({ type: String, nullable: true, description: 'The actor holding strictly more than half the weight, else null' })
  majorityController!: string | null;
  @ApiProperty({ type: 'integer' }) contestedPositions!: number;
  @ApiProperty({ type: 'integer', description: 'The log position the answer reflects' }) position!: number;
}
