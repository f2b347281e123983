import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsString, IsUUID } from 'class-validator';
import { ASSESSMENT_STATUSES, type AssessReport, type AssessmentStatus } from '../../domain/index.js';
import { IsText, LIMITS } from '../input-limits.js';

export class AssessReportDto {
  @ApiProperty({ format: 'uuid', description: 'The report (an incident of this neighbourhood) to assess' })
  @IsUUID()
  eventId!: string;

  @ApiProperty({ enum: ASSESSMENT_STATUSES })
  @IsIn(ASSESSMENT_STATUSES)
  status!: AssessmentStatus;

  @ApiProperty({ example: 'Geolocated footage shows regime forces still at the bakery', maxLength: LIMITS.reasonLength })
  @IsString()
  @IsText(LIMITS.reasonLength)
  reason!: string;
}

/** The domain command this request asks for. */
export function toAssessReportCommand(dto: AssessReportDto, neighbourhoodId: string): AssessReport {
  return { type: 'AssessReport', neighbourhoodId, eventId: dto.eventId, status: dto.status, reason: dto.reason };
}
