import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

const STATUSES = ['running', 'rebuilding', 'failed', 'stopped'];

export class ProjectionFailureDto {
  @ApiProperty() message!: string;
  @ApiPropertyOptional({ format: 'uuid', description: 'The event the projection could not apply' }) eventId?: string;
  @ApiPropertyOptional() eventType?: string;
  @ApiProperty({ type: 'integer', description: "That event's log position, else the checkpoint when it stopped" }) position!: number;
}

export class ProjectionRebuildDto {
  @ApiProperty({ type: 'integer' }) generation!: number;
  @ApiProperty({ type: 'integer' }) version!: number;
  @ApiProperty({ type: 'integer' }) position!: number;
  @ApiProperty({ enum: ['running', 'failed', 'stopped'] }) status!: string;
  @ApiPropertyOptional({ type: ProjectionFailureDto }) error?: ProjectionFailureDto;
}

export class ProjectionStatusDto {
  @ApiProperty({ example: 'neighbourhood-control' }) name!: string;
  @ApiProperty({ type: 'integer', description: 'Version of the generation serving queries' }) version!: number;
  @ApiProperty({ type: 'integer', description: 'Log position the live generation reflects' }) position!: number;
  @ApiProperty({ type: 'integer' }) headPosition!: number;
  @ApiProperty({ type: 'integer', description: 'headPosition - position' }) lag!: number;
  @ApiProperty({ enum: STATUSES, description: 'rebuilding: a new generation is being built beside the live one' })
  status!: string;
  @ApiProperty({ type: 'integer', description: 'Number of the live generation file' }) generation!: number;
  @ApiProperty({
    description:
      'Whether the live generation has its query indexes: false through a first build, until they are built once it reaches the head (it answers meanwhile, by scanning)',
  })
  indexesBuilt!: boolean;
  @ApiPropertyOptional({ type: ProjectionFailureDto, description: 'Why the projection failed' }) error?: ProjectionFailureDto;
  @ApiPropertyOptional({ type: ProjectionRebuildDto, description: 'The generation being built, while a rebuild runs' })
  rebuild?: ProjectionRebuildDto;
}

export class RebuildAcceptedDto {
  @ApiProperty({ example: 'neighbourhood-control' }) name!: string;
  @ApiProperty({ enum: ['rebuilding'] }) status!: 'rebuilding';
  @ApiProperty({ type: 'integer', description: 'The generation being built; it replaces the live one once caught up' })
  generation!: number;
  @ApiProperty({ type: 'integer' }) version!: number;
  @ApiProperty({ description: 'A rebuild was already under way; no new one was started' }) alreadyRunning!: boolean;
}
