-- Outage: a gray failure.  A leaf uplink does not go down; its optic
-- starts dropping 20% of frames and the far end is congested (30 ms).
--
-- Nothing in the fabric notices: the link is up, the static ECMP routes
-- stay, and every leaf keeps hashing some flows for rack 1 through
-- spine1.  Those flows see the loss and the latency, the others do not:
-- the probes show a fabric that is half fine.  The link's impairment
-- counts say how many packets it lost and delayed, its interface counters
-- how much it carried.  Draining the link (setting it down, as an operator would)
-- moves every flow to spine2, and the loss is gone.  The loss is seeded:
-- the run fails or passes the same way every time.
--
--   lunet test examples/outage_gray_link.lua
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

lunet.test("a lossy, slow uplink hurts only the flows hashed through it",
function()
  net:start()
  local l = net:link_between("leaf1", "spine1")
  -- what spine1 sends down to leaf1: lossy and late
  l:impair{ from = "spine1", loss = 0.2, delay = "30ms", seed = 11 }
  local before = l:stats()
  local r = net:probe(into_rack1(), { rate = 100, duration = "2s" })
  local hurt, clean = 0, 0
  for _, x in ipairs(r) do
    if x.loss > 0.05 or x.rtt_avg > 25 then hurt = hurt + 1 else clean = clean + 1 end
  end
  -- ECMP spreads the flows over both spines: some are hurt, some are not
  assert(hurt > 0, "no flow crossed the gray link")
  assert(clean > 0, "every flow was hurt: ECMP did not spread them")
  local im = l:impairments()
  local side = l.a.name == "spine1" and im.a or im.b
  assert(side.lost > 0 and side.delayed > 0, side)
  local after = l:stats()
  assert(after.tx_packets + after.rx_packets > before.tx_packets + before.rx_packets)
end)

lunet.test("draining the gray link ends the loss", function()
  local l = net:link_between("leaf1", "spine1")
  l:impair{ from = "spine1", loss = 0.2, delay = "30ms", seed = 11 }
  l:down()                          -- drained: leaf1 stops using spine1
  net:node("spine1"):fail()         -- and the other leaves stop too
  local r = net:probe(into_rack1(), { rate = 100, duration = "1s" })
  for _, x in ipairs(r) do
    assert(x.loss == 0 and x.rtt_avg < 25, x)
  end
end)
