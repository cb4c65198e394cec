import { startProxiedUpstream } from "../stack/start-proxied-upstream.ts";
import { type HttpAnswer, httpGet } from "../stack/wait-until-serving.ts";
import { type Check, type CheckContext, fail, pass } from "./check.ts";
import { failOnContainerProblem } from "./fail-on-container-problem.ts";

/** The proxy must say "502" this fast while its upstream is down: a client must not hang on it. */
const answerBoundSeconds = 1;
/** Requests sent while the upstream is down: each must be quick, not only the first. */
const downRequests = 3;

/**
 * With its upstream stopped, the proxy answers 502 at once, and serves again without a restart
 * when the upstream returns. An app cell runs its app behind the stack's proxy image; a proxy cell
 * runs its own image in front of a plain upstream (`caddy respond`). Both on the check's own
 * containers: the upstream is `docker stop`ped, GET (the app's probe path; `/` of a plain upstream)
 * through the proxy is sent 3 times (each must answer 502 within 1 s), the upstream is `docker
 * start`ed, and the same GET must be answered by it again (the app: its probe) within 60 s, the
 * proxy still running with the same start time and no restart.
 */
export const proxyUpstreamDown: Check<Pick<CheckContext, "kind" | "cellId" | "run" | "image" | "port" | "stack" | "probe">> = failOnContainerProblem(async (context) => {
  const common = { run: context.run, cellId: context.cellId, check: "upstream-down" };
  const pair =
    context.kind === "app"
      ? await startProxiedUpstream({ ...common, kind: "app", appImage: context.image, stack: await context.stack(), probe: context.probe })
      : await startProxiedUpstream({ ...common, kind: "proxy", proxyImage: context.image, proxyPort: context.port });
  try {
    await pair.waitUntilProxied("the proxy in front of its upstream");
    const proxyBefore = await pair.proxy.state();
    await pair.upstream.stop(10);

    const answers: HttpAnswer[] = [];
    for (let index = 0; index < downRequests; index += 1) {
      // A hung proxy is cut off soon after the bound: its slowness is the finding, not a wait.
      const answer = await httpGet(`${pair.proxy.url}${pair.path}`, (answerBoundSeconds + 4) * 1000).catch((error: unknown) => error as Error);
      if (answer instanceof Error) return fail(`with ${pair.upstreamName} stopped, GET ${pair.path} through the proxy got no answer within ${answerBoundSeconds + 4} s: ${answer.message}\n--- the proxy's log ---\n${await pair.proxy.logs(10)}`);
      answers.push(answer);
    }
    const wrong = answers.filter((answer) => answer.status !== 502 || answer.seconds > answerBoundSeconds);
    const shown = answers.map((answer) => `${answer.status} in ${Math.round(answer.seconds * 1000)} ms`).join(", ");
    if (wrong.length) {
      return fail(`with ${pair.upstreamName} stopped, GET ${pair.path} through the proxy answered ${shown} (expected 502 within ${answerBoundSeconds} s each)\n--- the proxy's log ---\n${await pair.proxy.logs(10)}`);
    }

    await pair.upstream.start();
    const back = performance.now();
    await pair.waitUntilProxied(`the proxy once ${pair.upstreamName} was started again`);
    const recoverySeconds = (performance.now() - back) / 1000;
    const proxyAfter = await pair.proxy.state();
    if (!proxyAfter.running || proxyAfter.startedAt !== proxyBefore.startedAt || proxyAfter.restartCount !== proxyBefore.restartCount) {
      return fail(`the proxy served again, but was restarted meanwhile (started ${proxyBefore.startedAt}, now ${proxyAfter.startedAt}, ${proxyAfter.restartCount} restarts)`);
    }
    return pass(
      `with ${pair.upstreamName} stopped, GET ${pair.path} through the proxy: ${shown}; served again ${recoverySeconds.toFixed(1)} s after ${pair.upstreamName} was started, the proxy not restarted`,
    );
  } finally {
    await pair.remove();
  }
});
