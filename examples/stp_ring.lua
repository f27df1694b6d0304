-- Three switches in a ring: a loop at layer 2.  Spanning tree (stp = true)
-- blocks one port so frames do not circle forever; start() returns once
-- every port is forwarding or blocking.
local net = lunet.network("ring")
local sw = {}
for i = 1, 3 do
  sw[i] = net:switch("s" .. i, { stp = true })
  net:link(net:host("h" .. i), sw[i])
end
for i = 1, 3 do net:link(sw[i], sw[i % 3 + 1]) end
return net
