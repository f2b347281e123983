import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

export class ReadStreamQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 0, default: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  fromRevision?: number;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 1000, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 0,
    description: 'Accepted as on every query; this view reads the event store itself, which has every acknowledged write',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  minPosition?: number;
}

export class StreamEventDto {
  @ApiProperty({ format: 'uuid' }) eventId!: string;
  @ApiProperty() type!: string;
  @ApiProperty({ type: 'integer' }) streamRevision!: number;
  @ApiProperty({ type: 'integer' }) position!: number;
  @ApiProperty({ type: 'object', additionalProperties: true }) data!: unknown;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'recordedAt, recordedBy, role, …' })
  metadata!: Record<string, unknown>;
}

export class StreamPageDto {
  @ApiProperty({ type: [StreamEventDto] }) items!: StreamEventDto[];
  @ApiPropertyOptional({ type: 'integer', description: 'Present when more events follow' }) nextFromRevision?: number;
  @ApiProperty({ type: 'integer', description: 'Head of the event log when this page was read' }) position!: number;
}
