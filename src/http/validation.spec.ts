import type { ArgumentMetadata } from '@nestjs/common';
import { Type } from 'class-transformer';
import { ArrayMinSize, IsArray, IsIn, IsInt, IsOptional, IsString, Max, Min, ValidateNested, validate } from 'class-validator';
import { ApiHttpException } from './api-http-exception.js';
import { createValidationPipe, flattenValidationErrors, MAX_INPUT_DEPTH, MAX_VALIDATION_DETAILS } from './validation.js';

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
      { field: 'occuredAt', problems: ['is not a known field'] },
      { field: 'sources[0].extra', problems: ['is not a known field'] },
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
    expect(error.details?.at(-1)).toEqual({ field: '…', problems: [`${500 - MAX_VALIDATION_DETAILS} more fields have problems`] });
    expect(error.message).toMatch(/^Validation failed for 500 fields: sources\[0\]\.credibility, /);
  });
});

describe('shapes refused before transformation', () => {
  const pipe = createValidationPipe();
  const metadata = { type: 'body' as const, metatype: class Probe {}, data: '' };

  it('refuses nesting deeper than any request of the API, without recursing', async () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const error = (await pipe.transform({ name: deep }, metadata).catch((e: unknown) => e)) as ApiHttpException;
    expect(error).toBeInstanceOf(ApiHttpException);
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.details?.[0]?.problems).toEqual([`nests deeper than ${MAX_INPUT_DEPTH} levels`]);
  });

  it.each(['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__defineGetter__', 'prototype'])(
    'refuses a key named %s, at the top and nested',
    async (key) => {
      for (const body of [JSON.parse(`{"${key}": 1}`), JSON.parse(`{"sources": [{"${key}": 1}]}`)]) {
        const error = (await pipe.transform(body, metadata).catch((e: unknown) => e)) as ApiHttpException;
        expect(error).toBeInstanceOf(ApiHttpException);
        expect(error.details?.[0]?.problems).toEqual(['is not a known field']);
      }
    },
  );

  it('quotes a huge unknown key only in part', async () => {
    const key = 'k'.repeat(100_000);
    const error = (await pipe.transform({ [key]: 1 }, metadata).catch((e: unknown) => e)) as ApiHttpException;
    expect(JSON.stringify(error.getResponse()).length).toBeLessThan(2_000);
  });
});
