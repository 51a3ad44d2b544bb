/**
 * Request bodies made from a route's JSON Schema (as the hub's OpenAPI document publishes it), and the same
 * bodies with one thing spoilt, for tests that drive every route without knowing it. Deterministic: the
 * same seed makes the same requests, so a failure can be replayed.
 */

type Schema = Record<string, any>;

/** Values no field expects: wrong types, edge numbers, hostile and broken text. */
export const HOSTILE_VALUES: readonly unknown[] = [
  null, true, 0, -1, 1.5, 2 ** 31, 2 ** 53, -(2 ** 63), 1e308, '', ' ', 'x'.repeat(5000), '\ud800', '💥', '<script>alert(1)</script>',
  "'; DROP TABLE orders;--", '0', 'NaN', '2026-13-45', [], [null], {}, { a: 1 },
];

/** Path segments that name nothing: empty-ish, encoded, traversal, overlong. */
export const HOSTILE_SEGMENTS: readonly string[] = ['x', '%00', '..%2F..', 'x'.repeat(300), '%F0%9F%92%A5', '-1', 'null', '%ZZ', "'", '%20'];

/** Text a string field gets when no id fits it: the first ones that match its pattern and length. */
const SAMPLE_TEXT = ['少辣 less spicy', 'x', 'Table by the window', '2', '1111', '9999', '123456', '2026-11-26', 'ABCD2345', 'a'.repeat(32)];

const EDGE_INTEGERS = [0, 1, 2, 99, 100, 101, 2 ** 31, 2 ** 53 - 1, -1];

export class BodyMaker {
  constructor(
    private readonly random: () => number,
    /**
     * Real ids of the store by field name (`itemId`, `tableId`, …): a field of that name, or an element of
     * its plural (`optionIds`), usually gets one of them, so bodies get past validation into the rules.
     */
    private readonly ids: Readonly<Record<string, readonly string[]>>,
  ) {}

  pick<T>(from: readonly T[]): T {
    return from[Math.floor(this.random() * from.length)] as T;
  }

  /** A value that fits the schema's shape (often valid; required fields always present). */
  make(schema: Schema, field = '', root: Schema = schema, depth = 0): unknown {
    if (schema.$ref) return this.make(root.$defs?.[String(schema.$ref).split('/').pop() ?? ''] ?? {}, field, root, depth);
    if (schema.const !== undefined) return schema.const;
    if (schema.enum) return this.pick(schema.enum);
    if (schema.anyOf) return this.make(this.pick(schema.anyOf), field, root, depth);
    if (schema.oneOf) return this.make(this.pick(schema.oneOf), field, root, depth);
    if (schema.allOf) return Object.assign({}, ...schema.allOf.map((s: Schema) => this.make(s, field, root, depth)));
    switch (Array.isArray(schema.type) ? this.pick(schema.type) : schema.type) {
      case 'object': {
        const out: Record<string, unknown> = {};
        for (const [name, property] of Object.entries(schema.properties ?? {})) {
          if (schema.required?.includes(name) || this.random() < 0.5) out[name] = this.make(property as Schema, name, root, depth + 1);
        }
        return out;
      }
      case 'array': {
        const length = depth > 4 ? 0 : Math.max(schema.minItems ?? 0, 1 + Math.floor(this.random() * 2));
        const element = field.endsWith('Ids') ? field.slice(0, -1) : '';
        return Array.from({ length: Math.min(length, schema.maxItems ?? length) }, () => this.make(schema.items ?? {}, element, root, depth + 1));
      }
      case 'integer':
      case 'number':
        if (this.random() < 0.3) return this.pick(EDGE_INTEGERS);
        return schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : 1);
      case 'boolean':
        return this.random() < 0.5;
      case 'string': {
        const known = this.ids[field];
        if (known && known.length > 0 && this.random() < 0.9) return this.pick(known);
        const fits = (t: string) =>
          t.length >= (schema.minLength ?? 0) && t.length <= (schema.maxLength ?? Infinity) && (!schema.pattern || new RegExp(schema.pattern, 'u').test(t));
        const fitting = SAMPLE_TEXT.filter(fits);
        return fitting.length > 0 ? this.pick(fitting) : 'x'.repeat(Math.max(schema.minLength ?? 1, 1));
      }
      case 'null':
        return null;
      default:
        return {};
    }
  }

  /** The value with one thing spoilt somewhere inside it: replaced, removed, or an unknown field added. */
  spoil(value: unknown): unknown {
    if (value === null || typeof value !== 'object' || this.random() < 0.2) return this.pick(HOSTILE_VALUES);
    if (Array.isArray(value)) {
      if (value.length === 0 || this.random() < 0.2) return [...value, this.pick(HOSTILE_VALUES)];
      const copy = [...value];
      const i = Math.floor(this.random() * copy.length);
      copy[i] = this.spoil(copy[i]);
      return copy;
    }
    const copy: Record<string, unknown> = { ...value };
    const names = Object.keys(copy);
    if (names.length === 0 || this.random() < 0.15) {
      // defineProperty: a plain assignment of "__proto__" would set the prototype instead of adding the field
      Object.defineProperty(copy, this.pick(['extra', 'id', '__proto__', 'constructor']), { value: this.pick(HOSTILE_VALUES), enumerable: true, writable: true, configurable: true });
    } else if (this.random() < 0.2) {
      delete copy[this.pick(names)];
    } else {
      const name = this.pick(names);
      copy[name] = this.spoil(copy[name]);
    }
    return copy;
  }
}
