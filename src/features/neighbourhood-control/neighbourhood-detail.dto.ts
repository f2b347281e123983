import { ApiProperty } from '@nestjs/swagger';
import type { Area } from '../../domain/index.js';
import { geoJsonProperty } from '../../http/index.js';
import { ReadModelQueryDto } from '../read-model-query.dto.js';
import { PositionRegistrationDto } from './neighbourhood-control.dto.js';

export class NeighbourhoodDetailQueryDto extends ReadModelQueryDto {}

export class RegisteredPositionDto extends PositionRegistrationDto {
  @ApiProperty({ type: String, nullable: true, example: 'syrian-regime', description: "Who held it at the neighbourhood's controlAsOf; null for nobody" })
  baselineController!: string | null;
}

export class NeighbourhoodDetailDto {
  @ApiProperty({ example: 'damascus-tadamon' }) id!: string;
  @ApiProperty({ example: 'Tadamon' }) name!: string;
  @ApiProperty({ type: String, nullable: true, example: 'حي التضامن' }) nameAr!: string | null;
  @ApiProperty({ example: 'Damascus' }) city!: string;
  @ApiProperty({ example: 'Syria' }) country!: string;
  @ApiProperty({ description: 'UTC: the baseline instant at which the positions were held by their baselineController' }) controlAsOf!: string;
  @ApiProperty(geoJsonProperty({ nullable: true, description: "The neighbourhood's boundary as registered (GeoJSON Polygon or MultiPolygon); null when none was given" }))
  outline!: Area | null;
  @ApiProperty({ type: [RegisteredPositionDto], description: 'In the order they were registered (as /control lists them)' })
  positions!: RegisteredPositionDto[];
  @ApiProperty({ type: String, nullable: true, description: 'UTC: occurredAt of its earliest incident that is not retracted; null when none' })
  firstIncidentAt!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'UTC: occurredAt of its latest incident that is not retracted; null when none' })
  lastIncidentAt!: string | null;
  @ApiProperty({
    type: [String],
    description: "The distinct names of the sources its reports cite (retracted ones included), sorted; protected sources only for admins",
  })
  sources!: string[];
  @ApiProperty({ type: 'integer', description: 'The log position the answer reflects' }) position!: number;
}
