import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { INCIDENT_TYPES, type IncidentType, TIME_PRECISIONS, type TimePrecision } from '../../domain/index.js';
import { ReadModelQueryDto } from '../read-model-query.dto.js';
import { IsInstant } from '../input-limits.js';

export class NeighbourhoodTimelineQueryDto extends ReadModelQueryDto {
  @ApiPropertyOptional({ example: '2018-04-18T00:00:00Z', description: 'Only incidents that occurred at or after this instant' })
  @IsOptional()
  @IsInstant()
  from?: string;

  @ApiPropertyOptional({ example: '2018-04-19T23:59:59Z', description: 'Only incidents that occurred at or before this instant' })
  @IsOptional()
  @IsInstant()
  to?: string;

  @ApiPropertyOptional({ enum: INCIDENT_TYPES, description: 'Only incidents of this type' })
  @IsOptional()
  @IsIn(INCIDENT_TYPES)
  type?: IncidentType;
}

export class TimelineRetractionDto {
  @ApiProperty({ format: 'uuid', description: 'The ReportRetracted event' }) eventId!: string;
  @ApiProperty() reason!: string;
  @ApiProperty() recordedAt!: string;
}

export class TimelineItemDto {
  @ApiProperty({ format: 'uuid' }) eventId!: string;
  @ApiProperty({ enum: INCIDENT_TYPES }) type!: IncidentType;
  @ApiProperty({ example: '2018-04-18T06:00:00Z' }) occurredAt!: string;
  @ApiProperty({ enum: TIME_PRECISIONS }) timePrecision!: TimePrecision;
  @ApiProperty({ description: 'When the server recorded the report' }) recordedAt!: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'The event data as recorded; protected sources are redacted unless the caller is an admin',
  })
  data!: Record<string, unknown>;
  @ApiProperty({
    type: 'array',
    items: { type: 'object', additionalProperties: true },
    description: 'Who reported it; a protected source shows only {protected, kind, reliability, credibility} unless the caller is an admin',
  })
  sources!: unknown[];
  @ApiProperty({ description: 'Withdrawn by a ReportRetracted: it no longer counts anywhere, but stays on the timeline' })
  retracted!: boolean;
  @ApiPropertyOptional({ type: TimelineRetractionDto, description: 'Present when retracted' })
  retraction?: TimelineRetractionDto;
}

export class NeighbourhoodTimelineDto {
  @ApiProperty({ type: [TimelineItemDto], description: 'In (occurredAt, log position) order' }) items!: TimelineItemDto[];
  @ApiProperty({ type: 'integer', description: 'The log position the answer reflects' }) position!: number;
}
