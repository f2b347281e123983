import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsIn, IsObject, IsOptional, IsString, MaxLength, ValidateBy, ValidateNested, type ValidationOptions } from 'class-validator';
import type { WebhookFilter } from '../../domain/index.js';
import { NestedType } from '../../http/nested-type.decorator.js';
import { present } from '../command-endpoint.js';
import { IsSlug, IsText, LIMITS, QueryInteger } from '../input-limits.js';
import { MESSAGE_TYPES } from '../live-stream/live-fold.js';
import { MAX_FILTER_VALUES } from '../live-stream/live-stream.dto.js';
import { urlFormProblem } from './webhook-address.js';

export const WEBHOOK_URL_MAX_LENGTH = 2_048;
export const WEBHOOK_DESCRIPTION_MAX_LENGTH = 500;

/** An http(s) URL without credentials (where it leads is checked after DNS, by the handler). */
function IsWebhookUrl(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isWebhookUrl',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && urlFormProblem(value) === undefined,
        defaultMessage: (args) => `${args?.property} ${typeof args?.value === 'string' ? (urlFormProblem(args.value) ?? '') : 'must be a string'}`,
      },
    },
    options,
  );
}

export class WebhookFilterDto {
  @ApiPropertyOptional({ type: [String], example: ['damascus-tadamon'], description: 'Only messages of these neighbourhoods' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_FILTER_VALUES)
  @IsSlug({ each: true })
  neighbourhoods?: string[];

  @ApiPropertyOptional({ enum: MESSAGE_TYPES, isArray: true, description: 'Only these event types, or `control`; control messages are left out unless listed' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MESSAGE_TYPES.length)
  @IsIn(MESSAGE_TYPES, { each: true })
  types?: string[];

  @ApiPropertyOptional({ type: [String], example: ['Damascus'], description: 'Only messages of neighbourhoods of these cities' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_FILTER_VALUES)
  @IsString({ each: true })
  @IsText(LIMITS.nameLength, { each: true })
  cities?: string[];
}

export class RegisterWebhookDto {
  @ApiProperty({
    example: 'https://hooks.example.org/timeline',
    maxLength: WEBHOOK_URL_MAX_LENGTH,
    description: 'http or https; loopback, private, link-local and metadata addresses are refused after DNS resolution',
  })
  @IsString()
  @MaxLength(WEBHOOK_URL_MAX_LENGTH)
  @IsWebhookUrl()
  url!: string;

  @ApiProperty({ type: WebhookFilterDto, description: 'Lists combine with AND, values within a list with OR; `{}` takes everything' })
  @IsObject()
  @ValidateNested()
  @NestedType(() => WebhookFilterDto)
  filter!: WebhookFilterDto;

  @ApiPropertyOptional({ example: 'Newsroom alerts', maxLength: WEBHOOK_DESCRIPTION_MAX_LENGTH })
  @IsOptional()
  @IsString()
  @IsText(WEBHOOK_DESCRIPTION_MAX_LENGTH)
  description?: string;
}

/** The filter as recorded: lists only where given. */
export function toWebhookFilter(dto: WebhookFilterDto): WebhookFilter {
  return present({ neighbourhoods: dto.neighbourhoods, types: dto.types, cities: dto.cities });
}

export class WebhookQueryDto {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 0,
    description: 'Wait (up to 5 s) until the webhooks reflect the log up to this position, e.g. that of a registration; else 503 PROJECTION_LAGGING',
  })
  @IsOptional()
  @QueryInteger(0)
  minPosition?: number;
}

export class WebhookFilterAnswer {
  @ApiPropertyOptional({ type: [String] }) neighbourhoods?: string[];
  @ApiPropertyOptional({ type: [String] }) types?: string[];
  @ApiPropertyOptional({ type: [String] }) cities?: string[];
}

export class WebhookDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() url!: string;
  @ApiProperty({ type: WebhookFilterAnswer }) filter!: WebhookFilterAnswer;
  @ApiProperty({ type: String, nullable: true }) description!: string | null;
  @ApiProperty({
    enum: ['active', 'failing'],
    description: 'failing: deliveries failed for 24 h and are paused (nothing is dropped) until POST /v1/webhooks/:id/resume',
  })
  status!: 'active' | 'failing';
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export class RegisteredWebhookDto extends WebhookDto {
  @ApiProperty({ description: 'The signing secret. Shown here only: no read endpoint shows it again (a retry with the same Idempotency-Key does)' })
  secret!: string;
  @ApiProperty({ format: 'uuid' }) eventId!: string;
  @ApiProperty({ type: 'integer', description: 'Log position of the registration: deliveries are of what is recorded after it' }) position!: number;
}

export class WebhookListDto {
  @ApiProperty({ type: [WebhookDto] }) items!: WebhookDto[];
}

export class DeliveryAttemptDto {
  @ApiProperty({ example: '0190e4a2-…:42', description: '<webhookId>:<message id>, as sent in Timeline-Delivery-Id' }) deliveryId!: string;
  @ApiProperty({ type: 'integer' }) position!: number;
  @ApiProperty({ type: 'integer', description: 'Attempt number of this delivery, from 1' }) attempt!: number;
  @ApiProperty({ format: 'date-time' }) at!: string;
  @ApiProperty({ type: 'integer', nullable: true, description: 'null when no answer came' }) httpStatus!: number | null;
  @ApiProperty({ type: 'integer' }) latencyMs!: number;
  @ApiProperty({ type: String, nullable: true, description: 'Why it did not count as delivered; null when it did' }) error!: string | null;
}

export class DeliveryListDto {
  @ApiProperty({ type: [DeliveryAttemptDto], description: 'The newest 100 attempts, newest first' }) items!: DeliveryAttemptDto[];
}

export class WebhookCommandResponse {
  @ApiProperty({ format: 'uuid' }) eventId!: string;
  @ApiProperty({ example: 'WebhookResumed' }) type!: string;
  @ApiProperty({ format: 'uuid' }) webhookId!: string;
  @ApiProperty({ type: 'integer' }) streamRevision!: number;
  @ApiProperty({ type: 'integer' }) position!: number;
}
