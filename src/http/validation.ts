import { ValidationPipe, type ArgumentMetadata, type ValidationPipeOptions } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import type { ValidationError } from 'class-validator';
import { ApiHttpException } from './api-http-exception.js';
import { CompiledTransform } from './compiled-transform.js';
import { CompiledValidation } from './compiled-validation.js';
import { itemRuleOf } from './item-rules.js';

/** One field that failed validation, as it appears in `details`. */
export type FieldProblems = {
  /** Path from the root of the input: `sources[0].credibility`, `positions[2].id`. */
  readonly field: string;
  readonly problems: readonly string[];
};

/** Enough to say what is wrong without letting a 1 MiB body of mistakes produce a huge answer. */
export const MAX_VALIDATION_DETAILS = 20;

/** A field name is quoted back at most this long: an unknown key may be 1 MiB long. */
const MAX_QUOTED_NAME = 64;

/** No request of this API nests deeper; anything deeper is refused before it is transformed. */
export const MAX_INPUT_DEPTH = 8;

/** A field name as it may be quoted back: at most 64 characters of it. */
export const quoteName = (name: string): string => (name.length > MAX_QUOTED_NAME ? `${name.slice(0, MAX_QUOTED_NAME)}…` : name);

/**
 * Constraints that say a value is of the wrong kind altogether. When one of them fails, the
 * others of the field (lengths, ranges, patterns) and its nested fields say nothing useful:
 * `kind: 5` is "must be a string", not also "must be longer than 1 character", and a `sources`
 * that is an object is "must be an array", not a list of problems with `sources.name`.
 */
const TYPE_CONSTRAINTS = new Set(['isString', 'isArray', 'isObject', 'isInt', 'isNumber', 'isBoolean', 'nestedValidation']);

/** The path of `property` inside the field at `parent` (`''` for the root): `sources[0]`, `sources[0].kind`. */
export function childPath(parent: string, property: string): string {
  // class-validator names the items of a validated array by their index.
  if (/^\d+$/.test(property)) {
    return `${parent}[${property}]`;
  }
  return parent === '' ? quoteName(property) : `${parent}.${quoteName(property)}`;
}

/** What a problem calls the field: its own name (`kind`), or an item with its index (`sources[0]`). */
const labelOf = (field: string): string => field.slice(field.lastIndexOf('.') + 1);

/** class-validator's wording, where it is not meant for clients. */
function wording(constraint: string, message: string, label: string): string {
  switch (constraint) {
    case 'whitelistValidation':
      // class-validator quotes an unknown property's name in full in its message.
      return 'is not a known field';
    case 'unknownValue':
      return 'must be a JSON object';
    case 'nestedValidation':
      return `${label} must be an object`;
    default:
      return message;
  }
}

/**
 * Flattens class-validator's error tree into one entry per field that has problems, each
 * named by its path from the root of the input (`sources[0].kind`, `positions[2]`). `root`
 * names the input itself (`body`, `query`) for errors that have no property, such as a body
 * that is not an object. The errors must carry their values (`validationError.value`):
 * - a field that is missing or null has one problem, "<field> is required" (optional fields
 *   are never reported absent: class-validator skips them);
 * - a field of the wrong kind has only that problem, and its nested fields are not looked at;
 * - a list rule of `EachItem` is reported at each item that breaks it.
 */
export function flattenValidationErrors(errors: readonly ValidationError[], root = 'body'): FieldProblems[] {
  const flat = new Map<string, string[]>();
  const add = (field: string, problems: readonly string[]): void => {
    const known = flat.get(field) ?? [];
    for (const problem of problems) if (!known.includes(problem)) known.push(problem);
    flat.set(field, known);
  };
  const visit = (error: ValidationError, parent: string, settled: ReadonlySet<string>): void => {
    const property = error.property === undefined || error.property === null ? '' : String(error.property);
    const path = property === '' ? parent : childPath(parent, property);
    if (settled.has(path)) return;
    const field = path === '' ? root : path;
    const label = labelOf(field);
    const constraints = Object.entries(error.constraints ?? {});
    if (constraints.some(([constraint]) => constraint === 'whitelistValidation')) {
      add(field, ['is not a known field']);
      return;
    }
    const isItem = /^\d+$/.test(property);
    if (constraints.length > 0 && property !== '' && !isItem && (error.value === undefined || error.value === null)) {
      add(field, [`${label} is required`]);
      return;
    }
    const wrongKind = constraints.filter(([constraint]) => TYPE_CONSTRAINTS.has(constraint));
    if (wrongKind.length > 0) {
      add(field, wrongKind.map(([constraint, message]) => wording(constraint, message, label)));
      return;
    }
    const problems: string[] = [];
    const items: [string, string][] = [];
    for (const [constraint, message] of constraints) {
      const rule = itemRuleOf(constraint);
      if (rule === undefined || !Array.isArray(error.value)) {
        problems.push(wording(constraint, message, label));
        continue;
      }
      (error.value as unknown[]).forEach((item, index) => {
        const problem = rule(item);
        if (problem !== undefined) items.push([`${path}[${index}]`, problem]);
      });
    }
    if (problems.length > 0) add(field, problems);
    for (const [item, problem] of items) add(item, [`${labelOf(item)} ${problem}`]);
    // An item already reported as wrong is not looked into.
    const reported = new Set(items.map(([item]) => item));
    for (const child of error.children ?? []) {
      visit(child, path, reported);
    }
  };
  errors.forEach((error) => visit(error, '', new Set()));
  return [...flat].map(([field, problems]) => ({ field, problems }));
}

/** The 400 VALIDATION_FAILED for a list of class-validator errors. */
export function validationFailed(errors: readonly ValidationError[]): ApiHttpException {
  const all = flattenValidationErrors(errors);
  const details =
    all.length > MAX_VALIDATION_DETAILS
      ? [
          ...all.slice(0, MAX_VALIDATION_DETAILS),
          { field: '…', problems: [`${all.length - MAX_VALIDATION_DETAILS} more fields have problems`] },
        ]
      : all;
  const fields = all.map((entry) => entry.field);
  const summary =
    fields.length === 1
      ? `Validation failed for ${fields[0]}`
      : `Validation failed for ${fields.length} fields: ${fields.slice(0, 5).join(', ')}${fields.length > 5 ? ', …' : ''}`;
  return new ApiHttpException(400, 'VALIDATION_FAILED', summary, { details });
}

/**
 * Nest's pipe validates a non-object body against an empty stand-in, which reports every
 * required field as missing; "the body must be a JSON object" is the useful answer.
 */
class ApiValidationPipe extends ValidationPipe {
  private readonly compiled: CompiledValidation;
  private readonly compiledTransform: CompiledTransform;

  constructor(options: ValidationPipeOptions) {
    super(options);
    this.compiled = new CompiledValidation(this.validatorOptions);
    this.compiledTransform = new CompiledTransform((target) => this.compiled.declaredKeys(target), this.transformOptions);
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const isObject = typeof value === 'object' && value !== null && !Array.isArray(value);
    if (metadata.type === 'body' && value !== undefined && !isObject && this.toValidate(metadata)) {
      throw validationFailed([{ property: '', constraints: { isObject: 'must be a JSON object' }, children: [] }]);
    }
    if (isObject && this.toValidate(metadata)) {
      refuseUnsafeShapes(value, metadata.type === 'body' ? 'body' : metadata.type);
      if (metadata.type === 'body') {
        const accepted = this.acceptedAsIs(value, metadata.metatype!);
        if (accepted !== undefined) return accepted;
      }
    }
    return super.transform(value, metadata);
  }

  /**
   * The DTO the full pipe would return, when class-validator's rules, checked by the compiled
   * check, find nothing wrong; undefined sends the body through the full pipe, which also
   * words the errors. A parsed JSON object that passed `refuseUnsafeShapes` has none of what
   * the full pipe prepares a value for (gaps in arrays, prototype keys, binary values), so
   * both build the instance the same way, the compiled transform where it can.
   */
  private acceptedAsIs(value: object, metatype: Function): object | undefined {
    const check = this.compiled.checkFor(metatype);
    if (check === undefined) return undefined;
    const entity =
      this.compiledTransform.instanceOf(metatype, value) ??
      (plainToInstance(metatype as new () => object, value, this.transformOptions) as object);
    if (entity.constructor !== metatype) return undefined;
    return check(entity) ? entity : undefined;
  }
}

/**
 * Refuses, before class-transformer sees them, the shapes it cannot handle safely: nesting
 * deeper than any request of this API (it recurses, and a deep enough value overflows the
 * stack), and keys named like members of every object (`constructor`, `toString`,
 * `__proto__`, `prototype`, …), which it skips silently instead of letting the whitelist
 * refuse them. Iterative, so that the check itself cannot overflow.
 */
export function refuseUnsafeShapes(input: object, root: string): void {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value: input, path: '', depth: 1 }];
  const problems: FieldProblems[] = [];
  while (stack.length > 0 && problems.length < MAX_VALIDATION_DETAILS) {
    const { value, path, depth } = stack.pop()!;
    if (typeof value !== 'object' || value === null) continue;
    if (depth > MAX_INPUT_DEPTH) {
      problems.push({ field: path || root, problems: [`nests deeper than ${MAX_INPUT_DEPTH} levels`] });
      continue;
    }
    for (const key of Object.keys(value)) {
      const path_ = childPath(path, key);
      if (!Array.isArray(value) && (key in Object.prototype || key === 'prototype')) {
        problems.push({ field: path_, problems: ['is not a known field'] });
        continue;
      }
      stack.push({ value: (value as Record<string, unknown>)[key], path: path_, depth: depth + 1 });
    }
  }
  if (problems.length > 0) {
    const fields = problems.map((p) => p.field);
    throw new ApiHttpException(400, 'VALIDATION_FAILED', `Validation failed for ${fields.slice(0, 5).join(', ')}`, {
      details: problems,
    });
  }
}

/**
 * The global pipe's options. Unknown fields are refused (a misspelt `occuredAt` must not pass),
 * values are never converted implicitly (`"3"` stays a string and fails `@IsInt()`), and
 * DTOs arrive as class instances. `@IsOptional()` lets `null` through as "absent", which
 * API.md asks for. Errors carry the values they are about, for `flattenValidationErrors` to
 * tell a missing field from a wrong one; no value is ever put in an answer.
 */
export const VALIDATION_PIPE_OPTIONS: ValidationPipeOptions = {
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: true,
  transform: true,
  transformOptions: { enableImplicitConversion: false },
  validationError: { target: false, value: true },
  exceptionFactory: (errors) => validationFailed(errors),
};

/** The global pipe: class-validator's rules, checked by a compiled check where a class allows it (see `CompiledValidation`). */
export function createValidationPipe(): ValidationPipe {
  return new ApiValidationPipe(VALIDATION_PIPE_OPTIONS);
}
