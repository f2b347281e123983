import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';
import { QueryInteger } from '../input-limits.js';

export class ReadStreamQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER, default: 0 })
  @IsOptional()
  @QueryInteger(0)
  fromRevision?: number;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 1000, default: 100 })
  @IsOptional()
  @QueryInteger(1, 1000)
  limit?: number;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 0,
    maximum: Number.MAX_SAFE_INTEGER,
    description: 'Accepted as on every query; this view reads the event store itself, which has every acknowledged write',
  })
  @IsOptional()
  @QueryInteger(0)
  minPosition?: number;
}

export class StreamEventDto {
  @ApiProperty({ format: 'uuid' }) eventId!: string;
  @ApiProperty() type!: string;
  @ApiProperty({ type: 'integer' }) streamRevision!: number;
  @ApiProperty({ type: 'integer' }) position!: number;
  @ApiProperty({ type: 'object', additionalProperties: true }) data!: unknown;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'recordedAt, recordedBy, role; for admins also idempotencyKey, requestHash and requestId',
  })
  metadata!: Record<string, unknown>;
}

export class StreamPageDto {
  @ApiProperty({ type: [StreamEventDto] }) items!: StreamEventDto[];
  @ApiPropertyOptional({ type: 'integer', description: 'Present when more events follow' }) nextFromRevision?: number;
  @ApiProperty({ type: 'integer', description: 'Head of the event log when this page was read' }) position!: number;
}
