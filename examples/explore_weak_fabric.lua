-- A fabric that looks redundant and is not.  Five racks, two spines; every
-- leaf has two uplinks.  Racks 1 to 3 were built first, each leaf wired to
-- spine1 and spine2.  Racks 4 and 5 came later, when spine2's ports were
-- taken: their leaves got one uplink to spine1 and one to "agg", a small
-- aggregation router that was itself wired only to spine1.  Every leaf
-- still has two uplinks on the drawing, and agg can fail alone: its racks
-- keep spine1.  But both of their paths out end at spine1.
--
-- "lunet explore" fails each fabric router in turn (exhaustive N-1) and
-- finds the one whose loss cuts racks 4 and 5 off from the rest:
--
--   lunet explore --seed 7 examples/explore_weak_fabric.lua
--   lunet explore --seed 7 --random --trials 20 examples/explore_weak_fabric.lua
--
-- The invariant skips the hosts of a failed leaf (a rack whose only leaf
-- is down is cut off by design); it asks that every other host reach every
-- other.  docs/explore.md walks through the run.
local net = lunet.network("weak")
local spine1, spine2 = net:router("spine1"), net:router("spine2")
local agg = net:router("agg")
net:link(agg, spine1)
local leaf_of = {}
for r = 1, 5 do
  local leaf = net:router("leaf" .. r)
  net:link(leaf, spine1)
  net:link(leaf, r <= 3 and spine2 or agg)
  for h = 1, 2 do
    local host = net:host(string.format("h%d_%d", r, h))
    net:link(host, leaf)
    leaf_of[host.name] = leaf
  end
end

lunet.invariant("the hosts of live racks reach each other", function()
  local live = {}
  for _, h in ipairs(net:hosts()) do
    if not leaf_of[h.name]:is_failed() then live[#live + 1] = h end
  end
  local r = net:pingall{ from = live, to = live, timeout = "250ms", tries = 2 }
  return r.loss == 0, string.format("%d of %d pairs unreachable", r.pairs - r.ok,
    r.pairs)
end)

lunet.explore{
  faults = { "node" },          -- routers fail: their links go down
  exclude = { kind = "host" },  -- hosts do not
  exhaustive = true,            -- every single failure: N-1
  at_most = 1,
}

return net
