-- A 201-node campus: two core routers, four distribution routers each
-- linked to both cores (two equal-cost paths between any two buildings),
-- four access switches per distribution router with eleven hosts each,
-- and a server segment on the first core.
local net = lunet.network("campus")
local core = { net:router("core1"), net:router("core2") }
for d = 1, 4 do
  local dist = net:router("dist" .. d)
  net:link(dist, core[1])
  net:link(dist, core[2])
  for a = 1, 4 do
    local sw = net:switch(string.format("acc%d_%d", d, a))
    net:link(sw, dist)
    for h = 1, 11 do
      net:link(net:host(string.format("h%d_%d_%d", d, a, h)), sw)
    end
  end
end
local srv = net:switch("srv")
net:link(srv, core[1])
for i = 1, 2 do net:link(net:host("server" .. i), srv) end
return net
