-- The small fabric the scenarios share (loaded with dofile): two spines,
-- two leaves, a host on each leaf; every router a router, so that losing a
-- spine is survivable through ECMP.
local name = ...
local net = lunet.network(name or "scfab")
local s1, s2 = net:router("spine1"), net:router("spine2")
for l = 1, 2 do
  local leaf = net:router("leaf" .. l)
  net:link(leaf, net:host("h" .. l))
  net:link(leaf, s1)
  net:link(leaf, s2)
end
return net
