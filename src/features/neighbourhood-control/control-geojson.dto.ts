import { ApiProperty, getSchemaPath } from '@nestjs/swagger';
import type { Area } from '../../domain/index.js';
import { BitemporalQueryDto } from '../read-model-query.dto.js';
import { EvidenceDto, UNCERTAIN_DESCRIPTION } from './neighbourhood-control.dto.js';

export class ControlGeoJsonQueryDto extends BitemporalQueryDto {}

export class ControlFeaturePropertiesDto {
  @ApiProperty({ example: 'damascus-tadamon' }) neighbourhoodId!: string;
  @ApiProperty({ example: 'bakery-block-1' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: String, nullable: true }) nameAr!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'block' }) kind!: string | null;
  @ApiProperty() weight!: number;
  @ApiProperty({ type: String, nullable: true, example: 'isis' }) controller!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'Islamic State' }) controllerName!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'isis', description: "The controller's side: colour the map by it" })
  side!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'UTC; null before the baseline' }) since!: string | null;
  @ApiProperty() contested!: boolean;
  @ApiProperty({ type: [String], description: 'The distinct attackers of the open contests, sorted' }) contestedBy!: string[];
  @ApiProperty({ type: String, nullable: true, format: 'uuid' }) eventId!: string | null;
  @ApiProperty({ type: EvidenceDto }) evidence!: EvidenceDto;
  @ApiProperty({ description: UNCERTAIN_DESCRIPTION }) uncertain!: boolean;
}

export class PointGeometryDto {
  @ApiProperty({ enum: ['Point'] }) type!: 'Point';
  @ApiProperty({ type: [Number], minItems: 2, maxItems: 2, example: [36.3, 33.47], description: '[longitude, latitude]' })
  coordinates!: [number, number];
}

export class AreaGeometryDto {
  @ApiProperty({ enum: ['Polygon', 'MultiPolygon'] }) type!: 'Polygon' | 'MultiPolygon';
  @ApiProperty({ type: 'array', items: {}, description: 'As registered (RFC 7946 §3.1.6-7)' }) coordinates!: unknown[];
}

export class ControlFeatureDto {
  @ApiProperty({ enum: ['Feature'] }) type!: 'Feature';
  @ApiProperty({ description: 'The position id' }) id!: string;
  @ApiProperty({
    nullable: true,
    oneOf: [{ $ref: getSchemaPath(AreaGeometryDto) }, { $ref: getSchemaPath(PointGeometryDto) }],
    description: "The position's area, else a Point at its coordinates, else null (RFC 7946 §3.2: a feature without a location)",
  })
  geometry!: Area | PointGeometryDto | null;
  @ApiProperty({ type: ControlFeaturePropertiesDto }) properties!: ControlFeaturePropertiesDto;
}

/** RFC 7946 FeatureCollection; neighbourhoodId, asOf, knownAt and position are foreign members (§6.1). */
export class ControlFeatureCollectionDto {
  @ApiProperty({ enum: ['FeatureCollection'] }) type!: 'FeatureCollection';
  @ApiProperty({ type: [ControlFeatureDto], description: 'One feature per position, in the order of /control' })
  features!: ControlFeatureDto[];
  @ApiProperty() neighbourhoodId!: string;
  @ApiProperty({ description: 'UTC' }) asOf!: string;
  @ApiProperty({ description: 'UTC' }) knownAt!: string;
  @ApiProperty({ type: 'integer', description: 'The log position the answer reflects' }) position!: number;
}
