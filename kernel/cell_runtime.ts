// What instrumented cell code (instrument.ts) calls at run time: the names of the cell
// wrapper's extra parameters, and the one helper passed in through them. Kept apart from
// instrument.ts, which needs TypeScript: the session runs cells without loading it (the
// converter thread does the parsing).
/** The cell wrapper's parameters the inserted code refers to. */
export const RAN = "__gradlab_ran__", IRQ = "__gradlab_irq__", STOP = "__gradlab_stop__", DEFINE = "__gradlab_define__";

/**
 * What `Object.defineProperty(exports, …)` (the converter's form for a named import)
 * becomes: the same property, but configurable, so that a later cell may import the
 * name again (the plain call throws "Cannot redefine property"), and with a setter that
 * turns it into a plain value, so that a later cell may declare the name itself
 * (`const split = …` over the preloaded `split`): the converter assigns
 * `exports.split = split`, which a getter alone would silently ignore.
 */
export function defineConfigurable(o: object, key: PropertyKey, attrs: PropertyDescriptor): object {
  if (!attrs.get || attrs.set) return Object.defineProperty(o, key, { ...attrs, configurable: true });
  const set = (value: unknown) => { Object.defineProperty(o, key, { value, writable: true, enumerable: true, configurable: true }); };
  return Object.defineProperty(o, key, { ...attrs, set, configurable: true });
}

