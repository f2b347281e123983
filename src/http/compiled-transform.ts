import 'reflect-metadata';
import { type ClassTransformOptions, plainToInstance } from 'class-transformer';
import { type NestedTypeFunction, nestedTypeOf } from './nested-type.decorator.js';

/**
 * What `plainToInstance(metatype, body, { enableImplicitConversion: false })` builds from a
 * parsed JSON body, without class-transformer's generic walk.
 *
 * For every key of every object, the executor looks up the class's strategy and its exposed,
 * excluded, type and transform metadata, each lookup a walk over the class's ancestors: on a
 * command endpoint under load that was about a tenth of the main thread. Here each class is
 * planned once: the properties it declares (the ones class-validator knows, as the whitelist
 * does) and the nested class of each, from `@NestedType`. A body with a key the class does not
 * declare is left to class-transformer.
 *
 * class-transformer's storage is not read: whether a class uses something the plan does not
 * reproduce (expose, exclude, transform, discriminators, strategies, a plain `@Type`, typed maps
 * or sets, conversion to String, Number, Boolean, Date or Buffer) is asked of class-transformer
 * itself, by building probe bodies both ways when the class is planned. A class whose probes
 * differ is left to class-transformer, so a class-transformer that behaves otherwise after an
 * upgrade slows the pipe down rather than changing what it builds; `compiled-transform.spec.ts`
 * fails loudly then, and holds the result to plainToInstance's on generated bodies for every
 * command endpoint.
 *
 * Only bodies that passed `refuseUnsafeShapes` come here: plain JSON values, bounded depth, no
 * keys named like members of every object.
 */
export class CompiledTransform {
  private readonly plans = new Map<Function, ClassPlan | null>();
  private readonly usable: boolean;

  constructor(
    /** The properties a class declares, as its validation rules name them; undefined for a class without rules. */
    private readonly declaredKeys: (target: Function) => ReadonlySet<string> | undefined,
    private readonly options: ClassTransformOptions | undefined,
  ) {
    this.usable = Object.entries(options ?? {}).every(([key, value]) => value === undefined || (key === 'enableImplicitConversion' && value === false));
  }

  /** plainToInstance's instance of `metatype` for `body`, or undefined when class-transformer must build it. */
  instanceOf(metatype: Function, body: object): object | undefined {
    if (!this.usable) return undefined;
    const built = this.build(metatype, body as Record<string, unknown>);
    return built === FALLBACK ? undefined : built;
  }

  /** Whether the plan builds instances of `metatype` itself (for the specs that hold it to class-transformer). */
  compiles(metatype: Function): boolean {
    return this.usable && this.planOf(metatype) !== null;
  }

  private build(target: Function, plain: Record<string, unknown>): object | typeof FALLBACK {
    const plan = this.planOf(target);
    if (plan === null) return FALLBACK;
    return this.buildWith(target, plan, plain);
  }

  private buildWith(target: Function, plan: ClassPlan, plain: Record<string, unknown>): object | typeof FALLBACK {
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
      // Settled before probing: a class nested in itself is planned while its probes run.
      this.plans.set(target, null);
      plan = this.planClass(target);
      this.plans.set(target, plan);
    }
    return plan;
  }

  private planClass(target: Function): ClassPlan | null {
    const declared = this.declaredKeys(target);
    if (declared === undefined) return null;
    const plan = new Map<string, PropertyPlan>();
    for (const key of declared) {
      const reflected: unknown = Reflect.getMetadata('design:type', target.prototype as object, key);
      // class-transformer builds a Map or a Set for a property typed so.
      if (reflected === Map || reflected === Set) return null;
      plan.set(key, { type: nestedTypeOf(target, key) });
    }
    this.plans.set(target, plan);
    return this.agreesWithClassTransformer(target, plan) ? plan : null;
  }

  /**
   * Builds probe bodies with the plan and with plainToInstance: every declared key set to a
   * string of its own, to an empty object, and to a list of one. Expose, exclude, transform,
   * strategies and conversions change the first; a nested type the plan does not know (a
   * plain `@Type`, a discriminator) changes the others.
   */
  private agreesWithClassTransformer(target: Function, plan: ClassPlan): boolean {
    const keys = [...plan.keys()];
    const probes = [
      (key: string): unknown => `\u0000probe of ${key}`,
      (): unknown => ({}),
      (): unknown => [{}],
    ];
    for (const valueOf of probes) {
      const body = Object.fromEntries(keys.map((key) => [key, valueOf(key)]));
      let theirs: unknown;
      try {
        theirs = plainToInstance(target as new () => object, body, this.options);
      } catch {
        return false;
      }
      const mine = this.buildWith(target, plan, body);
      if (mine === FALLBACK || !sameBuild(mine, theirs)) return false;
    }
    return true;
  }
}

interface PropertyPlan {
  /** The `@NestedType` function: the class of the nested value, or of each item of an array. */
  readonly type: NestedTypeFunction | undefined;
}

type ClassPlan = ReadonlyMap<string, PropertyPlan>;

const FALLBACK = Symbol('left to class-transformer');

/** The same values, built by the same classes, with the same own keys. */
function sameBuild(a: unknown, b: unknown): boolean {
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return Object.is(a, b);
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) => Object.prototype.hasOwnProperty.call(b, key) && sameBuild((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
}

/** The executor skips a key that names a method or a getter without setter of the new object. */
function skipped(target: Function, instance: Record<string, unknown>, key: string): boolean {
  const descriptor = Object.getOwnPropertyDescriptor(target.prototype, key);
  return (descriptor !== undefined && descriptor.set === undefined) || instance[key] instanceof Function;
}
