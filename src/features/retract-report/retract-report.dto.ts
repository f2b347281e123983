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

  toCommand(neighbourhoodId: string): RetractReport {
    return { type: 'RetractReport', neighbourhoodId, eventId: this.eventId, reason: this.reason };
  }
}
