import { createHash } from "node:crypto";
import type { ShardOfRun } from "../report/report-types.ts";
import type { Cell } from "./cell.ts";

/** One of `count` parts of the selected cells (`matrix --shard index/count`); `index` counts from 1. */
export interface Shard {
  index: number;
  count: number;
}

/**
 * The shard (1..count) a cell belongs to: a hash of its id, modulo count. It depends on nothing but
 * the id, so a cell keeps its shard when other cells are added or removed (a position in the list
 * would move every cell after the change).
 */
export function shardOfCell(id: string, count: number): number {
  const hash = createHash("sha256").update(id).digest().readUInt32BE(0);
  return (hash % count) + 1;
}

/** The ids of `count` shards' cells, in the order given: every cell in exactly one. */
export function cellsByShard(ids: readonly string[], count: number): string[][] {
  const shards: string[][] = Array.from({ length: count }, () => []);
  for (const id of ids) shards[shardOfCell(id, count) - 1]!.push(id);
  return shards;
}

/**
 * The selected cells of `shard` (all of them without one), and what its report records. A shard may
 * hold no cells: a valid run whose report says so.
 */
export function takeShard<C extends Pick<Cell, "id">>(cells: readonly C[], shard: Shard | undefined): { cells: C[]; shard?: ShardOfRun } {
  if (!shard) return { cells: [...cells] };
  return {
    cells: cells.filter((cell) => shardOfCell(cell.id, shard.count) === shard.index),
    shard: { ...shard, cellsByShard: cellsByShard(cells.map((cell) => cell.id), shard.count) },
  };
}
