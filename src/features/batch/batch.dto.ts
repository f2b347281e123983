import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsObject, IsOptional, IsString, MaxLength, ValidateNested } from 'class-validator';
import { EachItemAnObject, NestedType } from '../../http/index.js';
import { CommandResponse } from '../command-endpoint.js';
import { LIMITS } from '../input-limits.js';

/** API.md: up to 1,000 commands in one batch (and the 1 MiB body limit). */
export const MAX_BATCH_COMMANDS = 1_000;

export class BatchCommandDto {
  @ApiProperty({ example: '/v1/neighbourhoods/damascus-tadamon/captures', description: 'The path of the command on its own endpoint' })
  @IsString()
  @MaxLength(300)
  path!: string;

  @ApiPropertyOptional({ example: 'acled:SYR123@1589840000:capture', description: 'As the Idempotency-Key header of the command on its own' })
  @IsOptional()
  @IsString()
  @MaxLength(LIMITS.idempotencyKeyLength)
  idempotencyKey?: string;

  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The body the command takes on its own endpoint' })
  @IsObject()
  body!: Record<string, unknown>;
}

export class BatchDto {
  @ApiProperty({ type: [BatchCommandDto], minItems: 1, maxItems: MAX_BATCH_COMMANDS })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_BATCH_COMMANDS)
  @EachItemAnObject()
  @ValidateNested({ each: true })
  @NestedType(() => BatchCommandDto)
  commands!: BatchCommandDto[];
}

/**
 * One command's result: a recorded (or replayed) one has the fields of a command's answer, a
 * refused one `code`, `message` and `details`, as its own endpoint would answer them.
 */
export class BatchResultDto extends PartialType(CommandResponse) {
  @ApiProperty({ type: 'integer', description: 'The status the command answers on its own endpoint (201, 200 for a replay, or a 4xx)' })
  status!: number;

  @ApiPropertyOptional({ description: 'A refused command: its error code, as its own endpoint answers it (ApiError)' })
  code?: string;

  @ApiPropertyOptional({ description: 'A refused command: what is wrong' })
  message?: string;

  @ApiPropertyOptional({ type: 'array', items: { type: 'object', additionalProperties: true }, description: "A refused command: the error's details" })
  details?: unknown[];
}

export class BatchResponseDto {
  @ApiProperty({ type: [BatchResultDto], description: 'One result per command, in order' })
  results!: BatchResultDto[];

  @ApiProperty({ type: 'integer', description: 'The log position after the batch: pass it as minPosition to read its writes' })
  position!: number;
}
