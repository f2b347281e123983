import { ApiProperty, ApiPropertyOptional, OmitType } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';
import { IsInstant } from '../input-limits.js';
import { PerspectiveDto, PerspectiveQueryDto, SkippedReportDto } from '../neighbourhood-control/neighbourhood-control.dto.js';
import { PageCursor, PageLimit } from '../paging.js';

/**
 * The perspective parameters of /control (with knownAt and minPosition), without asOf: a history
 * spans `from` to `to` instead.
 */
export class ControlHistoryPageQueryDto extends OmitType(PerspectiveQueryDto, ['asOf'] as const) {
  @ApiPropertyOptional({
    example: '2018-04-18T00:00:00Z',
    description: "The first item is the state at this instant (inclusive). Default: the neighbourhood's controlAsOf",
  })
  @IsOptional()
  @IsInstant()
  from?: string;

  @ApiPropertyOptional({ example: '2018-04-19T23:59:59Z', description: 'No change after this instant (inclusive). Default: none' })
  @IsOptional()
  @IsInstant()
  to?: string;

  @PageLimit() limit?: number;
  @PageCursor() cursor?: string;
}

export class ControlHistoryItemDto {
  @ApiProperty({ example: '2018-04-18T10:00:00.000Z', description: "UTC: the report's occurredAt, the baseline's controlAsOf, or `from` for the first item" })
  at!: string;
  @ApiProperty({
    type: String,
    nullable: true,
    format: 'uuid',
    description: 'The report whose fold made this change (for the first item: the last one before `from` that did); null for the baseline',
  })
  eventId!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'number' }, example: { isis: 0.5, 'syrian-regime': 0.3 } })
  shares!: Record<string, number>;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'number' }, example: { isis: 0.5, 'pro-government': 0.5 } })
  sideShares!: Record<string, number>;
  @ApiProperty({ type: String, nullable: true, description: 'The actor holding strictly more than half the weight, else null' })
  majorityController!: string | null;
  @ApiProperty({ type: 'integer' }) contestedPositions!: number;
}

export class ControlHistoryDto {
  @ApiProperty({ example: 'damascus-tadamon' }) neighbourhoodId!: string;
  @ApiProperty({ description: 'UTC: the instant the first page starts at' }) from!: string;
  @ApiProperty({ type: String, nullable: true, description: 'UTC: the last instant a change may have; null for no bound' }) to!: string | null;
  @ApiProperty({ description: 'UTC: only what was recorded by this instant counts (default: the time of the request)' }) knownAt!: string;
  @ApiProperty({
    type: [ControlHistoryItemDto],
    description:
      'In (occurredAt, log position) order. The first page begins with the state at `from`; then one item per report (or the baseline) ' +
      'whose fold changes the shares, side shares, majority controller or number of contested positions. Items at the same instant ' +
      'follow the fold one report at a time: the last of them is the state at that instant, as /control answers it.',
  })
  items!: ControlHistoryItemDto[];
  @ApiPropertyOptional({ description: 'Present while more items remain: pass it as cursor for the next page' }) nextCursor?: string;
  @ApiPropertyOptional({ type: PerspectiveDto, description: 'The perspective asked for, normalised; absent for the default view' })
  perspective?: PerspectiveDto;
  @ApiPropertyOptional({
    type: [SkippedReportDto],
    description: "Reports the perspective's fold could not apply, among those the page covers (from the baseline on the first page)",
  })
  skipped?: SkippedReportDto[];
  @ApiProperty({ type: 'integer', description: 'The log position the answer reflects' }) position!: number;
}
