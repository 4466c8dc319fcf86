import { equal, ok } from "node:assert/strict";
import { runOn } from "../test_util.ts";
import { httpShellshock, shellshockPayload } from "./http_shellshock.ts";
import { httpTrace } from "./http_trace.ts";
import { httpGit, looksLikeGitHead } from "./http_git.ts";

const opts = { sanitizeResources: false, sanitizeOps: false };
const web = { name: "http" } as const;

/** What an unpatched bash does with a header imported as a function: run the trailing commands. */
function vulnerableBash(value: string): string | undefined {
  const m = /^\(\) \{ :;\};(.*)$/.exec(value);
  if (!m) return undefined;
  return m[1].split(";").map((c) => c.trim()).map((c) => {
    const echo = /^echo(?:\s+(.*))?$/.exec(c);
    // Shell quote removal: '' and "" vanish, the rest is printed.
    return echo ? (echo[1] ?? "").replace(/''|""/g, "") + "\n" : "";
  }).join("");
}

function serve(handler: (req: Request) => Response | Promise<Response>) {
  return Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, handler);
}

Deno.test("http-shellshock: the marker only appears when the command runs", () => {
  const { header, marker } = shellshockPayload();
  ok(!header.includes(marker), "a reflected header must not contain the marker");
  ok(vulnerableBash(header)!.includes(marker));
});

Deno.test({
  name: "http-shellshock: a CGI that runs its headers through a vulnerable bash is VULNERABLE",
  ...opts,
  fn: async () => {
    const srv = serve((req) => {
      if (new URL(req.url).pathname !== "/cgi-bin/status") {
        return new Response("nf", { status: 404 });
      }
      // CGI: the first line of output ends the CGI headers (the lone `echo`).
      const out = vulnerableBash(req.headers.get("user-agent") ?? "") ?? "";
      return new Response(out.replace(/^\n/, "") + "ok\n", {
        headers: { "content-type": "text/plain" },
      });
    });
    try {
      const r = await runOn(httpShellshock, { port: srv.addr.port, service: web });
      equal(r?.output?.vulnerable?.state, "VULNERABLE", r?.error ?? r?.output?.text);
      equal(r?.output?.vulnerable?.id, "CVE-2014-6271");
      ok(r!.output!.vulnerable!.evidence.startsWith("/cgi-bin/status answered 200"));
    } finally {
      await srv.shutdown();
    }
  },
});

Deno.test({
  name: "http-shellshock: a page that reflects every header back is NOT VULNERABLE",
  ...opts,
  fn: async () => {
    const srv = serve((req) =>
      new Response([...req.headers].map(([k, v]) => `${k}: ${v}`).join("\n"))
    );
    try {
      const r = await runOn(httpShellshock, { port: srv.addr.port, service: web });
      equal(r?.output?.vulnerable?.state, "NOT VULNERABLE", r?.error ?? r?.output?.text);
    } finally {
      await srv.shutdown();
    }
  },
});

/** A raw HTTP server (Deno.serve refuses TRACE bodies, so answer by hand). */
function rawHttp(answer: (head: string) => string) {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const loop = (async () => {
    for await (const c of l) {
      (async () => {
        const buf = new Uint8Array(8192);
        let head = "";
        while (!head.includes("\r\n\r\n")) {
          const n = await c.read(buf);
          if (n === null) break;
          head += new TextDecoder().decode(buf.subarray(0, n));
        }
        await c.write(new TextEncoder().encode(answer(head)));
        c.close();
      })().catch(() => {});
    }
  })().catch(() => {});
  return {
    port: (l.addr as Deno.NetAddr).port,
    close: async () => {
      l.close();
      await loop;
    },
  };
}

Deno.test({
  name: "http-trace: a server echoing TRACE is VULNERABLE; one answering 405 is not",
  ...opts,
  fn: async () => {
    const echo = rawHttp((head) =>
      head.startsWith("TRACE ")
        ? `HTTP/1.1 200 OK\r\nContent-Type: message/http\r\nContent-Length: ${head.length}\r\n\r\n${head}`
        : "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
    );
    const deny = rawHttp(() => "HTTP/1.1 405 Not Allowed\r\nContent-Length: 0\r\n\r\n");
    try {
      const v = await runOn(httpTrace, { port: echo.port, service: web });
      equal(v?.output?.vulnerable?.state, "VULNERABLE", v?.error ?? v?.output?.text);
      ok(v!.output!.vulnerable!.evidence.includes("X-Portolan-Trace"));
      const n = await runOn(httpTrace, { port: deny.port, service: web });
      equal(n?.output?.vulnerable?.state, "NOT VULNERABLE");
      ok(n!.output!.vulnerable!.evidence.includes("405"));
    } finally {
      await echo.close();
      await deny.close();
    }
  },
});

Deno.test("http-git: HEAD file shapes", () => {
  ok(looksLikeGitHead("ref: refs/heads/main\n"));
  ok(looksLikeGitHead("3f786850e387550fdab836ed7e6dc881de23001b\n"));
  ok(!looksLikeGitHead("<html>ref: refs/heads/main</html>"));
});

Deno.test({
  name: "http-git: an exposed .git is VULNERABLE; a 404 and a catch-all 200 page are not",
  ...opts,
  fn: async () => {
    const exposed = serve((req) => {
      const p = new URL(req.url).pathname;
      if (p === "/.git/HEAD") return new Response("ref: refs/heads/main\n");
      if (p === "/.git/config") {
        return new Response(
          '[core]\n\trepositoryformatversion = 0\n[remote "origin"]\n\turl = https://git.example.invalid/site.git\n',
        );
      }
      return new Response("nf", { status: 404 });
    });
    const missing = serve(() => new Response("nf", { status: 404 }));
    const catchAll = serve(() => new Response("<html><title>Welcome</title></html>"));
    try {
      const v = await runOn(httpGit, { port: exposed.addr.port, service: web });
      equal(v?.output?.vulnerable?.state, "VULNERABLE", v?.error ?? v?.output?.text);
      ok(v!.output!.vulnerable!.evidence.includes('"ref: refs/heads/main"'));
      ok(v!.output!.vulnerable!.evidence.includes("remote https://git.example.invalid/site.git"));
      for (const s of [missing, catchAll]) {
        const n = await runOn(httpGit, { port: s.addr.port, service: web });
        equal(n?.output?.vulnerable?.state, "NOT VULNERABLE", n?.error ?? n?.output?.text);
      }
    } finally {
      await Promise.all([exposed.shutdown(), missing.shutdown(), catchAll.shutdown()]);
    }
  },
});
