import { describe, expect, it } from "vitest";
import { detectWritableDirs } from "../../packages/harness/src/scaffold/detect-writable-dirs.ts";

const file = (source: string) => ({ path: "app.py", source });

describe("detectWritableDirs: the folders the app makes in its own tree", () => {
  it("takes Flask's instance folder from instance_relative_config or app.instance_path", () => {
    expect(detectWritableDirs([file("app = Flask(__name__, instance_relative_config=True)\n")])).toEqual(["instance"]);
    expect(detectWritableDirs([file("os.makedirs(app.instance_path, exist_ok=True)\n")])).toEqual(["instance"]);
  });

  it("takes literal relative paths given to os.makedirs, os.mkdir and Path(...).mkdir, normalized, sorted and unique", () => {
    const source = [
      'os.makedirs("var/uploads/", exist_ok=True)',
      "os.mkdir('cache')",
      'Path("./data").mkdir(parents=True, exist_ok=True)',
      'pathlib.Path("cache").mkdir(exist_ok=True)',
      'os.makedirs("var/uploads")',
    ].join("\n");
    expect(detectWritableDirs([file(source), file('os.makedirs("instance")\n')])).toEqual(["cache", "data", "instance", "var/uploads"]);
  });

  it("leaves out absolute paths, paths out of the app or home, computed paths and an app that makes none", () => {
    const source = [
      'os.makedirs("/tmp/uploads", exist_ok=True)',
      'os.makedirs("../shared")',
      'os.mkdir("~/cache")',
      'os.makedirs(f"{base}/x")',
      "os.makedirs(UPLOADS)",
      'Path("/var/lib/app").mkdir()',
      'open("var/log.txt", "w")',
    ].join("\n");
    expect(detectWritableDirs([file(source)])).toEqual([]);
    expect(detectWritableDirs([])).toEqual([]);
  });
});
