/**
 * `-A` on a lab host: OS detection, version detection, default scripts and the route, in one
 * run of the real command inside the scanner namespace (no default route), as the issue's
 * "done when" asks. The host runs Python's HTTP server on 8080; 81 is closed.
 */
import { equal, match, ok } from "node:assert/strict";
import { labIgnore, labPrerequisites, startLab } from "./lab/lab.ts";

const missing = labPrerequisites();
const MAIN = new URL("../main.ts", import.meta.url).pathname;

Deno.test({
  name: "-A on a lab host prints OS, versions, script results and the route",
  ignore: labIgnore(missing),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    if (missing) throw new Error(missing);
    const lab = await startLab({ hosts: [{ name: "web" }] });
    try {
      const web = lab.host("web");
      const dir = await Deno.makeTempDir({ prefix: "portolan_a_" });
      await Deno.writeTextFile(`${dir}/index.html`, "<title>Portolan -A lab</title>\n");
      lab.spawn(["python3", "-m", "http.server", "8080", "--bind", web.ipv4, "--directory", dir], {
        host: "web",
        stdout: "null",
        stderr: "null",
      });
      // Ready when the server accepts.
      for (let i = 0; i < 100; i++) {
        const r = await lab.exec(["ss", "-Hlnt"], { host: "web" });
        if (r.stdout.includes(`${web.ipv4}:8080 `)) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      const r = await lab.exec(
        [
          Deno.execPath(),
          "run",
          "-A",
          MAIN,
          "-A",
          "-n",
          "-p",
          "8080,81",
          "-oX",
          `${dir}/a.xml`,
          web.ipv4,
        ],
        { timeoutMs: 120_000 },
      );
      equal(r.code, 0, r.stderr);
      const out = r.stdout;
      match(out, /^8080\/tcp\s+open\s+http\s+SimpleHTTPServer [\d.]+/m, out);
      match(out, /^81\/tcp\s+closed/m, out);
      match(out, /^\|_http-title: Portolan -A lab$/m, out);
      match(out, /^(OS details: Linux|Aggressive OS guesses: Linux)/m, out);
      match(out, /^TRACEROUTE \(using port 8080\/tcp\)$/m, out);
      match(out, new RegExp(`^1\\s+[\\d.]+ ms\\s+${web.ipv4.replaceAll(".", "\\.")}$`, "m"), out);
      const xml = await Deno.readTextFile(`${dir}/a.xml`);
      for (
        const element of ["<osmatch", '<service name="http"', '<script id="http-title"', "<trace"]
      ) {
        ok(xml.includes(element), `${element} missing from the XML`);
      }
      await Deno.remove(dir, { recursive: true });
    } finally {
      await lab.close();
    }
  },
});
