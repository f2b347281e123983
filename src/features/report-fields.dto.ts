import { ApiProperty, ApiPropertyOptional, type ApiPropertyOptions } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  IsUrl,
  Max,
  MaxLength,
  Min,
  ValidateBy,
  ValidateNested,
} from 'class-validator';
import { POSITION_KINDS, RELIABILITY_GRADES, TIME_PRECISIONS } from '../domain/index.js';
import type { Area, Credibility, PositionKind, PositionSpecInput, Reliability, Source, TimePrecision } from '../domain/index.js';
import { EachItem, EachItemAnObject } from '../http/item-rules.js';
import { AREA_LIMITS, IsArea } from './geojson-area.js';
import { NestedType } from '../http/nested-type.decorator.js';
import { present } from './command-endpoint.js';
import { IsInstant, IsSafeText, IsSlug, IsText, LIMITS, slugProblem } from './input-limits.js';

export class SourceDto {
  @ApiProperty({ maxLength: LIMITS.nameLength, example: 'field sources' })
  @IsString()
  @IsText(LIMITS.nameLength)
  name!: string;

  @ApiProperty({ maxLength: LIMITS.nameLength, example: 'field' })
  @IsString()
  @IsText(LIMITS.nameLength)
  kind!: string;

  @ApiProperty({ enum: RELIABILITY_GRADES, description: 'NATO Admiralty source reliability' })
  @IsIn(RELIABILITY_GRADES)
  reliability!: Reliability;

  @ApiProperty({ minimum: 1, maximum: 6, type: 'integer', description: 'NATO Admiralty information credibility' })
  @IsInt()
  @Min(1)
  @Max(6)
  credibility!: Credibility;

  @ApiPropertyOptional({ maxLength: LIMITS.urlLength, example: 'https://example.org/report' })
  @IsOptional()
  @IsString()
  @MaxLength(LIMITS.urlLength)
  @IsSafeText()
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false })
  url?: string;

  @ApiPropertyOptional({ description: 'Withhold the identity (name, URL) of this source from analysts' })
  @IsOptional()
  @IsBoolean()
  protected?: boolean;

  @ApiPropertyOptional({
    example: '2018-04-19T08:00:00Z',
    description:
      'When this source published the report (ISO 8601 with a zone); not later than the server\'s clock plus 5 minutes, not before ' +
      "the start of the report's occurredAt window",
  })
  @IsOptional()
  @IsInstant()
  reportedAt?: string;

  @ApiPropertyOptional({ maxLength: LIMITS.referenceLength, example: 'UCDP:259516', description: "The report's id at the source: a dataset's row id, an article id" })
  @IsOptional()
  @IsString()
  @IsText(LIMITS.referenceLength)
  reference?: string;
}

/** Fields every incident report carries. */
export abstract class ReportDto {
  @ApiProperty({ example: '2018-04-18T06:00:00Z', description: 'ISO 8601 instant with a zone' })
  @IsInstant()
  occurredAt!: string;

  @ApiPropertyOptional({ enum: TIME_PRECISIONS, default: 'exact' })
  @IsOptional()
  @IsIn(TIME_PRECISIONS)
  timePrecision?: TimePrecision;

  @ApiProperty({ type: [SourceDto], minItems: 1, maxItems: LIMITS.sourcesPerReport })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(LIMITS.sourcesPerReport)
  @EachItemAnObject()
  @ValidateNested({ each: true })
  @NestedType(() => SourceDto)
  sources!: SourceDto[];

  @ApiPropertyOptional({ maxLength: LIMITS.notesLength })
  @IsOptional()
  @IsString()
  @IsText(LIMITS.notesLength)
  notes?: string;
}

export class PositionSpecDto {
  @ApiProperty({ example: 'abu-turabi-bakery-1' })
  @IsString()
  @IsSlug()
  id!: string;

  @ApiProperty({ maxLength: LIMITS.nameLength, example: 'Abu Turabi bakery, block 1' })
  @IsString()
  @IsText(LIMITS.nameLength)
  name!: string;

  @ApiPropertyOptional({ maxLength: LIMITS.nameLength, example: 'فرن أبو ترابي' })
  @IsOptional()
  @IsString()
  @IsText(LIMITS.nameLength)
  nameAr?: string;

  @ApiPropertyOptional({ enum: POSITION_KINDS })
  @IsOptional()
  @IsIn(POSITION_KINDS)
  kind?: PositionKind;

  @ApiPropertyOptional({ default: 1, exclusiveMinimum: true, minimum: 0, maximum: 1_000_000 })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0.000001)
  @Max(1_000_000)
  weight?: number;

  @ApiPropertyOptional({ type: [Number], minItems: 2, maxItems: 2, example: [36.3, 33.47], description: '[longitude, latitude]' })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(2)
  @ArrayMaxSize(2)
  @IsNumber({ allowNaN: false, allowInfinity: false }, { each: true })
  @IsLonLat()
  coordinates?: [number, number];

  @ApiPropertyOptional(areaProperty('Its extent on the map, beside or instead of coordinates'))
  @IsOptional()
  @IsArea()
  area?: Area;

  @ApiPropertyOptional({ nullable: true, description: 'Actor holding it at the baseline; null for nobody' })
  @IsOptional()
  @IsString()
  @IsSlug()
  controller?: string | null;
}

export class PositionsDto {
  @ApiProperty({ type: [PositionSpecDto], minItems: 1, maxItems: LIMITS.positionsPerCommand })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(LIMITS.positionsPerCommand)
  @EachItemAnObject()
  @ValidateNested({ each: true })
  @NestedType(() => PositionSpecDto)
  positions!: PositionSpecDto[];
}

export class CasualtyFigureDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 0 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(LIMITS.casualtyFigureMax)
  low?: number;

  @ApiProperty({ type: 'integer', minimum: 0 })
  @IsInt()
  @Min(0)
  @Max(LIMITS.casualtyFigureMax)
  best!: number;

  @ApiPropertyOptional({ type: 'integer', minimum: 0 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(LIMITS.casualtyFigureMax)
  high?: number;
}

/** Ids of actors or positions: unique slugs, bounded; a wrong item is reported at its index. */
export function IsIdList(maxSize: number, minSize = 0): PropertyDecorator {
  return (target, key) => {
    IsArray()(target, key);
    ArrayMinSize(minSize)(target, key);
    ArrayMaxSize(maxSize)(target, key);
    ArrayUnique(undefined, { message: `${String(key)} must not list an id twice` })(target, key);
    EachItem('eachItemASlug', slugProblem)(target, key);
  };
}

/** The OpenAPI description of an area field (`area` of a position, `outline` of a neighbourhood). */
export function areaProperty(description: string): ApiPropertyOptions {
  return {
    type: 'object',
    additionalProperties: false,
    required: ['type', 'coordinates'],
    properties: {
      type: { type: 'string', enum: ['Polygon', 'MultiPolygon'] },
      coordinates: { type: 'array', items: {}, description: 'As RFC 7946 §3.1.6 (Polygon) or §3.1.7 (MultiPolygon)' },
    },
    example: { type: 'Polygon', coordinates: [[[36.304, 33.486], [36.306, 33.486], [36.306, 33.487], [36.304, 33.486]]] },
    description:
      `${description}: a GeoJSON Polygon or MultiPolygon, WGS 84 [longitude, latitude] positions; every ring closed with at ` +
      `least ${AREA_LIMITS.minRingPositions} positions, at most ${AREA_LIMITS.maxVertices} positions in all; ring orientation and holes are kept as sent`,
  };
}

function IsLonLat(): PropertyDecorator {
  return ValidateBy({
    name: 'isLonLat',
    validator: {
      validate: (value: unknown) =>
        Array.isArray(value) &&
        typeof value[0] === 'number' &&
        typeof value[1] === 'number' &&
        Math.abs(value[0]) <= 180 &&
        Math.abs(value[1]) <= 90,
      defaultMessage: () => 'coordinates must be [longitude, latitude] with |longitude| <= 180 and |latitude| <= 90',
    },
  });
}

/** The fields of a report as the domain takes them: nulls dropped, sources cleaned. */
export function reportFields(dto: ReportDto): Pick<ReportDto, 'occurredAt' | 'timePrecision' | 'notes'> & { sources: Source[] } {
  return {
    occurredAt: dto.occurredAt,
    ...(dto.timePrecision ? { timePrecision: dto.timePrecision } : {}),
    ...(dto.notes !== undefined && dto.notes !== null ? { notes: dto.notes } : {}),
    sources: dto.sources.map(
      (s): Source => ({
        name: s.name,
        kind: s.kind,
        reliability: s.reliability,
        credibility: s.credibility,
        ...(s.url !== undefined && s.url !== null ? { url: s.url } : {}),
        ...(s.protected !== undefined && s.protected !== null ? { protected: s.protected } : {}),
        ...(s.reportedAt !== undefined && s.reportedAt !== null ? { reportedAt: s.reportedAt } : {}),
        ...(s.reference !== undefined && s.reference !== null ? { reference: s.reference } : {}),
      }),
    ),
  };
}

/** Positions as the domain takes them: optional nulls dropped, an explicit null controller kept. */
export function positionSpecs(positions: readonly PositionSpecDto[]): PositionSpecInput[] {
  return positions.map((p) => {
    const { controller, ...rest } = p;
    return { ...present(rest), ...(controller !== undefined ? { controller } : {}) } as PositionSpecInput;
  });
}

/** `onConflict` of captures and retreats: refuse a contradicting report (the default), or record it as a claim. */
export function OnConflictProperty(): PropertyDecorator {
  return (target, key) => {
    ApiPropertyOptional({
      enum: ['refuse', 'record'],
      default: 'refuse',
      description: 'record: a report that contradicts the accepted timeline is stored as a claim, and the answer says how it stands',
    })(target, key);
    IsOptional()(target, key);
    IsIn(['refuse', 'record'])(target, key);
  };
}
