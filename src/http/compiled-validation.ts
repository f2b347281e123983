import {
  IsOptional,
  MaxLength,
  ValidateIf,
  ValidateNested,
  type ValidationArguments,
  type ValidatorOptions,
  getMetadataStorage,
} from 'class-validator';

/**
 * class-validator's own rules, checked without its error reports.
 *
 * For a valid request, class-validator's executor builds a ValidationError per property, an
 * arguments object per constraint and a filtered copy of the metadata per object, then throws
 * them all away: on a command endpoint that was about a third of the main thread's time under
 * load. A compiled check walks the same metadata (read from class-validator's storage once per
 * class) and calls the very same constraint implementations with the same arguments, but only
 * answers yes or no. Yes is the executor's "no errors" exactly; for no, the pipe runs
 * class-validator itself, which says what is wrong. Any feature of class-validator the check
 * does not reproduce (groups, `always`, per-constraint `validateIf`, async constraints,
 * IsDefined, promise validation) makes the class uncompilable, and such a class is always
 * validated by class-validator. (Schemas registered by name with
 * `registerSchema` are not looked at: this service validates classes only.)
 *
 * class-validator's metadata storage is read through its exported `getMetadataStorage()`, but the
 * shape of what it holds is class-validator's own. Before anything is compiled, the storage is
 * asked for the rules of a calibration class whose decorators are known; if the answer is not
 * shaped as expected (an upgrade changed it), nothing compiles and class-validator validates
 * everything, slower but the same. `compiled-validation.spec.ts` fails loudly then, and holds
 * the check to class-validator's verdict on thousands of generated bodies for every command
 * endpoint.
 */
export type CompiledCheck = (instance: object) => boolean;

// The metadata's types, as class-validator's ValidationTypes names them.
const CUSTOM = 'customValidation';
const NESTED = 'nestedValidation';
const CONDITIONAL = 'conditionalValidation';
const WHITELIST = 'whitelistValidation';

interface Constraint {
  readonly validate: (value: unknown, args: ValidationArguments) => unknown;
  readonly each: boolean;
  readonly constraints: unknown[];
  readonly propertyName: string;
}

interface PropertyRules {
  readonly name: string;
  /** IsOptional and ValidateIf: when one answers false, nothing else is checked. */
  readonly conditions: readonly ((object: object, value: unknown) => boolean)[];
  readonly constraints: readonly Constraint[];
  readonly nested: boolean;
}

interface ClassRules {
  readonly properties: readonly PropertyRules[];
  readonly known: ReadonlySet<string>;
}

/** What the check reads of class-validator's storage. */
export interface ValidationMetadataStorage {
  getTargetValidationMetadatas(target: Function, schema: string, always: boolean, strictGroups: boolean, groups?: string[]): unknown[];
  groupByPropertyName(metadatas: unknown[]): Record<string, unknown[]>;
  getTargetValidatorConstraints(target: Function): unknown[];
}

/** One rule as the storage holds it, once checked to be shaped so. */
interface RuleMetadata {
  readonly type: string;
  readonly propertyName: string;
  readonly constraints: unknown[];
  readonly each?: boolean;
  readonly groups?: readonly string[];
  readonly always?: boolean;
  readonly validateIf?: unknown;
  readonly constraintCls?: Function;
}

/** Validator options the check reproduces; anything else set makes it refuse to compile. */
const REPRODUCED_OPTIONS = new Set(['whitelist', 'forbidNonWhitelisted', 'forbidUnknownValues', 'validationError', 'stopAtFirstError']);

class Uncompilable extends Error {}

export class CompiledValidation {
  private readonly rules = new Map<Function, ClassRules | null>();
  private readonly checks = new Map<Function, CompiledCheck | null>();
  /** False when the storage is not shaped as this check reads it: class-validator then decides alone. */
  readonly storageUnderstood: boolean;

  constructor(
    private readonly options: ValidatorOptions,
    private readonly storage: ValidationMetadataStorage = getMetadataStorage() as unknown as ValidationMetadataStorage,
  ) {
    this.storageUnderstood = this.readsCalibration();
  }

  /** The check for instances of `metatype`, or undefined when only class-validator can validate it. */
  checkFor(metatype: Function): CompiledCheck | undefined {
    let check = this.checks.get(metatype);
    if (check === undefined) {
      check = this.compile(metatype);
      this.checks.set(metatype, check);
    }
    return check ?? undefined;
  }

  /** The properties a class's rules name (what the whitelist lets through), or undefined for a class the check cannot compile. */
  declaredKeys(target: Function): ReadonlySet<string> | undefined {
    if (!this.storageUnderstood) return undefined;
    try {
      return this.rulesOf(target)?.known;
    } catch (error) {
      if (error instanceof Uncompilable) return undefined;
      throw error;
    }
  }

  private compile(metatype: Function): CompiledCheck | null {
    if (!this.storageUnderstood) return null;
    const options = this.options;
    if (Object.entries(options).some(([key, value]) => value !== undefined && !REPRODUCED_OPTIONS.has(key))) return null;
    // Without forbidNonWhitelisted, the whitelist deletes unknown properties: not a yes/no question.
    if (options.whitelist === true && options.forbidNonWhitelisted !== true) return null;
    try {
      this.rulesOf(metatype);
    } catch (error) {
      if (error instanceof Uncompilable) return null;
      throw error;
    }
    return (instance) => {
      try {
        return this.objectValid(instance);
      } catch {
        // A class met only now (a nested value's own class) may not compile, or a constraint
        // threw: either way, class-validator decides.
        return false;
      }
    };
  }

  /** The executor's `execute` on one object, answering only whether it found nothing. */
  private objectValid(object: object): boolean {
    const rules = this.rulesOf(object.constructor);
    if (rules === null) {
      // forbidUnknownValues (on unless turned off): an object of a class without rules is an error.
      if (this.options.forbidUnknownValues !== false) return false;
      return this.options.whitelist !== true || Object.keys(object).length === 0;
    }
    if (this.options.whitelist === true) {
      for (const key of Object.keys(object)) if (!rules.known.has(key)) return false;
    }
    for (const property of rules.properties) {
      const value = (object as Record<string, unknown>)[property.name];
      if (value instanceof Promise) return false;
      if (!this.propertyValid(object, value, property)) return false;
    }
    return true;
  }

  private propertyValid(object: object, value: unknown, property: PropertyRules): boolean {
    for (const condition of property.conditions) if (!condition(object, value)) return true;
    for (const constraint of property.constraints) {
      const args: ValidationArguments = {
        targetName: object.constructor ? object.constructor.name : (undefined as unknown as string),
        property: constraint.propertyName,
        object,
        value,
        constraints: constraint.constraints,
      };
      if (constraint.each && (Array.isArray(value) || value instanceof Set || value instanceof Map)) {
        for (const item of value instanceof Map || value instanceof Set ? [...value.values()] : value) {
          if (!settled(constraint.validate(item, args))) return false;
        }
      } else if (!settled(constraint.validate(value, args))) {
        return false;
      }
    }
    return !property.nested || this.nestedValid(value);
  }

  /** The executor's `nestedValidations`: arrays item by item, objects by their own class, anything else an error. */
  private nestedValid(value: unknown): boolean {
    if (value === undefined) return true;
    if (Array.isArray(value) || value instanceof Set || value instanceof Map) {
      const items = value instanceof Set ? [...value] : value instanceof Map ? [...value.values()] : value;
      for (const item of items) if (!this.nestedValid(item)) return false;
      return true;
    }
    if (value instanceof Object) return this.objectValid(value);
    return false;
  }

  private rulesOf(target: Function): ClassRules | null {
    const known = this.rules.get(target);
    if (known !== undefined) return known;
    const storage = this.storage;
    const metadatas = storage.getTargetValidationMetadatas(target, '', false, false, undefined);
    if (!Array.isArray(metadatas)) throw new Uncompilable();
    if (metadatas.length === 0) {
      this.rules.set(target, null);
      return null;
    }
    const grouped = storage.groupByPropertyName(metadatas);
    const properties: PropertyRules[] = [];
    for (const [name, list] of Object.entries(grouped)) {
      const conditions: ((object: object, value: unknown) => boolean)[] = [];
      const constraints: Constraint[] = [];
      let nested = false;
      for (const metadata of list.map(ruleMetadata)) {
        if ((metadata.groups?.length ?? 0) > 0 || metadata.always === true || metadata.validateIf !== undefined) throw new Uncompilable();
        switch (metadata.type) {
          case WHITELIST:
            break;
          case CONDITIONAL: {
            const condition = metadata.constraints[0];
            if (typeof condition !== 'function') throw new Uncompilable();
            conditions.push(condition as (object: object, value: unknown) => boolean);
            break;
          }
          case NESTED:
            // The executor walks arrays item by item whether `each` is set or not.
            nested = true;
            break;
          case CUSTOM:
            for (const constraint of storage.getTargetValidatorConstraints(metadata.constraintCls!)) {
              const { async, instance } = (constraint ?? {}) as { async?: unknown; instance?: { validate?: unknown } };
              if (async !== false && async !== undefined) throw new Uncompilable();
              if (typeof instance?.validate !== 'function') throw new Uncompilable();
              constraints.push({
                validate: (instance.validate as Constraint['validate']).bind(instance),
                each: metadata.each === true,
                constraints: metadata.constraints,
                propertyName: metadata.propertyName,
              });
            }
            break;
          default:
            // isDefined, promiseValidation, and whatever a later class-validator adds.
            throw new Uncompilable();
        }
      }
      properties.push({ name, conditions, constraints, nested });
    }
    const rules: ClassRules = { properties, known: new Set(properties.map((p) => p.name)) };
    this.rules.set(target, rules);
    return rules;
  }

  /**
   * Whether the storage answers for `ValidationCalibration` what this check expects of it:
   * one property each, a condition, a custom constraint with `each` and its arguments, the
   * nested marker. Anything else, or an error, means the storage is shaped otherwise.
   */
  private readsCalibration(): boolean {
    try {
      const metadatas = this.storage.getTargetValidationMetadatas(ValidationCalibration, '', false, false, undefined);
      if (!Array.isArray(metadatas)) return false;
      const grouped = this.storage.groupByPropertyName(metadatas);
      if (Object.keys(grouped).sort().join() !== 'nested,text') return false;
      const text = grouped['text']!.map(ruleMetadata);
      const nested = grouped['nested']!.map(ruleMetadata);
      const custom = text.find((metadata) => metadata.type === CUSTOM);
      const constraints = custom ? this.storage.getTargetValidatorConstraints(custom.constraintCls!) : [];
      const instance = (constraints[0] as { instance?: { validate?: unknown } } | undefined)?.instance;
      return (
        text.length === 3 &&
        text.filter((metadata) => metadata.type === CONDITIONAL).length === 2 &&
        text.every((metadata) => metadata.type !== CONDITIONAL || typeof metadata.constraints[0] === 'function') &&
        custom?.each === true &&
        custom.constraints[0] === 3 &&
        constraints.length === 1 &&
        typeof instance?.validate === 'function' &&
        (instance.validate as Constraint['validate'])('four', { constraints: [3] } as ValidationArguments) === false &&
        nested.length === 1 &&
        nested[0]!.type === NESTED
      );
    } catch {
      return false;
    }
  }
}

/** A rule of the storage, checked to be shaped as this check reads it. */
function ruleMetadata(value: unknown): RuleMetadata {
  const metadata = value as Partial<RuleMetadata> | null;
  if (
    typeof metadata !== 'object' ||
    metadata === null ||
    typeof metadata.type !== 'string' ||
    typeof metadata.propertyName !== 'string' ||
    !(metadata.constraints === undefined || Array.isArray(metadata.constraints)) ||
    (metadata.type === CUSTOM && typeof metadata.constraintCls !== 'function')
  ) {
    throw new Uncompilable();
  }
  return { ...metadata, constraints: metadata.constraints ?? [] } as RuleMetadata;
}

/** Rules whose metadata the storage must report as `readsCalibration` expects. */
class ValidationCalibration {
  @IsOptional()
  @ValidateIf(() => true)
  @MaxLength(3, { each: true })
  text?: string[];

  @ValidateNested()
  nested?: object;
}

/**
 * A constraint's answer, as the executor reads it: truthy passes; a thenable (what
 * class-validator's `isPromise` takes for one) is async, which only class-validator settles.
 */
function settled(answer: unknown): boolean {
  if (answer !== null && typeof answer === 'object' && typeof (answer as { then?: unknown }).then === 'function') return false;
  return Boolean(answer);
}
