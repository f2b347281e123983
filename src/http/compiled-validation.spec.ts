import { type ArgumentMetadata, type Type, ValidationPipe } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { IsDefined, IsInt, IsOptional, IsString, ValidateIf, getMetadataStorage, validate } from 'class-validator';
import fc from 'fast-check';
import { CompiledValidation, type ValidationMetadataStorage } from './compiled-validation.js';
import { VALIDATION_PIPE_OPTIONS, createValidationPipe } from './validation.js';
import { ENDPOINT_DTOS, offlineContext } from '../../test/e2e/endpoint-dtos.js';
import { ENDPOINTS, caseArb, materialise } from '../../test/e2e/hostile-input.arbitraries.js';

const DTOS = ENDPOINT_DTOS;

// What Nest's ValidationPipe hands class-validator: its options less its own.
const { transform: _t, transformOptions, exceptionFactory: _e, ...rest } = VALIDATION_PIPE_OPTIONS;
const VALIDATOR_OPTIONS = { forbidUnknownValues: false, ...rest };

const context = offlineContext('cv');

/** The JSON text of an object body a generated case would send, or undefined for a body that is not one. */
function textOf(endpoint: (typeof ENDPOINTS)[number], hostile: Parameters<typeof materialise>[1]): string | undefined {
  const request = materialise(endpoint, hostile, context());
  if (request.body === null || request.contentType !== 'application/json') return undefined;
  const text = request.body.toString('utf8');
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? text : undefined;
  } catch {
    return undefined;
  }
}

function bodyOf(endpoint: (typeof ENDPOINTS)[number], hostile: Parameters<typeof materialise>[1]): Record<string, unknown> | undefined {
  const text = textOf(endpoint, hostile);
  return text === undefined ? undefined : (JSON.parse(text) as Record<string, unknown>);
}

/** class-transformer's instance, as both pipes build it; undefined when it cannot build one (the pipe refuses such bodies first). */
function instanceOf(dto: Type<object>, body: Record<string, unknown>): object | undefined {
  try {
    return plainToInstance(dto, body, transformOptions) as object;
  } catch {
    return undefined;
  }
}

const bodyMetadata = (metatype: Type<object>): ArgumentMetadata => ({ type: 'body', metatype, data: '' });

async function settle(promise: Promise<unknown>): Promise<{ ok: true; value: unknown } | { ok: false; error: unknown }> {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    return { ok: false, error };
  }
}

describe('compiled validation: class-validator rules without class-validator error reports', () => {
  const compiled = new CompiledValidation(VALIDATOR_OPTIONS);

  it.each(ENDPOINTS.map((endpoint) => [endpoint.name, endpoint] as const))(
    '%s: the DTO compiles and the endpoint\'s valid body passes the check',
    async (name, endpoint) => {
      const check = compiled.checkFor(DTOS[name]);
      expect(check).toBeDefined();
      const entity = instanceOf(DTOS[name], bodyOf(endpoint, { kind: 'fields', mutations: [] })!)!;
      expect(await validate(entity, VALIDATOR_OPTIONS)).toEqual([]);
      expect(check!(entity)).toBe(true);
    },
  );

  it.each(ENDPOINTS.map((endpoint) => [endpoint.name, endpoint] as const))(
    '%s: on generated hostile bodies, the check says yes exactly when class-validator finds nothing',
    async (name, endpoint) => {
      const dto = DTOS[name];
      const check = compiled.checkFor(dto)!;
      let valid = 0;
      let invalid = 0;
      await fc.assert(
        fc.asyncProperty(caseArb(endpoint), async (hostile) => {
          const body = bodyOf(endpoint, hostile);
          const entity = body === undefined ? undefined : instanceOf(dto, body);
          if (entity === undefined) return;
          const errors = await validate(entity, VALIDATOR_OPTIONS);
          expect(check(entity)).toBe(errors.length === 0);
          if (errors.length === 0) valid += 1;
          else invalid += 1;
        }),
        { numRuns: 300, seed: 20180418 + name.length },
      );
      // Both answers were exercised, or the property says little.
      expect(valid).toBeGreaterThan(5);
      expect(invalid).toBeGreaterThan(50);
    },
  );

  it.each(ENDPOINTS.map((endpoint) => [endpoint.name, endpoint] as const))(
    '%s: what the pipe accepts, Nest\'s own pipe with the same options accepts too, as the very same DTO',
    async (name, endpoint) => {
      const ours = createValidationPipe();
      const nest = new ValidationPipe(VALIDATION_PIPE_OPTIONS);
      const metadata = bodyMetadata(DTOS[name]);
      await fc.assert(
        fc.asyncProperty(caseArb(endpoint), async (hostile) => {
          const text = textOf(endpoint, hostile);
          if (text === undefined) return;
          const mine = await settle(ours.transform(JSON.parse(text), metadata));
          if (!mine.ok) return;
          const theirs = await settle(nest.transform(JSON.parse(text), metadata));
          expect(theirs.ok).toBe(true);
          if (theirs.ok) expect(mine.value).toStrictEqual(theirs.value);
        }),
        { numRuns: 200, seed: 7 + name.length },
      );
    },
  );

  it('understands the storage of the class-validator it runs with', () => {
    // Fails after an upgrade of class-validator that keeps its rules otherwise: nothing would compile.
    expect(compiled.storageUnderstood).toBe(true);
  });

  describe('a storage not shaped as the check reads it', () => {
    const real = getMetadataStorage() as unknown as ValidationMetadataStorage;
    /** The real storage, with every rule it reports passed through `reshape`. */
    const reshaped = (reshape: (metadata: Record<string, unknown>) => Record<string, unknown>): ValidationMetadataStorage => ({
      getTargetValidationMetadatas: (...args) => real.getTargetValidationMetadatas(...args).map((m) => reshape({ ...(m as Record<string, unknown>) })),
      groupByPropertyName: (metadatas) => real.groupByPropertyName(metadatas),
      getTargetValidatorConstraints: (target) => real.getTargetValidatorConstraints(target),
    });

    it.each([
      ['renamed fields', (m: Record<string, unknown>) => ({ ...m, type: undefined, kind: m.type })],
      ['another name for a kind of rule', (m: Record<string, unknown>) => ({ ...m, type: m.type === 'customValidation' ? 'custom' : m.type })],
      ['constraints in another form', (m: Record<string, unknown>) => ({ ...m, constraints: { list: m.constraints } })],
      ['`each` under another name', (m: Record<string, unknown>) => ({ ...m, each: undefined, forEach: m.each })],
    ])('with %s: compiles nothing, leaving every class to class-validator', async (_case, reshape) => {
      const guarded = new CompiledValidation(VALIDATOR_OPTIONS, reshaped(reshape));
      expect(guarded.storageUnderstood).toBe(false);
      for (const dto of Object.values(DTOS)) {
        expect(guarded.checkFor(dto)).toBeUndefined();
        expect(guarded.declaredKeys(dto)).toBeUndefined();
      }
    });

    it('that throws: compiles nothing', () => {
      const throwing: ValidationMetadataStorage = {
        ...real,
        getTargetValidationMetadatas: () => {
          throw new TypeError('not a function');
        },
      };
      expect(new CompiledValidation(VALIDATOR_OPTIONS, throwing).storageUnderstood).toBe(false);
    });

    it('for one class only: leaves that class to class-validator', () => {
      class Odd {
        @IsString() name!: string;
      }
      const storage: ValidationMetadataStorage = {
        getTargetValidationMetadatas: (target, ...rest) =>
          real.getTargetValidationMetadatas(target, ...rest).map((m) => (target === Odd ? { ...(m as object), type: 'newKindOfRule' } : m)),
        groupByPropertyName: (metadatas) => real.groupByPropertyName(metadatas),
        getTargetValidatorConstraints: (target) => real.getTargetValidatorConstraints(target),
      };
      const guarded = new CompiledValidation(VALIDATOR_OPTIONS, storage);
      expect(guarded.storageUnderstood).toBe(true);
      expect(guarded.checkFor(Odd)).toBeUndefined();
      expect(guarded.checkFor(DTOS.actors)).toBeDefined();
    });
  });

  it('refuses to compile what it does not reproduce, so that class-validator alone decides', async () => {
    class Defined {
      @IsDefined()
      name!: string;
    }
    class Plain {
      @IsOptional()
      @IsInt()
      n?: number;
    }
    class Conditional {
      @IsOptional()
      kind?: string;

      // ValidateIf is a condition like IsOptional: the executor calls it the same way.
      @ValidateIf((o: { kind?: string }) => o.kind === 'x')
      @IsString()
      name!: string;
    }
    expect(compiled.checkFor(Defined)).toBeUndefined();
    expect(compiled.checkFor(Plain)).toBeDefined();
    const conditional = compiled.checkFor(Conditional)!;
    for (const body of [{}, { kind: 'x' }, { kind: 'x', name: 'n' }, { kind: 'y', name: 3 }, { kind: 'x', name: 3 }]) {
      const entity = plainToInstance(Conditional, body);
      expect([body, conditional(entity)]).toEqual([body, (await validate(entity, VALIDATOR_OPTIONS)).length === 0]);
    }
    // Groups change which rules apply: not reproduced.
    expect(new CompiledValidation({ ...VALIDATOR_OPTIONS, groups: ['admin'] }).checkFor(Plain)).toBeUndefined();
    // A whitelist that strips unknown fields changes the value: not a yes/no question.
    expect(new CompiledValidation({ whitelist: true }).checkFor(Plain)).toBeUndefined();
  });

  it('answers like class-validator on the edges of the executor: null and absent optionals, unknown fields, nested non-objects', async () => {
    const cases: Record<string, unknown>[] = [
      { id: 'isis', name: 'ISIS', side: 'isis' },
      { id: 'isis', name: 'ISIS', side: 'isis', nameAr: null, kind: null },
      { id: 'isis', name: 'ISIS', side: 'isis', extra: 1 },
      { id: 'isis', name: '', side: 'isis' },
      { id: 'isis', name: 'ISIS' },
      { id: 'isis', name: 'ISIS', side: null },
    ];
    const check = compiled.checkFor(DTOS.actors)!;
    for (const body of cases) {
      const entity = instanceOf(DTOS.actors, body)!;
      expect([body, check(entity)]).toEqual([body, (await validate(entity, VALIDATOR_OPTIONS)).length === 0]);
    }
    const casualties = compiled.checkFor(DTOS.casualties)!;
    const report = { occurredAt: '2018-04-18T06:00:00Z', sources: [{ name: 'a', kind: 'b', reliability: 'C', credibility: 3 }], killed: { best: 2 } };
    for (const body of [report, { ...report, killed: 3 }, { ...report, sources: ['x'] }, { ...report, sources: [null] }, { ...report, wounded: null }]) {
      const entity = instanceOf(DTOS.casualties, body)!;
      expect([body, casualties(entity)]).toEqual([body, (await validate(entity, VALIDATOR_OPTIONS)).length === 0]);
    }
  });
});
