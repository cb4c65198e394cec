import { countOf } from "./count-statuses.ts";
import type { ShardOfRun } from "./report-types.ts";

/** "shard 2/3: 9 of 26 selected cells", or, for a shard the hash gave none, "shard 2/3: none of the 26 selected cells". */
export function describeShard(shard: ShardOfRun): string {
  const total = shard.cellsByShard.flat().length;
  const held = shard.cellsByShard[shard.index - 1]?.length ?? 0;
  return `shard ${shard.index}/${shard.count}: ${held ? `${held} of ${countOf(total, "selected cell")}` : `none of the ${countOf(total, "selected cell")}, so nothing to run`}`;
}
