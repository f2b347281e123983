import type { Type as Class } from '@nestjs/common';
import { Exclude, Expose, Transform, Type, plainToInstance } from 'class-transformer';
import { IsArray, IsInt, IsOptional, IsString, ValidateNested } from 'class-validator';
import fc from 'fast-check';
import { CompiledTransform } from './compiled-transform.js';
import { CompiledValidation } from './compiled-validation.js';
import { NestedType } from './nested-type.decorator.js';
import { VALIDATION_PIPE_OPTIONS, refuseUnsafeShapes } from './validation.js';
import { ENDPOINT_DTOS, offlineContext } from '../../test/e2e/endpoint-dtos.js';
import { ENDPOINTS, caseArb, materialise } from '../../test/e2e/hostile-input.arbitraries.js';

const DTOS = ENDPOINT_DTOS;

const { transform: _t, transformOptions, exceptionFactory: _e, ...rest } = VALIDATION_PIPE_OPTIONS;
const validation = new CompiledValidation({ forbidUnknownValues: false, ...rest });
const compiled = new CompiledTransform((target) => validation.declaredKeys(target), transformOptions);

const context = offlineContext('ct');

/** The object body a generated case would send, parsed, or undefined for a body that is not one or that the pipe refuses before transforming it. */
function bodyOf(endpoint: (typeof ENDPOINTS)[number], hostile: Parameters<typeof materialise>[1]): Record<string, unknown> | undefined {
  const request = materialise(endpoint, hostile, context());
  if (request.body === null || request.contentType !== 'application/json') return undefined;
  try {
    const parsed: unknown = JSON.parse(request.body.toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
    refuseUnsafeShapes(parsed, 'body');
    return parsed as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

function theirs(dto: Function, body: object): object | undefined {
  try {
    return plainToInstance(dto as Class<object>, body, transformOptions) as object;
  } catch {
    return undefined;
  }
}

describe('compiled transform: plainToInstance without its generic walk', () => {
  it.each(ENDPOINTS.map((endpoint) => [endpoint.name] as const))('%s: the DTO and its nested classes are built by the plan', (name) => {
    // Fails when class-transformer builds a probe body otherwise than the plan: after an
    // upgrade, or for a DTO that uses @Type, @Expose, @Exclude or @Transform.
    expect(compiled.compiles(DTOS[name])).toBe(true);
  });

  it.each(ENDPOINTS.map((endpoint) => [endpoint.name, endpoint] as const))(
    '%s: builds the valid body into the very instance plainToInstance builds',
    (name, endpoint) => {
      const body = bodyOf(endpoint, { kind: 'fields', mutations: [] })!;
      const mine = compiled.instanceOf(DTOS[name], body);
      expect(mine).toBeDefined();
      expect(mine).toBeInstanceOf(DTOS[name]);
      expect(mine).toStrictEqual(theirs(DTOS[name], body));
    },
  );

  it.each(ENDPOINTS.map((endpoint) => [endpoint.name, endpoint] as const))(
    '%s: on generated hostile bodies, whatever it builds equals what plainToInstance builds',
    (name, endpoint) => {
      const dto = DTOS[name];
      let built = 0;
      let left = 0;
      fc.assert(
        fc.property(caseArb(endpoint), (hostile) => {
          const body = bodyOf(endpoint, hostile);
          if (body === undefined) return;
          const mine = compiled.instanceOf(dto, body);
          if (mine === undefined) {
            left += 1;
            return;
          }
          built += 1;
          expect(mine).toStrictEqual(theirs(dto, body));
        }),
        { numRuns: 300, seed: 20180419 + name.length },
      );
      // Both ways were taken, or the property says little.
      expect(built).toBeGreaterThan(50);
      expect(left).toBeGreaterThan(5);
    },
  );

  class Figure {
    @IsInt() best!: number;
  }
  class Report {
    @IsString() title!: string;
    @IsArray() @ValidateNested({ each: true }) @NestedType(() => Figure) figures!: Figure[];
    @IsOptional() @ValidateNested() @NestedType(() => Figure) killed?: Figure | null;
    @IsOptional() extra?: unknown;
  }

  it('types nested objects and array items, and keeps null, primitives and untyped objects as plainToInstance does', () => {
    for (const body of [
      { title: 'x', figures: [{ best: 1 }, { best: 2 }], killed: { best: 3 } },
      { title: 'x', figures: [], killed: null },
      { title: 'x', figures: ['not an object', 7, null, [{ best: 1 }]], killed: 'three' },
      { title: 'x', figures: [{ best: 1 }], extra: { nested: { list: [1, { deep: true }] } } },
    ]) {
      const mine = compiled.instanceOf(Report, body);
      expect(mine).toStrictEqual(theirs(Report, body));
      expect(mine).toBeInstanceOf(Report);
    }
  });

  it('leaves to class-transformer a key the class does not declare, at any depth', () => {
    expect(compiled.instanceOf(Report, { title: 'x', figures: [], titel: 'y' })).toBeUndefined();
    expect(compiled.instanceOf(Report, { title: 'x', figures: [{ best: 1, worst: 0 }] })).toBeUndefined();
  });

  it('leaves to class-transformer a class using what the plan does not reproduce', () => {
    // Exposed under another name, `title` in the body is no longer the property.
    class Exposed {
      @Expose({ name: 'heading' }) @IsString() title!: string;
    }
    class Excluded {
      @IsString() title!: string;
      @Exclude() @IsOptional() @IsString() internal?: string;
    }
    class Transformed {
      @Transform(({ value }) => String(value).trim()) @IsString() title!: string;
    }
    class Converted {
      @Type(() => Number) @IsInt() count!: number;
    }
    class Unvalidated {
      title!: string;
    }
    // A nested type declared with class-transformer's own @Type, which the plan does not read.
    class PlainType {
      @IsOptional() @ValidateNested() @Type(() => Figure) killed?: Figure;
    }
    // Nested in a class the plan builds, it leaves the whole body to class-transformer.
    class Outer {
      @IsOptional() @ValidateNested() @NestedType(() => PlainType) inner?: PlainType;
    }
    expect(compiled.instanceOf(PlainType, { killed: { best: 1 } })).toBeUndefined();
    expect(compiled.instanceOf(Outer, { inner: { killed: { best: 1 } } })).toBeUndefined();
    expect(compiled.compiles(PlainType)).toBe(false);
    expect(theirs(Exposed, { title: 'x' })).toEqual(new Exposed());
    expect(compiled.instanceOf(Exposed, { title: 'x' })).toBeUndefined();
    expect(theirs(Excluded, { title: 'x', internal: 'y' })).not.toHaveProperty('internal');
    expect(compiled.instanceOf(Excluded, { title: 'x', internal: 'y' })).toBeUndefined();
    expect(compiled.instanceOf(Transformed, { title: ' x ' })).toBeUndefined();
    expect(compiled.instanceOf(Converted, { count: '3' })).toBeUndefined();
    expect(compiled.instanceOf(Unvalidated, { title: 'x' })).toBeUndefined();
  });

  it('skips a declared key that names a getter of the class, as plainToInstance does', () => {
    class Labelled {
      @IsString() title!: string;
      @IsOptional() @IsString() get label(): string {
        return `label of ${this.title}`;
      }
    }
    const body = { title: 'x', label: 'sent' };
    const mine = compiled.instanceOf(Labelled, body) as Labelled;
    expect(mine).toStrictEqual(theirs(Labelled, body));
    expect(mine.label).toBe('label of x');
  });

  it('plans a class that nests itself', () => {
    class Node {
      @IsString() name!: string;
      @IsOptional() @IsArray() @NestedType(() => Node) children?: Node[];
    }
    const body = { name: 'a', children: [{ name: 'b', children: [{ name: 'c' }] }] };
    expect(compiled.compiles(Node)).toBe(true);
    expect(compiled.instanceOf(Node, body)).toStrictEqual(theirs(Node, body));
  });

  it('is off under transform options it does not reproduce', () => {
    const implicit = new CompiledTransform((target) => validation.declaredKeys(target), { enableImplicitConversion: true });
    expect(implicit.instanceOf(Report, { title: 'x', figures: [] })).toBeUndefined();
    expect(compiled.instanceOf(Report, { title: 'x', figures: [] })).toBeInstanceOf(Report);
  });
});
