import type { ArgumentMetadata } from '@nestjs/common';
import { Type } from 'class-transformer';
import { ArrayMinSize, IsArray, IsIn, IsInt, IsOptional, IsString, Max, Min, ValidateNested, validate } from 'class-validator';
import { ENDPOINT_DTOS } from '../../test/e2e/endpoint-dtos.js';
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
      // Not an integer at all: the range says nothing more.
      { field: 'sources[1].credibility', problems: ['credibility must be an integer number'] },
      { field: 'killed.best', problems: ['best must be an integer number'] },
    ]);
  });

  it('names the input itself for errors without a property', () => {
    expect(flattenValidationErrors([{ property: '', constraints: { unknownValue: 'an unknown value was passed' }, children: [] }])).toEqual([
      { field: 'body', problems: ['must be a JSON object'] },
    ]);
  });
});

describe('validation details of the command DTOs', () => {
  const source = { name: 'field sources', kind: 'field', reliability: 'C', credibility: 3 };
  const capture = { by: 'isis', positions: ['bakery-block-1'], occurredAt: '2018-04-18T06:00:00Z', sources: [source] };

  async function detailsFor(dto: keyof typeof ENDPOINT_DTOS, value: unknown): Promise<readonly unknown[]> {
    try {
      await createValidationPipe().transform(value, { type: 'body', metatype: ENDPOINT_DTOS[dto], data: '' });
    } catch (error) {
      expect(error).toBeInstanceOf(ApiHttpException);
      return (error as ApiHttpException).details ?? [];
    }
    throw new Error('expected the pipe to refuse the value');
  }

  it('says "is required", and only that, of each required field missing from {}', async () => {
    expect(await detailsFor('captures', {})).toEqual([
      { field: 'by', problems: ['by is required'] },
      { field: 'positions', problems: ['positions is required'] },
      { field: 'occurredAt', problems: ['occurredAt is required'] },
      { field: 'sources', problems: ['sources is required'] },
    ]);
    expect(await detailsFor('casualties', { occurredAt: capture.occurredAt, sources: [source] })).toEqual([
      { field: 'killed', problems: ['killed is required'] },
    ]);
  });

  it('says the same of a required field sent as null, nested ones too', async () => {
    expect(await detailsFor('captures', { ...capture, by: null })).toEqual([{ field: 'by', problems: ['by is required'] }]);
    expect(await detailsFor('captures', { ...capture, sources: [{ ...source, reliability: null }] })).toEqual([
      { field: 'sources[0].reliability', problems: ['reliability is required'] },
    ]);
  });

  it('tells an impossible calendar date from a malformed instant, and names an offset beyond ±14:00', async () => {
    expect(await detailsFor('captures', { ...capture, occurredAt: '2018-02-30T10:00:00Z' })).toEqual([
      { field: 'occurredAt', problems: ['occurredAt is not a real calendar date: 2018-02-30 does not exist'] },
    ]);
    expect(await detailsFor('captures', { ...capture, occurredAt: '2018-04-18T24:00:00Z' })).toEqual([
      { field: 'occurredAt', problems: ['occurredAt is not a real time of day: 24:00:00 does not exist'] },
    ]);
    expect(await detailsFor('captures', { ...capture, occurredAt: '18/04/2018' })).toEqual([
      { field: 'occurredAt', problems: ['occurredAt must be an ISO 8601 instant with a zone, e.g. 2018-04-18T06:00:00Z'] },
    ]);
    expect(await detailsFor('captures', { ...capture, occurredAt: '2018-04-18T10:00:00+14:01' })).toEqual([
      { field: 'occurredAt', problems: ['occurredAt has a zone offset beyond ±14:00: +14:01'] },
    ]);
  });

  it('writes every path with indexes, never a list field in place of its item', async () => {
    expect(await detailsFor('captures', { ...capture, sources: { name: 'x', kind: 5 } })).toEqual([
      { field: 'sources', problems: ['sources must be an array'] },
    ]);
    expect(await detailsFor('captures', { ...capture, positions: ['a', 5, 'B'], sources: [source, 7, [source], { ...source, kind: 5 }] })).toEqual([
      { field: 'positions[1]', problems: ['positions[1] must be a string'] },
      { field: 'positions[2]', problems: ['positions[2] must be a lowercase slug ([a-z0-9]+(-[a-z0-9]+)*)'] },
      { field: 'sources[1]', problems: ['sources[1] must be an object'] },
      { field: 'sources[2]', problems: ['sources[2] must be an object'] },
      { field: 'sources[3].kind', problems: ['kind must be a string'] },
    ]);
    expect(await detailsFor('positions', { positions: [{ id: 'a', name: 'A' }, { id: 'B', name: 'B' }] })).toEqual([
      { field: 'positions[1].id', problems: ['id must be a lowercase slug ([a-z0-9]+(-[a-z0-9]+)*)'] },
    ]);
  });

  it('reports a value of the wrong kind once, not with the rules it could never meet', async () => {
    expect(await detailsFor('captures', { ...capture, by: 5, sources: [{ ...source, name: 7, credibility: '3' }] })).toEqual([
      { field: 'by', problems: ['by must be a string'] },
      { field: 'sources[0].name', problems: ['name must be a string'] },
      { field: 'sources[0].credibility', problems: ['credibility must be an integer number'] },
    ]);
    expect(await detailsFor('casualties', { occurredAt: capture.occurredAt, sources: [source], killed: [{ best: 1 }] })).toEqual([
      { field: 'killed', problems: ['killed must be an object'] },
    ]);
  });

  it.each([
    ['empty', ''],
    ['spaces', '   '],
    ['a no-break space and an ideographic space', '\u00a0\u3000'],
    ['line and tab breaks', '\n\t\r\n'],
    ['zero-width and direction marks', '\u200b\u200f\u200e\u061c'],
    ['a byte order mark and a word joiner', '\ufeff\u2060'],
    ['a Hangul filler', '\u3164'],
  ])('refuses free text that is %s, without trimming text that shows', async (_case, blank) => {
    const problem = (field: string) => `${field} must hold at least one visible character (spaces and invisible characters alone are not text)`;
    expect(await detailsFor('actors', { id: 'isis', name: blank, side: 'isis' })).toEqual([{ field: 'name', problems: [problem('name')] }]);
    expect(await detailsFor('captures', { ...capture, sources: [{ ...source, kind: blank }], notes: blank })).toEqual([
      { field: 'sources[0].kind', problems: [problem('kind')] },
      { field: 'notes', problems: [problem('notes')] },
    ]);
    const kept = (await createValidationPipe().transform(
      { id: 'isis', name: ` ${blank}ISIS${blank} `, side: 'isis' },
      { type: 'body', metatype: ENDPOINT_DTOS.actors, data: '' },
    )) as { name: string };
    expect(kept.name).toBe(` ${blank}ISIS${blank} `);
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
