import { ApiProperty, ApiPropertyOptional, type ApiPropertyOptions } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString } from 'class-validator';
import { type Area, POSITION_KINDS, type PositionKind, RELIABILITY_GRADES, type Reliability } from '../../domain/index.js';
import { geoJsonProperty } from '../../http/index.js';
import { IsInstant, IsText, LIMITS, QueryInteger } from '../input-limits.js';
import { BitemporalQueryDto } from '../read-model-query.dto.js';

/** Which reports a control answer counts (DESIGN.md, "Perspectives"). */
export class PerspectiveQueryDto extends BitemporalQueryDto {
  @ApiPropertyOptional({ example: '2018-04-19T12:00:00Z', description: 'Only reports published (a source\'s reportedAt, else recordedAt) by this instant' })
  @IsOptional()
  @IsInstant()
  reportedBy?: string;

  @ApiPropertyOptional({ enum: ['confirmed'], description: 'Only confirmed reports (without it, every status but refuted counts)' })
  @IsOptional()
  @IsIn(['confirmed'])
  status?: 'confirmed';

  @ApiPropertyOptional({ enum: RELIABILITY_GRADES, description: 'Only reports with a source at least this reliable (A is best)' })
  @IsOptional()
  @IsIn(RELIABILITY_GRADES)
  minReliability?: Reliability;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 6, description: 'Only reports with a source at least this credible (1 is best)' })
  @IsOptional()
  @QueryInteger(1, 6)
  minCredibility?: number;

  @ApiPropertyOptional({
    maxLength: LIMITS.nameLength,
    example: 'Amaq (أعماق)',
    description: 'Only reports citing a source of exactly this name (a protected source matches for admins only)',
  })
  @IsOptional()
  @IsString()
  @IsText(LIMITS.nameLength)
  source?: string;

  @ApiPropertyOptional({ enum: ['accepted', 'all'], default: 'accepted', description: 'all: conflicting and corroborating reports fold too' })
  @IsOptional()
  @IsIn(['accepted', 'all'])
  claims?: 'accepted' | 'all';
}

export class NeighbourhoodControlQueryDto extends PerspectiveQueryDto {}

/** The perspective parameters of a request, if it gave any. */
export function perspectiveParameters(query: PerspectiveQueryDto): PerspectiveDto | undefined {
  const given =
    query.reportedBy !== undefined ||
    query.status !== undefined ||
    query.minReliability !== undefined ||
    query.minCredibility !== undefined ||
    query.source !== undefined ||
    query.claims !== undefined;
  if (!given) return undefined;
  return {
    ...(query.reportedBy !== undefined && { reportedBy: new Date(Date.parse(query.reportedBy)).toISOString() }),
    ...(query.status !== undefined && { status: query.status }),
    ...(query.minReliability !== undefined && { minReliability: query.minReliability }),
    ...(query.minCredibility !== undefined && { minCredibility: query.minCredibility }),
    ...(query.source !== undefined && { source: query.source }),
    claims: query.claims ?? 'accepted',
  };
}

export class PerspectiveDto {
  @ApiPropertyOptional() reportedBy?: string;
  @ApiPropertyOptional({ enum: ['confirmed'] }) status?: 'confirmed';
  @ApiPropertyOptional({ enum: RELIABILITY_GRADES }) minReliability?: Reliability;
  @ApiPropertyOptional({ type: 'integer' }) minCredibility?: number;
  @ApiPropertyOptional() source?: string;
  @ApiProperty({ enum: ['accepted', 'all'] }) claims!: 'accepted' | 'all';
}

export class SkippedReportDto {
  @ApiProperty({ format: 'uuid' }) eventId!: string;
  @ApiProperty({ enum: ['ALREADY_CONTROLLED', 'NOT_CONTROLLED'] }) code!: 'ALREADY_CONTROLLED' | 'NOT_CONTROLLED';
}

export const UNCERTAIN_DESCRIPTION =
  'asOf lies in the time-precision window ([occurredAt truncated in UTC to its timePrecision, + one unit)) of the report that ' +
  'gave the position to its controller, or of the next report of this view that gives it to someone else: the answer may ' +
  'change within the precision the reports give';

export class EvidenceDto {
  @ApiProperty({ type: 'integer', description: 'The report that set the controller, and the later ones that say the same' }) reports!: number;
  @ApiProperty({ type: 'integer', description: 'Distinct source names among them' }) sources!: number;
  @ApiProperty({ enum: RELIABILITY_GRADES, nullable: true }) bestReliability!: Reliability | null;
  @ApiProperty({ type: 'integer', nullable: true }) bestCredibility!: number | null;
}

/** A GeoJSON Polygon or MultiPolygon, as registered. */
export const AREA_SCHEMA: ApiPropertyOptions = geoJsonProperty({
  nullable: true,
  description: 'Its extent on the map as registered: a GeoJSON Polygon or MultiPolygon; null when none was given',
});

/** A position as registered: what every answer that lists positions says of each. */
export class PositionRegistrationDto {
  @ApiProperty({ example: 'bakery-block-1' }) id!: string;
  @ApiProperty({ example: 'Abu Turabi bakery, block 1' }) name!: string;
  @ApiProperty({ type: String, nullable: true, example: 'فرن أبو ترابي' }) nameAr!: string | null;
  @ApiProperty({ type: String, nullable: true, enum: POSITION_KINDS }) kind!: PositionKind | null;
  @ApiProperty({ example: 1 }) weight!: number;
  @ApiProperty({ type: [Number], nullable: true, example: [36.3049, 33.4862], description: '[longitude, latitude]; null when none was given' })
  coordinates!: [number, number] | null;
  @ApiProperty(AREA_SCHEMA) area!: Area | null;
}

export class PositionControlDto extends PositionRegistrationDto {
  @ApiProperty({ type: String, nullable: true, example: 'isis', description: 'null: nobody holds it' })
  controller!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'Islamic State', description: "The controller's name; null when nobody holds it" })
  controllerName!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    description: "The neighbourhood's controlAsOf, or the occurredAt of the event that gave it to `controller`; null before the baseline",
  })
  since!: string | null;
  @ApiProperty({ description: 'An attack or counterattack targets it, and no change of hands has come since' })
  contested!: boolean;
  @ApiProperty({ type: [String], description: 'The distinct attackers of the open contests, sorted' })
  contestedBy!: string[];
  @ApiProperty({ type: String, nullable: true, format: 'uuid', description: 'The event that gave it to `controller`; null at the baseline' })
  eventId!: string | null;
  @ApiProperty({ type: EvidenceDto }) evidence!: EvidenceDto;
  @ApiProperty({ description: UNCERTAIN_DESCRIPTION }) uncertain!: boolean;
}

export class NeighbourhoodControlDto {
  @ApiProperty({ example: 'damascus-tadamon' }) neighbourhoodId!: string;
  @ApiProperty({ description: 'The instant answered for, in UTC (default: the time of the request)' }) asOf!: string;
  @ApiProperty({ description: 'Only what was recorded by this instant counts, in UTC (default: the time of the request)' }) knownAt!: string;
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
  @ApiPropertyOptional({ type: PerspectiveDto, description: 'The perspective asked for, normalised; absent for the default view' })
  perspective?: PerspectiveDto;
  @ApiPropertyOptional({ type: [SkippedReportDto], description: "Reports the perspective's fold could not apply" })
  skipped?: SkippedReportDto[];
  @ApiProperty({ type: 'integer', description: 'The log position the answer reflects' }) position!: number;
}
