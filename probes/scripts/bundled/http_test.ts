import assert from "node:assert/strict";
import { fakeTcpServer, readLine, runOn, write } from "../test_util.ts";
import {
  htmlTitle,
  httpHeaders,
  httpMethods,
  httpRobots,
  httpServerHeader,
  httpTitle,
} from "./http.ts";
import { banner } from "./banner.ts";

function chunked(parts: string[]): string {
  return parts.map((p) => `${p.length.toString(16)}\r\n${p}\r\n`).join("") + "0\r\n\r\n";
}

/** A fake web server: routes by method and path, records request lines. */
function webServer(routes: Record<string, string>) {
  const seen: string[] = [];
  const srv = fakeTcpServer(async (conn) => {
    const request = await readLine(conn);
    if (!request) return;
    seen.push(request);
    while ((await readLine(conn)) !== "");
    const [method, path] = request.split(" ");
    await write(
      conn,
      routes[`${method} ${path}`] ?? "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n",
    );
  });
  return { ...srv, seen };
}

Deno.test("http-title follows a same-host redirect and decodes the title", async () => {
  const srv = webServer({
    "GET /": "HTTP/1.1 302 Found\r\nLocation: /home\r\nContent-Length: 0\r\n\r\n",
    "GET /home": "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" +
      chunked(["<html><title>Caf", "&eacute; &amp; Co\n</", "title>x\n"]),
  });
  const r = await runOn(httpTitle, { port: srv.port, service: { name: "http" } });
  await srv.close();
  assert.equal(r?.output?.data?.title, "Caf&eacute; & Co");
  assert.match(r!.output!.text, /Requested resource was \/home/);
  assert.deepEqual(srv.seen, ["GET / HTTP/1.1", "GET /home HTTP/1.1"]);
});

Deno.test("http-title: no title, and no redirect off the host", async () => {
  const srv = webServer({
    "GET /":
      "HTTP/1.1 301 Moved\r\nLocation: http://elsewhere.invalid/\r\nContent-Type: text/plain\r\n\r\nbye",
  });
  const r = await runOn(httpTitle, { port: srv.port, service: { name: "http" } });
  await srv.close();
  assert.match(
    r!.output!.text,
    /^Site doesn't have a title \(text\/plain\)\.\nDid not follow redirect to http:\/\/elsewhere.invalid\//,
  );
  assert.equal(htmlTitle("<TITLE>\n  A  \n B</TITLE>"), "A B");
});

Deno.test("http-headers, http-server-header, http-methods, http-robots.txt", async () => {
  const srv = webServer({
    "HEAD /":
      "HTTP/1.1 200 OK\r\nServer: FakeHTTPd/1.2\r\nX-Frame-Options: DENY\r\nContent-Length: 5\r\n\r\n",
    "OPTIONS /":
      "HTTP/1.1 200 OK\r\nAllow: GET, HEAD, OPTIONS, PUT, TRACE\r\nContent-Length: 0\r\n\r\n",
    "GET /robots.txt":
      "HTTP/1.1 200 OK\r\nContent-Length: 64\r\n\r\nUser-agent: *\nDisallow: /admin/ # staff\ndisallow: /tmp\nAllow: /\n",
  });
  const port = { port: srv.port, service: { name: "http" } };
  const headers = await runOn(httpHeaders, port);
  const server = await runOn(httpServerHeader, port);
  const methods = await runOn(httpMethods, port);
  const robots = await runOn(httpRobots, port);
  await srv.close();
  assert.equal(
    headers!.output!.text,
    "HTTP/1.1 200 OK\nServer: FakeHTTPd/1.2\nX-Frame-Options: DENY\nContent-Length: 5",
  );
  assert.equal(server!.output!.text, "FakeHTTPd/1.2");
  assert.deepEqual(methods!.output!.data, {
    methods: ["GET", "HEAD", "OPTIONS", "PUT", "TRACE"],
    risky: ["PUT", "TRACE"],
  });
  assert.deepEqual(robots!.output!.data, { disallowed: ["/admin/", "/tmp"] });
  assert.match(robots!.output!.text, /^2 disallowed entries\n\/admin\/ \/tmp$/);
});

Deno.test("http rules: by service name, else by usual port", () => {
  assert.equal(httpTitle.portRule!({ port: 8080, protocol: "tcp", state: "open" }), true);
  assert.equal(
    httpTitle.portRule!({ port: 8080, protocol: "tcp", state: "open", service: { name: "ssh" } }),
    false,
  );
  assert.equal(
    httpTitle.portRule!({ port: 2222, protocol: "tcp", state: "open", service: { name: "http" } }),
    true,
  );
  assert.equal(httpTitle.portRule!({ port: 80, protocol: "udp", state: "open" }), false);
});

Deno.test("banner shows what the service says first, escaped", async () => {
  const srv = fakeTcpServer((conn) => write(conn, "220 hello\x01there\r\n"));
  const r = await runOn(banner, { port: srv.port });
  const silent = fakeTcpServer(async (conn) =>
    void (await conn.read(new Uint8Array(1)).catch(() => null))
  );
  const none = await runOn(banner, { port: silent.port }, { args: { "banner.timeout": "200" } });
  await srv.close();
  await silent.close();
  assert.equal(r!.output!.text, "220 hello\\x01there");
  assert.equal(none, undefined);
});
