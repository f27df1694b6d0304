-- lunet.topo: topology generators, compiled into the binary.  Each returns
-- an ordinary, unstarted network that a script can still change.
local lunet = ...
local topo = {}
lunet.topo = topo

-- Options may come from Lua ({n = 4}) or from "--topo linear,4", where
-- positional values arrive as [1], [2], ...
local function opt(o, key, pos, default)
  local v = o[key]
  if v == nil and pos then v = o[pos] end
  if v == nil then v = default end
  return v
end

local function need_int(v, what, min)
  if math.type(v) ~= "integer" or v < min then
    error(string.format("%s must be an integer >= %d, not %s", what, min,
      tostring(v)), 3)
  end
  return v
end

-- linear{n} : n switches in a line, a host on each (Mininet's linear).
function topo.linear(o)
  o = o or {}
  local n = need_int(opt(o, "n", 1, 2), "linear: n", 1)
  local net = lunet.network(o.name or "linear")
  local prev
  for i = 1, n do
    local s = net:switch("s" .. i)
    net:link(net:host("h" .. i), s)
    if prev then net:link(prev, s) end
    prev = s
  end
  return net
end

topo._opt, topo._need_int = opt, need_int
return topo
