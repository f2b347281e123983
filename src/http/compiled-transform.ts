import { type ClassTransformOptions, type TypeHelpOptions, TransformationType } from 'class-transformer';
// The storage the decorators write to and plainToInstance reads; the package has no exports map.
import { defaultMetadataStorage } from 'class-transformer/cjs/storage.js';

/**
 * What `plainToInstance(metatype, body, { enableImplicitConversion: false })` builds from a
 * parsed JSON body, without class-transformer's generic walk.
 *
 * For every key of every object, the executor looks up the class's strategy and its exposed,
 * excluded, type and transform metadata, each lookup a walk over the class's ancestors: on a
 * command endpoint under load that was about a tenth of the main thread. Here each class is
 * planned once: the properties it declares (the ones class-validator knows, as the whitelist
 * does) and the nested class of each. A body with a key the class does not declare is left to
 * class-transformer, and so is any class using what the plan does not reproduce (expose,
 * exclude, transform, discriminators, strategies, typed maps or sets, conversion to String,
 * Number, Boolean, Date or Buffer). Such a body fails the whitelist anyway.
 *
 * Only bodies that passed `refuseUnsafeShapes` come here: plain JSON values, bounded depth, no
 * keys named like members of every object. `compiled-transform.spec.ts` holds the result to
 * plainToInstance's on generated bodies for every command endpoint.
 */
export class CompiledTransform {
  private readonly plans = new Map<Function, ClassPlan | null>();
  private readonly usable: boolean;

  constructor(
    /** The properties a class declares, as its validation rules name them; undefined for a class without rules. */
    private readonly declaredKeys: (target: Function) => ReadonlySet<string> | undefined,
    options: ClassTransformOptions | undefined,
  ) {
    this.usable = Object.entries(options ?? {}).every(([key, value]) => value === undefined || (key === 'enableImplicitConversion' && value === false));
  }

  /** plainToInstance's instance of `metatype` for `body`, or undefined when class-transformer must build it. */
  instanceOf(metatype: Function, body: object): object | undefined {
    if (!this.usable) return undefined;
    const built = this.build(metatype, body as Record<string, unknown>);
    return built === FALLBACK ? undefined : built;
  }

  private build(target: Function, plain: Record<string, unknown>): object | typeof FALLBACK {
    const plan = this.planOf(target);
    if (plan === null) return FALLBACK;
    const instance = new (target as new () => Record<string, unknown>)();
    for (const key of Object.keys(plain)) {
      const property = plan.get(key);
      if (property === undefined) return FALLBACK;
      if (skipped(target, instance, key)) continue;
      const type = property.type?.({ newObject: instance, object: plain, property: key });
      const value = this.convert(plain[key], type);
      if (value === FALLBACK) return FALLBACK;
      instance[key] = value;
    }
    return instance;
  }

  /** The executor's `transform` of one value: arrays item by item, objects by the nested class, or copied when there is none. */
  private convert(value: unknown, type: Function | undefined): unknown {
    if (type !== undefined && this.planOf(type) === null) return FALLBACK;
    if (Array.isArray(value)) {
      const items: unknown[] = [];
      for (const item of value) {
        const converted = this.convert(item, type);
        if (converted === FALLBACK) return FALLBACK;
        items.push(converted);
      }
      return items;
    }
    if (typeof value !== 'object' || value === null) return value;
    if (type !== undefined) return this.build(type, value as Record<string, unknown>);
    const copy: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      if (key === '__proto__' || key === 'constructor' || skipped(Object, copy, key)) continue;
      const converted = this.convert((value as Record<string, unknown>)[key], undefined);
      if (converted === FALLBACK) return FALLBACK;
      copy[key] = converted;
    }
    return copy;
  }

  private planOf(target: Function): ClassPlan | null {
    let plan = this.plans.get(target);
    if (plan === undefined) {
      plan = planClass(target, this.declaredKeys(target));
      this.plans.set(target, plan);
    }
    return plan;
  }
}

interface PropertyPlan {
  /** The `@Type` function: the class of the nested value, or of each item of an array. */
  readonly type: ((options: TypeHelpOptions) => Function) | undefined;
}

type ClassPlan = ReadonlyMap<string, PropertyPlan>;

const FALLBACK = Symbol('left to class-transformer');

function planClass(target: Function, declared: ReadonlySet<string> | undefined): ClassPlan | null {
  if (declared === undefined) return null;
  const storage = defaultMetadataStorage;
  if (
    storage.getStrategy(target) !== 'none' ||
    storage.getExposedMetadatas(target).length > 0 ||
    storage.getExcludedMetadatas(target).length > 0
  ) {
    return null;
  }
  const plan = new Map<string, PropertyPlan>();
  for (const key of declared) {
    if (storage.findTransformMetadatas(target, key, TransformationType.PLAIN_TO_CLASS).length > 0) return null;
    const type = storage.findTypeMetadata(target, key);
    if (type !== undefined) {
      const reflected = type.reflectedType as unknown;
      if (type.options?.discriminator !== undefined || reflected === Map || reflected === Set) return null;
    }
    plan.set(key, { type: type?.typeFunction });
  }
  return plan;
}

/** The executor skips a key that names a method or a getter without setter of the new object. */
function skipped(target: Function, instance: Record<string, unknown>, key: string): boolean {
  const descriptor = Object.getOwnPropertyDescriptor(target.prototype, key);
  return (descriptor !== undefined && descriptor.set === undefined) || instance[key] instanceof Function;
}
