import type { Environment, ParseResult } from '@marcbachmann/cel-js';

/*
 * The parsed form of a condition, worked on before its first evaluation: `matches` is
 * routed to the RE2 function, every node's evaluation is metered, and the shape is
 * measured for the limits of condition.ts. cel-js (7.x) offers no hook for any of this,
 * so this module is the one place that relies on its parsed nodes beyond the typed API:
 *
 * - a node has `op`, `args`, `meta` (its handlers), `clone(operator, args)` and `setMeta`;
 * - `meta.alternate`, when set, is type-checked and evaluated in place of the node (how
 *   cel-js expands its own macros); `meta.macro` is a macro with its own `evaluate`;
 * - an evaluator evaluates a child as `child.evaluate(evaluator, child, context)`, so an
 *   own `evaluate` on a node wraps every evaluation of that node.
 *
 * `assertAstInternals` checks at load that nodes have these members; condition.spec.ts pins
 * the behaviour (RE2 answers, macros evaluating as before, the budget stopping a loop).
 */

type NodeEvaluator = (this: CelNode, evaluator: unknown, node: CelNode, context: unknown) => unknown;

interface Operator {
  readonly name: string;
  readonly check: unknown;
  readonly evaluate: unknown;
}

interface NodeMeta {
  readonly check: unknown;
  readonly evaluate: NodeEvaluator;
  readonly alternate?: CelNode;
  readonly macro?: { readonly evaluate: NodeEvaluator; readonly [key: string]: unknown };
}

export interface CelNode {
  readonly op: string;
  readonly args: unknown;
  readonly meta: NodeMeta;
  clone(operator: Operator, args: unknown): CelNode;
  setMeta(key: 'alternate', value: CelNode): CelNode;
  evaluate: NodeEvaluator;
}

/** The macros that expand to a loop over a list or map. */
const COMPREHENSION = 'comprehension';

/** Operations whose work grows with their operands' size: comparisons, concatenation, function calls. */
const CONSUMERS = new Set(['call', 'rcall', '==', '!=', 'in', '<', '<=', '>', '>=', '+']);
/** Operations that build a value as large as their result. */
const PRODUCERS = new Set(['call', 'rcall', 'list', 'map', '+', COMPREHENSION]);

export function rootOf(program: ParseResult): CelNode {
  return program.ast as unknown as CelNode;
}

/** Fails at load, rather than on the first hostile event, when cel-js no longer has the internals used here. */
export function assertAstInternals(environment: Environment): { nodeClass: abstract new (...args: never[]) => CelNode; call: Operator } {
  const node = rootOf(environment.parse('matches("", "")'));
  const meta = (node as Partial<CelNode>).meta;
  if (
    node.op !== 'call' ||
    typeof node.clone !== 'function' ||
    typeof node.setMeta !== 'function' ||
    typeof meta?.check !== 'function' ||
    typeof meta.evaluate !== 'function'
  ) {
    throw new Error('@marcbachmann/cel-js: parsed nodes lack the internals conditions rely on (see cel-ast.ts)');
  }
  return {
    nodeClass: node.constructor as abstract new (...args: never[]) => CelNode,
    call: { name: 'call', check: meta.check, evaluate: meta.evaluate },
  };
}

/** What the walk learnt about an expression's shape. */
export interface ExpressionShape {
  /** Comprehensions (`all`, `exists`, `exists_one`, `map`, `filter`). */
  comprehensions: number;
  /** The deepest nesting of a comprehension inside another's body; 1 for a lone comprehension. */
  comprehensionNesting: number;
  /** The literal patterns given to `matches`. */
  literalPatterns: string[];
}

export interface Meter {
  /** Called before a node is evaluated. */
  enter(): void;
  /** Called with a node's value; `sized` when the value's size is what the node cost. */
  leave(value: unknown, sized: boolean): void;
}

/**
 * Prepares a freshly parsed (not yet checked) expression: `x.matches(p)` becomes
 * `matches(x, p)`, whose only overload is the RE2 one, and every node reports its
 * evaluations to `meter`. Returns the expression's shape.
 */
export function prepare(root: CelNode, internals: ReturnType<typeof assertAstInternals>, meter: Meter): ExpressionShape {
  const shape: ExpressionShape = { comprehensions: 0, comprehensionNesting: 0, literalPatterns: [] };
  const visited = new Set<CelNode>();
  const isNode = (value: unknown): value is CelNode => value instanceof internals.nodeClass;

  /**
   * `role`: an operand's value is charged by size (its consumer's work grows with it); a
   * loop's initial accumulator never is (it is measured once the loop is done).
   */
  const visit = (node: CelNode, nesting: number, role: 'operand' | 'plain' | 'accumulator'): void => {
    if (visited.has(node)) return;
    visited.add(node);
    routeMatches(node, internals.call);
    meterNode(node, meter, role === 'operand' || (role === 'plain' && PRODUCERS.has(node.op)));

    const { alternate, macro } = node.meta;
    if (alternate) return visit(alternate, nesting, role);
    if (macro) {
      for (const [key, value] of Object.entries(macro)) if (key !== 'ast') nodesIn(value, isNode).forEach((child) => visit(child, nesting, 'plain'));
      return;
    }
    if (node.op === COMPREHENSION) {
      const loop = node.args as { iterable: CelNode; init: CelNode; step: CelNode };
      shape.comprehensions += 1;
      shape.comprehensionNesting = Math.max(shape.comprehensionNesting, nesting + 1);
      visit(loop.iterable, nesting, 'plain');
      visit(loop.init, nesting, 'accumulator');
      visit(loop.step, nesting + 1, 'plain');
      return;
    }
    if (node.op === 'call') {
      const [name, args] = node.args as [string, CelNode[]];
      const pattern = args[1];
      if (name === 'matches' && args.length === 2 && pattern?.op === 'value' && typeof pattern.args === 'string') {
        shape.literalPatterns.push(pattern.args);
      }
    }
    const childRole = CONSUMERS.has(node.op) ? 'operand' : 'plain';
    for (const child of nodesIn(node.args, isNode)) visit(child, nesting, childRole);
  };
  visit(root, 0, 'plain');
  return shape;
}

/** The nodes among a node's arguments: directly, in lists (call arguments, map entries) or in plain objects. */
function nodesIn(value: unknown, isNode: (value: unknown) => value is CelNode, depth = 0): CelNode[] {
  if (isNode(value)) return [value];
  if (depth > 2 || typeof value !== 'object' || value === null) return [];
  const items = Array.isArray(value) ? value : Object.getPrototypeOf(value) === Object.prototype ? Object.values(value) : [];
  return items.flatMap((item) => nodesIn(item, isNode, depth + 1));
}

/** `receiver.matches(pattern)` is evaluated as `matches(receiver, pattern)`. */
function routeMatches(node: CelNode, call: Operator): void {
  if (node.op !== 'rcall' || node.meta.alternate || node.meta.macro) return;
  const [name, receiver, args] = node.args as [string, CelNode, CelNode[]];
  if (name !== 'matches' || args.length !== 1) return;
  node.setMeta('alternate', node.clone(call, ['matches', [receiver, args[0]]]));
}

function meterNode(node: CelNode, meter: Meter, sized: boolean): void {
  let inner: NodeEvaluator | undefined;
  node.evaluate = function (evaluator, self, context) {
    meter.enter();
    // Resolved on first use, after the type check has chosen the node's handlers.
    inner ??= resolve(node);
    const value = inner.call(node, evaluator, self, context);
    meter.leave(value, sized);
    return value;
  };
}

function resolve(node: CelNode): NodeEvaluator {
  const { alternate, macro, evaluate } = node.meta;
  if (alternate) return (evaluator, _self, context) => alternate.evaluate(evaluator, alternate, context);
  // As cel-js calls a macro: on the macro object, with itself in place of the node.
  if (macro) return (evaluator, _self, context) => macro.evaluate.call(macro as unknown as CelNode, evaluator, macro as unknown as CelNode, context);
  return evaluate;
}
