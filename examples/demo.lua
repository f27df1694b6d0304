-- Two hosts behind a switch, a router, two more hosts behind another
-- switch.  Addresses and routes are planned by lunet: h1 and h2 get
-- 10.0.0.1 and 10.0.0.2, r1 gets 10.0.0.254 on s1's segment and is their
-- default gateway.
local net = lunet.network("demo")
local s1, s2 = net:switch("s1"), net:switch("s2")
local r1 = net:router("r1")
for i = 1, 2 do net:link(net:host("h" .. i), s1) end
for i = 3, 4 do net:link(net:host("h" .. i), s2) end
net:link(s1, r1); net:link(s2, r1)
return net
