import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsOptional, IsString, IsUUID } from 'class-validator';
import {
  INCIDENT_TYPES,
  type IncidentType,
  REPORT_STATUSES,
  type ReportStatus,
  STANDINGS,
  type Standing,
  TIME_PRECISIONS,
  type TimePrecision,
} from '../../domain/index.js';
import { IsInstant, IsSlug, IsText, LIMITS } from '../input-limits.js';
import { NotForExports, PageCursor, PageLimit } from '../paging.js';
import { ReadModelQueryDto } from '../read-model-query.dto.js';

/** A query parameter that may be given several times: always a list. */
const repeatable = () => Transform(({ value }: { value: unknown }) => (value === undefined || Array.isArray(value) ? value : [value]));

/** The filters of every timeline query, paged or exported. */
export class TimelineFiltersDto extends ReadModelQueryDto {
  @ApiPropertyOptional({ example: '2018-04-18T00:00:00Z', description: 'Only incidents that occurred at or after this instant' })
  @IsOptional()
  @IsInstant()
  from?: string;

  @ApiPropertyOptional({ example: '2018-04-19T23:59:59Z', description: 'Only incidents that occurred at or before this instant' })
  @IsOptional()
  @IsInstant()
  to?: string;

  @ApiPropertyOptional({ enum: INCIDENT_TYPES, isArray: true, description: 'Only incidents of these types (repeatable)' })
  @IsOptional()
  @repeatable()
  @IsArray()
  @ArrayMaxSize(INCIDENT_TYPES.length)
  @IsIn(INCIDENT_TYPES, { each: true })
  type?: IncidentType[];

  @ApiPropertyOptional({ example: 'isis', description: 'Only incidents naming this actor in any role' })
  @IsOptional()
  @IsString()
  @IsSlug()
  actor?: string;

  @ApiPropertyOptional({ description: 'Only reports recorded by this instant, each with its status and standing as they were then' })
  @IsOptional()
  @IsInstant()
  knownAt?: string;

  @ApiPropertyOptional({ description: 'Only reports published (their reportedAt) by this instant' })
  @IsOptional()
  @IsInstant()
  reportedBy?: string;

  @ApiPropertyOptional({ enum: STANDINGS })
  @IsOptional()
  @IsIn(STANDINGS)
  standing?: Standing;

  @ApiPropertyOptional({ enum: REPORT_STATUSES })
  @IsOptional()
  @IsIn(REPORT_STATUSES)
  status?: ReportStatus;

  @ApiPropertyOptional({ description: 'Only reports citing a source of exactly this name (a protected source matches for admins only)' })
  @IsOptional()
  @IsString()
  @IsText(LIMITS.nameLength)
  source?: string;

  @ApiPropertyOptional({ type: [String], format: 'uuid', description: 'Only these reports (repeatable, at most 100)' })
  @IsOptional()
  @repeatable()
  @IsArray()
  @ArrayMaxSize(100)
  @IsUUID(undefined, { each: true })
  eventId?: string[];
}

/** A page of a timeline. */
export class TimelineQueryDto extends TimelineFiltersDto {
  @PageLimit() limit?: number;
  @PageCursor() cursor?: string;
}

export class NeighbourhoodTimelineQueryDto extends TimelineQueryDto {}

/** A page of the timeline across neighbourhoods. */
export class CityTimelineQueryDto extends TimelineQueryDto {
  @ApiPropertyOptional({ example: 'Damascus', description: 'Only the neighbourhoods of this city (exact match); every neighbourhood without it' })
  @IsOptional()
  @IsString()
  @IsText(LIMITS.nameLength)
  city?: string;
}

/** A timeline export: every filter of the paged timeline; `limit` and `cursor` are refused with a word on why. */
export class TimelineCsvQueryDto extends TimelineFiltersDto {
  @NotForExports() limit?: unknown;
  @NotForExports() cursor?: unknown;
}

/** The export of the timeline across neighbourhoods. */
export class CityTimelineCsvQueryDto extends TimelineCsvQueryDto {
  @ApiPropertyOptional({ example: 'Damascus', description: 'Only the neighbourhoods of this city (exact match); every neighbourhood without it' })
  @IsOptional()
  @IsString()
  @IsText(LIMITS.nameLength)
  city?: string;
}

export class TimelineRetractionDto {
  @ApiProperty({ format: 'uuid', description: 'The ReportRetracted event' }) eventId!: string;
  @ApiProperty() reason!: string;
  @ApiProperty() recordedAt!: string;
}

export class TimelineAssessmentDto {
  @ApiProperty({ enum: ['confirmed', 'disputed', 'refuted'] }) status!: string;
  @ApiProperty() reason!: string;
  @ApiProperty() recordedAt!: string;
  @ApiProperty({ type: String, nullable: true, description: 'The id of the key that assessed it' }) recordedBy!: string | null;
}

export class TimelineItemDto {
  @ApiProperty({ format: 'uuid' }) eventId!: string;
  @ApiProperty({ example: 'damascus-tadamon' }) neighbourhoodId!: string;
  @ApiProperty({ enum: INCIDENT_TYPES }) type!: IncidentType;
  @ApiProperty({ example: '2018-04-18T06:00:00.000Z' }) occurredAt!: string;
  @ApiProperty({ enum: TIME_PRECISIONS }) timePrecision!: TimePrecision;
  @ApiProperty({ description: "When the world could know: the earliest source's reportedAt, else recordedAt" }) reportedAt!: string;
  @ApiProperty({ description: 'When the server recorded the report' }) recordedAt!: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'What the report says, as recorded; its sources and standing are fields of the item',
  })
  data!: Record<string, unknown>;
  @ApiProperty({
    type: 'array',
    items: { type: 'object', additionalProperties: true },
    description: 'Who reported it; a protected source shows only {protected, kind, reliability, credibility, reportedAt?} unless the caller is an admin',
  })
  sources!: unknown[];
  @ApiProperty({ enum: STANDINGS, description: 'How it stands against the accepted timeline (at knownAt)' }) standing!: Standing;
  @ApiProperty({ enum: REPORT_STATUSES, description: 'Its latest assessment (at knownAt), else unverified' }) status!: ReportStatus;
  @ApiPropertyOptional({ type: [String], description: 'While conflicting: the accepted events it contradicts' }) conflictsWith?: string[];
  @ApiPropertyOptional({ enum: ['NOT_CONTROLLED', 'TIMELINE_CONFLICT'], description: 'While conflicting: what refuse mode would have answered' })
  conflictCode?: string;
  @ApiPropertyOptional({ type: [String], description: 'The accepted events that made its corroborated positions stand as it claims' })
  corroborates?: string[];
  @ApiProperty({ type: [TimelineAssessmentDto] }) assessments!: TimelineAssessmentDto[];
  @ApiProperty({ description: 'Withdrawn by a ReportRetracted: it counts nowhere, but stays on the timeline' })
  retracted!: boolean;
  @ApiPropertyOptional({ type: TimelineRetractionDto, description: 'Present when retracted' })
  retraction?: TimelineRetractionDto;
}

export class NeighbourhoodTimelineDto {
  @ApiProperty({ type: [TimelineItemDto], description: 'In (occurredAt, log position) order' }) items!: TimelineItemDto[];
  @ApiPropertyOptional({ description: 'Present while more items remain: pass it as cursor for the next page' }) nextCursor?: string;
  @ApiProperty({ type: 'integer', description: 'The log position the answer reflects' }) position!: number;
}
