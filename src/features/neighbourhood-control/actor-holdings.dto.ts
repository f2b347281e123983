import { ApiProperty } from '@nestjs/swagger';
import { BitemporalQueryDto } from '../read-model-query.dto.js';
import { EvidenceDto } from './neighbourhood-control.dto.js';

export class ActorHoldingsQueryDto extends BitemporalQueryDto {}

export class HeldPositionDto {
  @ApiProperty({ example: 'bakery-block-1' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: String, nullable: true }) nameAr!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'block' }) kind!: string | null;
  @ApiProperty() weight!: number;
  @ApiProperty({ description: "The neighbourhood's controlAsOf, or the occurredAt of the event that gave it to the actor" })
  since!: string;
  @ApiProperty({ type: String, nullable: true, format: 'uuid', description: 'That event; null when held since the baseline' })
  eventId!: string | null;
  @ApiProperty() contested!: boolean;
  @ApiProperty({ type: [String], description: 'The distinct attackers of the open contests, sorted' }) contestedBy!: string[];
  @ApiProperty({ type: EvidenceDto }) evidence!: EvidenceDto;
}

export class NeighbourhoodHoldingDto {
  @ApiProperty({ example: 'damascus-tadamon' }) neighbourhoodId!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: String, nullable: true }) nameAr!: string | null;
  @ApiProperty() city!: string;
  @ApiProperty({ type: [HeldPositionDto] }) positions!: HeldPositionDto[];
  @ApiProperty({ description: 'Fraction of the neighbourhood\'s total weight the actor holds' }) share!: number;
  @ApiProperty({ description: 'The actor holds strictly more than half of it' }) majority!: boolean;
}

export class ActorHoldingsDto {
  @ApiProperty({ example: 'isis' }) actorId!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ example: 'isis' }) side!: string;
  @ApiProperty() asOf!: string;
  @ApiProperty() knownAt!: string;
  @ApiProperty({ type: [NeighbourhoodHoldingDto], description: 'Neighbourhoods where the actor holds at least one position, by id' })
  items!: NeighbourhoodHoldingDto[];
  @ApiProperty({ type: 'integer', description: 'The log position the answer reflects' }) position!: number;
}
