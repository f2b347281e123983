import { ApiProperty } from '@nestjs/swagger';
import { IsString, IsUUID } from 'class-validator';
import type { RetractReport } from '../../domain/index.js';
import { IsText, LIMITS } from '../input-limits.js';

export class RetractReportDto {
  @ApiProperty({ format: 'uuid', description: 'The incident to withdraw' })
  @IsUUID()
  eventId!: string;

  @ApiProperty({ example: 'The report was a fabrication', maxLength: LIMITS.reasonLength })
  @IsString()
  @IsText(LIMITS.reasonLength)
  reason!: string;
}

/** The domain command this request asks for. */
export function toRetractReportCommand(dto: RetractReportDto, neighbourhoodId: string): RetractReport {
  return { type: 'RetractReport', neighbourhoodId, eventId: dto.eventId, reason: dto.reason };
}
