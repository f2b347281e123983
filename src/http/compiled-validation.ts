import { type ValidationArguments, type ValidatorOptions, getMetadataStorage } from 'class-validator';

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
 * `compiled-validation.spec.ts` holds the check to class-validator's verdict on thousands of
 * generated bodies for every command endpoint.
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

/** Validator options the check reproduces; anything else set makes it refuse to compile. */
const REPRODUCED_OPTIONS = new Set(['whitelist', 'forbidNonWhitelisted', 'forbidUnknownValues', 'validationError', 'stopAtFirstError']);

class Uncompilable extends Error {}

export class CompiledValidation {
  private readonly rules = new Map<Function, ClassRules | null>();
  private readonly checks = new Map<Function, CompiledCheck | null>();

  constructor(private readonly options: ValidatorOptions) {}

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
    try {
      return this.rulesOf(target)?.known;
    } catch (error) {
      if (error instanceof Uncompilable) return undefined;
      throw error;
    }
  }

  private compile(metatype: Function): CompiledCheck | null {
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
    const storage = getMetadataStorage();
    const metadatas = storage.getTargetValidationMetadatas(target, '', false, false, undefined);
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
      for (const metadata of list) {
        if ((metadata.groups?.length ?? 0) > 0 || metadata.always === true || metadata.validateIf !== undefined) throw new Uncompilable();
        switch (metadata.type) {
          case WHITELIST:
            break;
          case CONDITIONAL:
            conditions.push(metadata.constraints[0] as (object: object, value: unknown) => boolean);
            break;
          case NESTED:
            // The executor walks arrays item by item whether `each` is set or not.
            nested = true;
            break;
          case CUSTOM:
            for (const constraint of storage.getTargetValidatorConstraints(metadata.constraintCls)) {
              if (constraint.async) throw new Uncompilable();
              const instance = constraint.instance as { validate: Constraint['validate'] };
              constraints.push({
                validate: instance.validate.bind(instance),
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
}

/**
 * A constraint's answer, as the executor reads it: truthy passes; a thenable (what
 * class-validator's `isPromise` takes for one) is async, which only class-validator settles.
 */
function settled(answer: unknown): boolean {
  if (answer !== null && typeof answer === 'object' && typeof (answer as { then?: unknown }).then === 'function') return false;
  return Boolean(answer);
}
