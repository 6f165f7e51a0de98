import { describe, expect, test } from "bun:test";
import {
  type GraphNode,
  dependentsOf,
  findCycles,
  startOrder,
  stopOrder,
  transitiveDependents,
  transitiveProviders,
} from "../../src/config/dependency-graph.ts";

/** [["B", "A"]] means B depends on A (condition "started"). */
function graph(...nodes: Array<[string, ...string[]]>): GraphNode[] {
  return nodes.map(([name, ...providers]) => ({
    name,
    depends_on: Object.fromEntries(providers.map((p) => [p, "started" as const])),
  }));
}

describe("startOrder / stopOrder", () => {
  test("independent agents keep their declaration order", () => {
    expect(startOrder(graph(["Z"], ["Y"], ["X"]))).toEqual(["Z", "Y", "X"]);
  });

  test("providers come first; among ready agents the earliest declared goes next", () => {
    // C needs B, B needs A; D is free but declared last, so it waits its turn.
    const agents = graph(["C", "B"], ["A"], ["B", "A"], ["D"]);
    expect(startOrder(agents)).toEqual(["A", "B", "C", "D"]);
  });

  test("a freed earlier agent goes before later independent ones", () => {
    const agents = graph(["Web", "Db"], ["Db"], ["Cron"]);
    expect(startOrder(agents)).toEqual(["Db", "Web", "Cron"]);
  });

  test("diamond", () => {
    const agents = graph(["App", "Cache", "Db"], ["Cache", "Db"], ["Db"]);
    expect(startOrder(agents)).toEqual(["Db", "Cache", "App"]);
  });

  test("stop order is the start order reversed: dependents first", () => {
    const agents = graph(["C", "B"], ["A"], ["B", "A"], ["D"]);
    expect(stopOrder(agents)).toEqual(["D", "C", "B", "A"]);
  });

  test("edges to unknown agents are ignored", () => {
    expect(startOrder(graph(["A", "Ghost"], ["B"]))).toEqual(["A", "B"]);
  });

  test("agents in a cycle are appended in declaration order rather than lost", () => {
    expect(startOrder(graph(["A", "B"], ["B", "A"], ["C"]))).toEqual(["C", "A", "B"]);
  });
});

describe("findCycles", () => {
  test("an acyclic graph has none", () => {
    expect(findCycles(graph(["A"], ["B", "A"], ["C", "A", "B"]))).toEqual([]);
  });

  test("a cycle of two, named from its earliest-declared member", () => {
    expect(findCycles(graph(["A", "B"], ["B", "A"]))).toEqual([["A", "B", "A"]]);
    expect(findCycles(graph(["B", "A"], ["A", "B"]))).toEqual([["B", "A", "B"]]);
  });

  test("a cycle entered from outside is still named from its earliest-declared member", () => {
    // The search reaches B first (through Entry), but A is declared before B.
    expect(findCycles(graph(["Entry", "B"], ["A", "B"], ["B", "A"]))).toEqual([["A", "B", "A"]]);
  });

  test("a cycle of three", () => {
    // X needs Y, Y needs Z, Z needs X.
    expect(findCycles(graph(["X", "Y"], ["Y", "Z"], ["Z", "X"]))).toEqual([["X", "Y", "Z", "X"]]);
  });

  test("two separate cycles are both reported, each once", () => {
    const agents = graph(["A", "B"], ["B", "A"], ["Free"], ["X", "Y"], ["Y", "Z"], ["Z", "X"], ["Late", "A", "X"]);
    expect(findCycles(agents)).toEqual([
      ["A", "B", "A"],
      ["X", "Y", "Z", "X"],
    ]);
  });

  test("a self-loop is a cycle of one", () => {
    expect(findCycles(graph(["A", "A"]))).toEqual([["A", "A"]]);
  });
});

describe("neighbours", () => {
  const agents = graph(["Web", "Api"], ["Db"], ["Api", "Db", "Cache"], ["Cache"], ["Worker", "Db"], ["Lone"]);

  test("dependentsOf lists direct dependents in declaration order", () => {
    expect(dependentsOf(agents, "Db")).toEqual(["Api", "Worker"]);
    expect(dependentsOf(agents, "Lone")).toEqual([]);
  });

  test("transitiveProviders lists everything needed, in start order, without the agent itself", () => {
    expect(transitiveProviders(agents, "Web")).toEqual(["Db", "Cache", "Api"]);
    expect(transitiveProviders(agents, "Db")).toEqual([]);
  });

  test("transitiveDependents lists everything affected, in stop order", () => {
    expect(transitiveDependents(agents, "Db")).toEqual(["Worker", "Web", "Api"]);
    expect(transitiveDependents(agents, "Web")).toEqual([]);
  });

  test("transitive walks terminate on cycles and exclude the agent itself", () => {
    const loop = graph(["A", "B"], ["B", "C"], ["C", "A"]);
    expect(transitiveProviders(loop, "A").sort()).toEqual(["B", "C"]);
    expect(transitiveDependents(loop, "A").sort()).toEqual(["B", "C"]);
  });
});
