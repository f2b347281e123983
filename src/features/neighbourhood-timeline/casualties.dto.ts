import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';
import { IsInstant } from '../input-limits.js';
import { ReadModelQueryDto } from '../read-model-query.dto.js';

export class CasualtiesQueryDto extends ReadModelQueryDto {
  @ApiPropertyOptional({ example: '2018-04-18T00:00:00Z', description: 'Only reports of casualties that occurred at or after this instant' })
  @IsOptional()
  @IsInstant()
  from?: string;

  @ApiPropertyOptional({ example: '2018-04-19T23:59:59Z', description: 'Only reports of casualties that occurred at or before this instant' })
  @IsOptional()
  @IsInstant()
  to?: string;

  @ApiPropertyOptional({ description: 'Only reports, retractions and assessments recorded by this instant count. Default: now' })
  @IsOptional()
  @IsInstant()
  knownAt?: string;
}

export class CasualtyRangeDto {
  @ApiProperty({ type: 'integer', description: 'Sum of the low figures (the best one where a report gives no low)' }) low!: number;
  @ApiProperty({ type: 'integer' }) best!: number;
  @ApiProperty({ type: 'integer', description: 'Sum of the high figures (the best one where a report gives no high)' }) high!: number;
}

export class ActorCasualtiesDto {
  @ApiProperty({ type: String, nullable: true, example: 'syrian-regime', description: 'null: the reports that name no actor' })
  actor!: string | null;
  @ApiProperty({ type: CasualtyRangeDto }) killed!: CasualtyRangeDto;
  @ApiProperty({ type: CasualtyRangeDto, description: 'A report without wounded counts none' }) wounded!: CasualtyRangeDto;
  @ApiProperty({ type: 'integer', description: 'The reports summed' }) reports!: number;
}

export class CasualtiesDto {
  @ApiProperty({ type: [ActorCasualtiesDto], description: 'One per actor named, by actor id, then the reports that name none' })
  items!: ActorCasualtiesDto[];
  @ApiProperty({ type: 'integer', description: 'The log position the answer reflects' }) position!: number;
}
