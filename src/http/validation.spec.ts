import type { ArgumentMetadata } from '@nestjs/common';
import { Type } from 'class-transformer';
import { ArrayMinSize, IsArray, IsIn, IsInt, IsOptional, IsString, Max, Min, ValidateNested, validate } from 'class-validator';
import { ApiHttpException } from './api-http-exception.js';
import { createValidationPipe, flattenValidationErrors, MAX_VALIDATION_DETAILS } from './validation.js';

class Source {
  @IsString() name!: string;
  @IsIn(['A', 'B', 'C', 'D', 'E', 'F']) reliability!: string;
  @IsInt() @Min(1) @Max(6) credibility!: number;
}

class Range {
  @IsInt() best!: number;
}

class Report {
  @IsString() title!: string;
  @IsArray() @ArrayMinSize(1) @ValidateNested({ each: true }) @Type(() => Source) sources!: Source[];
  @IsOptional() @ValidateNested() @Type(() => Range) killed?: Range | null;
  @IsOptional() @IsString() notes?: string | null;
}

const body: ArgumentMetadata = { type: 'body', metatype: Report, data: '' };
const source = { name: 'SOHR', reliability: 'B', credibility: 2 };

async function refusal(value: unknown): Promise<ApiHttpException> {
  try {
    await createValidationPipe().transform(value, body);
  } catch (error) {
    expect(error).toBeInstanceOf(ApiHttpException);
    return error as ApiHttpException;
  }
  throw new Error('expected the pipe to refuse the value');
}

describe('flattenValidationErrors', () => {
  it('writes nested array items with index paths', async () => {
    const report = Object.assign(new Report(), {
      title: 'x',
      sources: [Object.assign(new Source(), source), Object.assign(new Source(), { ...source, credibility: 'high', reliability: 'Z' })],
      killed: Object.assign(new Range(), { best: 1.5 }),
    });
    expect(flattenValidationErrors(await validate(report))).toEqual([
      {
        field: 'sources[1].reliability',
        problems: ['reliability must be one of the following values: A, B, C, D, E, F'],
      },
      {
        field: 'sources[1].credibility',
        problems: expect.arrayContaining(['credibility must be an integer number', 'credibility must not be greater than 6']),
      },
      { field: 'killed.best', problems: ['best must be an integer number'] },
    ]);
  });

  it('names the input itself for errors without a property', () => {
    expect(flattenValidationErrors([{ property: '', constraints: { unknownValue: 'an unknown value was passed' }, children: [] }])).toEqual([
      { field: 'body', problems: ['must be a JSON object'] },
    ]);
  });
});

describe('createValidationPipe', () => {
  it('returns a DTO instance, nested items too', async () => {
    const result = (await createValidationPipe().transform({ title: 'x', sources: [source] }, body)) as Report;
    expect(result).toBeInstanceOf(Report);
    expect(result.sources[0]).toBeInstanceOf(Source);
  });

  it('never converts "3" into 3', async () => {
    const error = await refusal({ title: 'x', sources: [{ ...source, credibility: '3' }] });
    expect(error.getStatus()).toBe(400);
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.details).toEqual([
      { field: 'sources[0].credibility', problems: expect.arrayContaining(['credibility must be an integer number']) },
    ]);
  });

  it('refuses unknown fields, at the top and nested', async () => {
    const error = await refusal({ title: 'x', occuredAt: 'now', sources: [{ ...source, extra: true }] });
    expect(error.details).toEqual([
      { field: 'occuredAt', problems: ['property occuredAt should not exist'] },
      { field: 'sources[0].extra', problems: ['property extra should not exist'] },
    ]);
  });

  it('treats null as absent for optional fields', async () => {
    const result = (await createValidationPipe().transform({ title: 'x', sources: [source], notes: null, killed: null }, body)) as Report;
    expect(result.notes).toBeNull();
  });

  it('refuses a body that is not an object', async () => {
    for (const value of ['text', 42, null, [], [source]]) {
      const error = await refusal(value);
      expect(error.getStatus()).toBe(400);
      expect(error.details).toEqual([{ field: 'body', problems: ['must be a JSON object'] }]);
    }
  });

  it('caps the details of a body full of mistakes', async () => {
    const sources = Array.from({ length: 500 }, () => ({ ...source, credibility: 'x' }));
    const error = await refusal({ title: 'x', sources });
    expect(error.details).toHaveLength(MAX_VALIDATION_DETAILS + 1);
    expect(error.details?.at(-1)).toEqual({ field: '…', problems: ['400 more fields have problems'] });
    expect(error.message).toMatch(/^Validation failed for 500 fields: sources\[0\]\.credibility, /);
  });
});
