/* Unit tests for the pure half of fault exploration (lua/lib/explore.lua):
 * the seeded source, schedules enumerated (N-1, N-2) and drawn from a
 * seed within the concurrency limit, shrinking to a 1-minimal schedule
 * with simple timings, and the text of a failure (sentences, the scenario
 * file, JSON).  The library runs in a bare Lua state: no network, no
 * root.  Each test is a Lua chunk that raises on a failed check. */
#include <lauxlib.h>
#include <lualib.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lua/lopts.h"

extern const char lunet_explore_src[];

/* Helpers every chunk gets. */
static const char prelude[] =
	"X = lunet._explore\n"
	"function eq(a, b, what)\n"
	"  if a ~= b then error((what or '') .. ': ' .. tostring(a) ..\n"
	"    ' ~= ' .. tostring(b), 2) end\n"
	"end\n"
	"function cands(n)\n"
	"  local c = {}\n"
	"  for i = 1, n do c[i] = { kind = 'link', target = 'l' .. i } end\n"
	"  return c\n"
	"end\n";

static void run(const char *chunk)
{
	lua_State *L = luaL_newstate();

	assert_non_null(L);
	luaL_openlibs(L);
	lua_newtable(L);
	lopts_open(L);
	lua_pushvalue(L, -1);
	lua_setglobal(L, "lunet");
	if (luaL_loadbuffer(L, lunet_explore_src, strlen(lunet_explore_src),
			    "=explore.lua") ||
	    (lua_insert(L, -2), lua_pcall(L, 1, 0, 0)))
		fail_msg("explore.lua: %s", lua_tostring(L, -1));
	if (luaL_dostring(L, prelude) || luaL_dostring(L, chunk))
		fail_msg("%s", lua_tostring(L, -1));
	lua_close(L);
}

static void test_rng(void **state)
{
	run("local a, b, c = X.rng(7), X.rng(7), X.rng(8)\n"
	    "local same, differ = true, false\n"
	    "for i = 1, 100 do\n"
	    "  local x, y, z = a:int(1000), b:int(1000), c:int(1000)\n"
	    "  if x ~= y then same = false end\n"
	    "  if x ~= z then differ = true end\n"
	    "  assert(x >= 1 and x <= 1000)\n"
	    "  local f = a:float(); b:float(); c:float()\n"
	    "  assert(f >= 0 and f < 1)\n"
	    "end\n"
	    "assert(same, 'one seed, one sequence')\n"
	    "assert(differ, 'two seeds, two sequences')\n"
	    "eq(X.schedule_seed(7, 3), X.schedule_seed(7, 3), 'schedule seed')\n"
	    "assert(X.schedule_seed(7, 3) ~= X.schedule_seed(7, 4))\n");
}

static void test_enumerate(void **state)
{
	run("local seen = {}\n"
	    "for s in X.enumerate(cands(4), 1) do seen[#seen + 1] = X.key(s) end\n"
	    "eq(#seen, 4, 'N-1 of 4')\n"
	    "local pairs_ = {}\n"
	    "for s in X.enumerate(cands(4), 2) do\n"
	    "  eq(#s, 2)\n"
	    "  pairs_[#pairs_ + 1] = s[1].target .. '+' .. s[2].target\n"
	    "end\n"
	    "eq(table.concat(pairs_, ' '), 'l1+l2 l1+l3 l1+l4 l2+l3 l2+l4 l3+l4')\n"
	    "eq(X.count(32, 2), 496, 'pairs of 32')\n"
	    "eq(X.count(384, 1), 384)\n"
	    "local n = 0\n"
	    "for _ in X.enumerate(cands(32), 2) do n = n + 1 end\n"
	    "eq(n, 496, 'N-2 of 32 links')\n"
	    "-- A flap and a down of one link are never paired.\n"
	    "local c = { { kind = 'link', target = 'a' },\n"
	    "  { kind = 'flap', target = 'a', period = 1 },\n"
	    "  { kind = 'node', target = 'a' } }\n"
	    "n = 0\n"
	    "for _ in X.enumerate(c, 2) do n = n + 1 end\n"
	    "eq(n, 2, 'clashes left out')\n"
	    "for _ in X.enumerate(cands(1), 2) do error('2 of 1') end\n");
}

static void test_generate(void **state)
{
	run("for _, at_most in ipairs({ 1, 2, 3 }) do\n"
	    "  local r1, r2 = X.rng(42), X.rng(42)\n"
	    "  for i = 1, 300 do\n"
	    "    local o = { at_most = at_most, window = 1 }\n"
	    "    local s = X.generate(r1, cands(10), o)\n"
	    "    eq(X.key(s), X.key(X.generate(r2, cands(10), o)), 'same seed')\n"
	    "    assert(#s >= 1 and #s <= 2 * at_most + 1, 'size ' .. #s)\n"
	    "    assert(X.concurrency(s) <= at_most, 'concurrency ' ..\n"
	    "      X.concurrency(s) .. ' > ' .. at_most .. ': ' .. X.describe_all(s))\n"
	    "    local things = {}\n"
	    "    for k, f in ipairs(s) do\n"
	    "      assert(not things[f.target], 'one fault per thing')\n"
	    "      things[f.target] = true\n"
	    "      assert(f.at >= 0 and f.at <= 1 + 2 * at_most * 0.01 + 1e-9)\n"
	    "      assert(not f.dur or f.dur > 0, 'a fault lasts')\n"
	    "      if k > 1 then assert(f.at > s[k - 1].at, 'in time order') end\n"
	    "    end\n"
	    "  end\n"
	    "end\n"
	    "-- Another seed, other schedules.\n"
	    "local a, b = X.rng(1), X.rng(2)\n"
	    "local differ = false\n"
	    "for i = 1, 20 do\n"
	    "  if X.key(X.generate(a, cands(10), {})) ~=\n"
	    "     X.key(X.generate(b, cands(10), {})) then differ = true end\n"
	    "end\n"
	    "assert(differ)\n");
}

static void test_shrink(void **state)
{
	run("-- Fails when l2 and l4 are both down, whatever else.\n"
	    "local s = {}\n"
	    "for i = 1, 5 do s[i] = { kind = 'link', target = 'l' .. i,\n"
	    "  at = i * 0.1, dur = i % 2 == 0 and 5 or nil } end\n"
	    "local calls, keys = 0, {}\n"
	    "local function fails(c)\n"
	    "  calls = calls + 1\n"
	    "  local k = X.key(c)\n"
	    "  assert(not keys[k], 'a candidate ran twice: ' .. k)\n"
	    "  keys[k] = true\n"
	    "  local has = {}\n"
	    "  for _, f in ipairs(c) do has[f.target] = true end\n"
	    "  return has.l2 and has.l4\n"
	    "end\n"
	    "local m, steps = X.shrink(s, fails)\n"
	    "eq(#m, 2, 'two faults explain it')\n"
	    "eq(steps, calls, 'steps are runs')\n"
	    "eq(X.describe_all(m), 'link l2 down, link l4 down')\n"
	    "for _, f in ipairs(m) do eq(f.at, 0); eq(f.dur, nil) end\n"
	    "-- 1-minimal: removing either makes it pass.\n"
	    "assert(not fails({ m[1] }) and not fails({ m[2] }))\n"
	    "-- Timings kept where they matter: l1 must last (dur) to fail.\n"
	    "local t = { { kind = 'link', target = 'l1', at = 0.3, dur = 0.5 },\n"
	    "  { kind = 'node', target = 'n1', at = 0.5 } }\n"
	    "local m2 = X.shrink(t, function(c)\n"
	    "  for _, f in ipairs(c) do if f.dur then return true end end\n"
	    "  return false\n"
	    "end)\n"
	    "eq(#m2, 1)\n"
	    "eq(m2[1].target, 'l1')\n"
	    "eq(m2[1].dur, 0.5, 'its duration kept')\n"
	    "eq(m2[1].at, 0, 'its start simplified')\n"
	    "-- Two explanations: one fault is left.\n"
	    "local m3 = X.shrink(s, function(c)\n"
	    "  for _, f in ipairs(c) do\n"
	    "    if f.target == 'l3' or f.target == 'l5' then return true end\n"
	    "  end\n"
	    "  return false\n"
	    "end)\n"
	    "eq(#m3, 1)\n"
	    "-- The original is never changed.\n"
	    "eq(#s, 5)\n"
	    "eq(s[2].dur, 5)\n");
}

static void test_timeline(void **state)
{
	run("local s = { { kind = 'link', target = 'a', at = 0, dur = 0.2 },\n"
	    "  { kind = 'node', target = 'b', at = 0.2 },\n"
	    "  { kind = 'link', target = 'c', at = 0.1 } }\n"
	    "local tl, out = X.timeline(s), {}\n"
	    "for _, st in ipairs(tl) do\n"
	    "  out[#out + 1] = string.format('%g%s%s', st.t, st.lift and '-' or '+',\n"
	    "    st.fault.target)\n"
	    "end\n"
	    "eq(table.concat(out, ' '), '0+a 0.1+c 0.2-a 0.2+b')\n"
	    "eq(X.concurrency(s), 2)\n");
}

static void test_text(void **state)
{
	run("eq(X.describe({ kind = 'link', target = 'leaf3-spine1', at = 0 }),\n"
	    "  'link leaf3-spine1 down')\n"
	    "eq(X.describe({ kind = 'node', target = 's1', at = 0.25, dur = 1 }),\n"
	    "  'node s1 fails at 250ms for 1s')\n"
	    "eq(X.describe({ kind = 'impair', target = 'a-b', spec = { loss = 1 } }),\n"
	    "  'link a-b loss 100%')\n"
	    "eq(X.describe({ kind = 'partition', target = { 'h1', 'leaf1' } }),\n"
	    "  'partition {h1,leaf1}')\n"
	    "eq(X.describe_all({}), 'no fault')\n"
	    "local text = X.scenario_text({ file = '/x/fab.lua', seed = 7,\n"
	    "  schedule_seed = 99, invariant = 'all \"reach\"', settle = 0.05,\n"
	    "  from = 5, steps = 9, schedule = {\n"
	    "    { kind = 'link', target = 'leaf3-spine1', at = 0 },\n"
	    "    { kind = 'partition', target = { 'a', 'b' }, at = 0.5, dur = 1 } } })\n"
	    "assert(load(text), 'the scenario is Lua')\n"
	    "assert(text:find('lunet._explore_load(\"/x/fab.lua\")', 1, true))\n"
	    "assert(text:find('seed = 99', 1, true))\n"
	    "assert(text:find('--seed 7', 1, true))\n"
	    "assert(text:find('{ kind = \"partition\", target = { \"a\", \"b\" }, ' ..\n"
	    "  'at = 0.5, dur = 1 }', 1, true), text)\n"
	    "eq(X.json({ b = { 1, 2.5, 'x\"' }, a = true, e = setmetatable({}, X.array) }),\n"
	    "  '{\"a\":true,\"b\":[1,2.5,\"x\\\\\"\"],\"e\":[]}')\n"
	    "eq(X.key({ { kind = 'link', target = 'a' }, { kind = 'link', target = 'b' } }),\n"
	    "  X.key({ { kind = 'link', target = 'b' }, { kind = 'link', target = 'a' } }))\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rng),	 cmocka_unit_test(test_enumerate),
		cmocka_unit_test(test_generate), cmocka_unit_test(test_shrink),
		cmocka_unit_test(test_timeline), cmocka_unit_test(test_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
