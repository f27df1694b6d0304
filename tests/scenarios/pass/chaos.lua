-- Random faults from the run's seed: the same --seed gives the same
-- sequence of faults (the determinism test compares two runs).
local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$")
local net = dofile(here .. "/../_fabric.lua")

lunet.test("random spine links flap, traffic gets through", function()
  net:start()
  local uplinks = {}
  for _, l in ipairs(net:links()) do
    if l.b.name:match("^spine") then uplinks[#uplinks + 1] = l end
  end
  for _ = 1, 6 do
    local l = uplinks[math.random(#uplinks)]
    lunet.event("chaos", { link = l.name })
    l:flap{ period = "60ms", count = 1 }:wait()
  end
  local victim = math.random(2)
  net:node("spine" .. victim):fail()
  lunet.expect(function() return net:pingall().loss == 0 end, { within = "5s" })
end)
