import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { BitemporalPageQueryDto } from '../paging.js';
import { EvidenceDto, UNCERTAIN_DESCRIPTION } from './neighbourhood-control.dto.js';

export class ActorHoldingsQueryDto extends BitemporalPageQueryDto {}

export class HeldPositionDto {
  @ApiProperty({ example: 'bakery-block-1' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: String, nullable: true }) nameAr!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'block' }) kind!: string | null;
  @ApiProperty() weight!: number;
  @ApiProperty({ description: "UTC: the neighbourhood's controlAsOf, or the occurredAt of the event that gave it to the actor" })
  since!: string;
  @ApiProperty({ type: String, nullable: true, format: 'uuid', description: 'That event; null when held since the baseline' })
  eventId!: string | null;
  @ApiProperty() contested!: boolean;
  @ApiProperty({ type: [String], description: 'The distinct attackers of the open contests, sorted' }) contestedBy!: string[];
  @ApiProperty({ type: EvidenceDto }) evidence!: EvidenceDto;
  @ApiProperty({ description: UNCERTAIN_DESCRIPTION }) uncertain!: boolean;
}

export class NeighbourhoodHoldingDto {
  @ApiProperty({ example: 'damascus-tadamon' }) neighbourhoodId!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: String, nullable: true }) nameAr!: string | null;
  @ApiProperty() city!: string;
  @ApiProperty({ type: [HeldPositionDto], description: 'In the order of /control; a neighbourhood whose held positions span two pages appears on both' })
  positions!: HeldPositionDto[];
  @ApiProperty({ description: "Fraction of the neighbourhood's total weight the actor holds (all its positions, not only this page's)" }) share!: number;
  @ApiProperty({ description: 'The actor holds strictly more than half of it' }) majority!: boolean;
}

export class ActorHoldingsDto {
  @ApiProperty({ example: 'isis' }) actorId!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ example: 'isis' }) side!: string;
  @ApiProperty({ description: 'UTC' }) asOf!: string;
  @ApiProperty({ description: 'UTC' }) knownAt!: string;
  @ApiProperty({
    type: [NeighbourhoodHoldingDto],
    description: 'Neighbourhoods where the actor holds at least one position, by id; a page holds at most `limit` positions',
  })
  items!: NeighbourhoodHoldingDto[];
  @ApiPropertyOptional({ description: 'Present while more positions remain: pass it as cursor for the next page' }) nextCursor?: string;
  @ApiProperty({ type: 'integer', description: 'The log position the answer reflects' }) position!: number;
}
