import { afterEach, describe, expect, test } from "@jest/globals";
import { z } from "zod";
import { connectionOf, isPagingProblem, mapEdge, pageWindow, windowOf, type PageWindow } from "./connection.js";
import { cursorCodec, signCursorsWith } from "./cursor.js";

const codec = cursorCodec(z.number().int());
const rows = Array.from({ length: 10 }, (_, index) => index + 1);
const page = (args: Parameters<typeof pageWindow>[0]) => {
  const window = pageWindow(args, codec, 3);
  if (isPagingProblem(window)) throw new Error(window.message);
  return connectionOf(
    windowOf(
      rows,
      window as PageWindow<number>,
      (n) => n,
      (a, b) => a - b,
    ),
    window,
    (n) => n,
    codec,
  );
};

describe("connections", () => {
  test("forward pages follow endCursor to the end, and say a previous page exists", () => {
    const one = page({ first: 4 });
    expect(one.nodes).toEqual([1, 2, 3, 4]);
    expect(one.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    const two = page({ first: 4, after: one.pageInfo.endCursor });
    expect(two.nodes).toEqual([5, 6, 7, 8]);
    expect(two.pageInfo.hasPreviousPage).toBe(true);
    const three = page({ first: 4, after: two.pageInfo.endCursor });
    expect(three.nodes).toEqual([9, 10]);
    expect(three.pageInfo.hasNextPage).toBe(false);
    expect(three.edges.map((edge) => edge.node)).toEqual([9, 10]);
  });

  test("backward pages come in list order and follow startCursor to the start", () => {
    const last = page({ last: 4 });
    expect(last.nodes).toEqual([7, 8, 9, 10]);
    expect(last.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    const before = page({ last: 4, before: last.pageInfo.startCursor });
    expect(before.nodes).toEqual([3, 4, 5, 6]);
    expect(page({ last: 4, before: before.pageInfo.startCursor }).nodes).toEqual([1, 2]);
  });

  test("an empty page has null cursors; the default size applies", () => {
    expect(page({}).nodes).toEqual([1, 2, 3]);
    const empty = page({ first: 2, after: codec.encode(10) });
    expect(empty.pageInfo).toEqual({ hasNextPage: false, hasPreviousPage: true, startCursor: null, endCursor: null });
  });

  test("mixed directions and foreign cursors are refused naming the argument", () => {
    expect(pageWindow({ first: 1, last: 1 }, codec, 3)).toEqual({
      field: "last",
      message: "give first or last, not both",
    });
    expect(pageWindow({ first: 1, before: codec.encode(1) }, codec, 3)).toMatchObject({ field: "before" });
    expect(pageWindow({ last: 1, after: codec.encode(1) }, codec, 3)).toMatchObject({ field: "after" });
    expect(pageWindow({ after: "not-a-cursor!" }, codec, 3)).toMatchObject({ field: "after" });
    expect(pageWindow({ before: Buffer.from('"x"').toString("base64url") }, codec, 3)).toMatchObject({
      field: "before",
    });
  });
});

describe("cursors made when read", () => {
  test("a page asked for its nodes makes no cursor; a cursor read is made once, and a re-mapped edge answers the same one", () => {
    let made = 0;
    const counting = {
      ...codec,
      encode: (n: number) => {
        made += 1;
        return codec.encode(n);
      },
    };
    const window = pageWindow({ first: 3 }, counting, 3) as PageWindow<number>;
    const connection = connectionOf([1, 2, 3, 4], window, (n) => n, counting);
    expect(connection.nodes).toEqual([1, 2, 3]);
    expect(made).toBe(0);
    const end = connection.pageInfo.endCursor;
    expect(end).toBe(codec.encode(3));
    expect(connection.edges[2]!.cursor).toBe(end);
    expect(made).toBe(1);
    const shown = mapEdge(connection.edges[0]!, "one");
    expect(made).toBe(1);
    expect(shown).toMatchObject({ node: "one", cursor: codec.encode(1) });
    expect(connection.pageInfo.startCursor).toBe(shown.cursor);
    expect(made).toBe(2);
    // The next page from the lazily made cursor.
    expect(page({ first: 2, after: end }).nodes).toEqual([4, 5]);
  });
});

describe("signed cursors", () => {
  afterEach(() => signCursorsWith([]));

  test("a cursor is signed; altered, unsigned or signed by another key it is refused; an older listed key still verifies", () => {
    signCursorsWith(["first secret that is long enough 0123456789"]);
    const cursor = codec.encode(7);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(codec.decode(cursor)).toBe(7);
    const [, mac] = cursor.split(".");
    expect(codec.decode(`${Buffer.from("8").toString("base64url")}.${mac}`)).toBeNull();
    expect(codec.decode(Buffer.from("7").toString("base64url"))).toBeNull();
    signCursorsWith(["another secret that is long enough 0123456789"]);
    expect(codec.decode(cursor)).toBeNull();
    signCursorsWith(["another secret that is long enough 0123456789", "first secret that is long enough 0123456789"]);
    expect(codec.decode(cursor)).toBe(7);
  });
});
