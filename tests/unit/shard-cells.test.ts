import { describe, expect, it } from "vitest";
import { discoverTemplates } from "../../packages/harness/src/manifest/discover-templates.ts";
import { expandMatrix } from "../../packages/harness/src/matrix/expand-matrix.ts";
import { cellsByShard, shardOfCell, takeShard } from "../../packages/harness/src/matrix/shard-cells.ts";

const templatesDir = new URL("../../templates", import.meta.url).pathname;
const realCellIds = async () => expandMatrix(await discoverTemplates(templatesDir)).map((cell) => cell.id);

describe("shard assignment (matrix --shard I/N)", () => {
  it("puts every cell in exactly one shard, for every count", async () => {
    const ids = await realCellIds();
    for (let count = 1; count <= 10; count++) {
      const shards = cellsByShard(ids, count);
      expect(shards).toHaveLength(count);
      expect(shards.flat().sort()).toEqual([...ids].sort());
      for (const id of ids) expect(shards[shardOfCell(id, count) - 1]).toContain(id);
    }
  });

  it("keeps a cell's shard when cells are added or removed", async () => {
    const ids = await realCellIds();
    const grown = [...ids.slice(5), "slim-uwsgi/py3.14-requirements", "slim-uwsgi/py3.14-pipenv", "newcomer/py3.12", ...ids.slice(0, 2)];
    for (const count of [2, 3, 7]) {
      const before = new Map(cellsByShard(ids, count).flatMap((cells, at) => cells.map((id) => [id, at] as const)));
      const after = new Map(cellsByShard(grown, count).flatMap((cells, at) => cells.map((id) => [id, at] as const)));
      for (const [id, shard] of after) if (before.has(id)) expect([id, shard]).toEqual([id, before.get(id)]);
    }
  });

  it("spreads today's 110 linux/amd64 cells (what CI's shards run) over the shards", async () => {
    const ids = expandMatrix(await discoverTemplates(templatesDir)).filter((cell) => !cell.platform).map((cell) => cell.id);
    expect(ids).toHaveLength(110);
    // A hash, not a round robin: uneven on few cells, the price of a cell keeping its shard.
    expect(cellsByShard(ids, 3).map((cells) => cells.length)).toEqual([42, 38, 30]);
    expect(cellsByShard(ids, 7).map((cells) => cells.length)).toEqual([19, 18, 10, 14, 15, 16, 18]);
  });

  it("takes the shard's cells in order and records the whole selection's shards; no shard: every cell, no record", () => {
    const cells = ["a/1", "a/2", "b/1", "b/2", "c/1"].map((id) => ({ id }));
    const taken = takeShard(cells, { index: 2, count: 2 });
    expect(taken.shard).toEqual({ index: 2, count: 2, cellsByShard: cellsByShard(["a/1", "a/2", "b/1", "b/2", "c/1"], 2) });
    expect(taken.cells.map((cell) => cell.id)).toEqual(taken.shard!.cellsByShard[1]);
    expect(takeShard(cells, undefined)).toEqual({ cells });
  });

  it("gives an empty shard no cells, and still records the others'", () => {
    const cells = [{ id: "caddy/caddy2" }];
    const empty = cellsByShard(["caddy/caddy2"], 4).findIndex((shard) => shard.length === 0) + 1;
    const taken = takeShard(cells, { index: empty, count: 4 });
    expect(taken.cells).toEqual([]);
    expect(taken.shard!.cellsByShard.flat()).toEqual(["caddy/caddy2"]);
  });
});
