-- Outage: a leaf uplink flaps (a dirty optic), and the blackhole it leaves.
--
-- leaf1's link to spine1 goes down and up every 200 ms.  leaf1 drops
-- spine1 from its multipath routes while the link is down, but the routes
-- are static: nothing tells the other leaves, which keep hashing some of
-- their flows for rack 1 through spine1, and spine1 has no way left to
-- rack 1 (its route went with the link).  So during each down phase the
-- flows that hash through spine1 are lost, the others are not, and all of
-- them come back when the flapping stops.  The second case keeps the link
-- down: the same blackhole, for good, until spine1 is taken out of the
-- fabric altogether (drained), after which every leaf avoids it.  A
-- routing protocol (BGP with BFD) is what would withdraw the routes.
--
--   lunet test examples/outage_flap.lua
local leafspine = lunet.topo.leafspine

local net = leafspine{ spines = 2, leaves = 4, hosts_per_leaf = 2 }

-- Every host outside rack 1 to both hosts of rack 1.
local function into_rack1()
  local pairs = {}
  for l = 2, 4 do
    for h = 1, 2 do
      pairs[#pairs + 1] = { string.format("h%d_%d", l, h), "h1_" .. h }
    end
  end
  return pairs
end

lunet.test("a flapping uplink", function()
  net:start()
  local l = net:link_between("leaf1", "spine1")
  local flap = l:flap{ period = "200ms", count = 10 } -- runs on the loop
  local r = net:probe(into_rack1(), { rate = 100, duration = "2s" })
  assert(flap:wait() == 10)
  for _, x in ipairs(r) do
    -- At most the down half of the flap, with some slack.
    assert(x.loss < 0.6, x)
  end
  assert(#lunet.events{ event = "link_down", link = l.name } == 10)
  -- Once the flapping stops, every pair answers again.
  lunet.expect(function() return net:pingall().loss == 0 end,
    { within = "5s" })
end)

lunet.test("a dead uplink blackholes the flows hashed through its spine",
function()
  net:link_between("leaf1", "spine1"):down()
  local r = net:pingall()
  assert(r.loss > 0, "no pair was lost: the blackhole did not show")
  for _, f in ipairs(r.failed) do
    -- Only traffic to or from rack 1 is hit.
    assert(f[1]:match("^h1_") or f[2]:match("^h1_"), f)
  end
  -- Draining the spine (all its links down) ends the blackhole.
  net:node("spine1"):fail()
  assert(net:pingall().loss == 0)
end)
