-- Routing daemons from Lua, compiled into the binary: node:vtysh(),
-- node:birdc(), node:routes(), node:daemons(), node.routing and
-- net:converged{}, on the C primitives of lua/lrouting.c.
local lunet = ...
local node_methods = lunet._methods.node
local net_methods = lunet._methods.network

-- A small JSON reader for what vtysh's "... json" commands print.
local json = {}

local function json_error(s, i, what)
  error(string.format("vtysh printed JSON that does not parse: %s at "
                      .. "byte %d", what, i), 0)
end

local escapes = { b = "\b", f = "\f", n = "\n", r = "\r", t = "\t" }

local function skip(s, i)
  return s:find("[^ \t\r\n]", i) or #s + 1
end

local read_value

local function read_string(s, i)
  local out, j = {}, i + 1
  while true do
    local c = s:sub(j, j)
    if c == "" then json_error(s, j, "unterminated string") end
    if c == '"' then return table.concat(out), j + 1 end
    if c == "\\" then
      local e = s:sub(j + 1, j + 1)
      if e == "u" then
        local hex = s:sub(j + 2, j + 5)
        local code = tonumber(hex, 16)
        if not code then json_error(s, j, "bad \\u escape") end
        out[#out + 1] = utf8.char(code)
        j = j + 6
      else
        out[#out + 1] = escapes[e] or e
        j = j + 2
      end
    else
      local k = s:find('["\\]', j) or #s + 1
      out[#out + 1] = s:sub(j, k - 1)
      j = k
    end
  end
end

local function read_array(s, i)
  local arr, n = {}, 0
  i = skip(s, i + 1)
  if s:sub(i, i) == "]" then return arr, i + 1 end
  while true do
    local v
    v, i = read_value(s, i)
    n = n + 1
    arr[n] = v
    i = skip(s, i)
    local c = s:sub(i, i)
    if c == "]" then return arr, i + 1 end
    if c ~= "," then json_error(s, i, "expected ',' or ']'") end
    i = skip(s, i + 1)
  end
end

local function read_object(s, i)
  local obj = {}
  i = skip(s, i + 1)
  if s:sub(i, i) == "}" then return obj, i + 1 end
  while true do
    if s:sub(i, i) ~= '"' then json_error(s, i, "expected a key") end
    local k, v
    k, i = read_string(s, i)
    i = skip(s, i)
    if s:sub(i, i) ~= ":" then json_error(s, i, "expected ':'") end
    v, i = read_value(s, skip(s, i + 1))
    obj[k] = v
    i = skip(s, i)
    local c = s:sub(i, i)
    if c == "}" then return obj, i + 1 end
    if c ~= "," then json_error(s, i, "expected ',' or '}'") end
    i = skip(s, i + 1)
  end
end

read_value = function(s, i)
  i = skip(s, i)
  local c = s:sub(i, i)
  if c == "{" then return read_object(s, i) end
  if c == "[" then return read_array(s, i) end
  if c == '"' then return read_string(s, i) end
  if s:sub(i, i + 3) == "true" then return true, i + 4 end
  if s:sub(i, i + 4) == "false" then return false, i + 5 end
  if s:sub(i, i + 3) == "null" then return nil, i + 4 end
  local num = s:match("^-?%d+%.?%d*[eE]?[-+]?%d*", i)
  if num and #num > 0 then return tonumber(num), i + #num end
  json_error(s, i, "unexpected character")
end

function json.decode(s)
  local v, i = read_value(s, 1)
  if skip(s, i) <= #s then json_error(s, i, "trailing text") end
  return v
end
lunet.json = json

-- Runs tool with args in front of the node's daemons; returns the text,
-- or a table for a command that ends in "json".
local function cli(node, tool, cmd)
  if type(cmd) ~= "string" then
    error(string.format("node:%s(command): the command must be a string",
                        tool), 3)
  end
  local argv, why = lunet._cli_argv(node, tool)
  if not argv then error(why, 3) end
  if tool == "vtysh" then
    argv[#argv + 1] = "-c"
  end
  argv[#argv + 1] = cmd
  local out, status = node:cmd(argv)
  if status ~= 0 then
    error(string.format("%s %s: %s exited %d: %s", node.name, cmd, tool,
                        status, (out:gsub("%s+$", ""))), 3)
  end
  if cmd:match("json%s*$") then return json.decode(out) end
  return out
end

function node_methods.vtysh(node, cmd) return cli(node, "vtysh", cmd) end
function node_methods.birdc(node, cmd) return cli(node, "birdc", cmd) end
function node_methods.routes(node) return lunet._routes(node) end
function node_methods.daemons(node) return lunet._daemons(node) end
function node_methods.routing(node) return lunet._routing(node) end

-- "leaf1: 10.0.1.0/24, 10.255.0.3/32 (1 of 2 paths)" per router; a
-- prefix it holds but should not says so.
local function describe_missing(net, missing)
  local by, order = {}, {}
  for _, m in ipairs(missing) do
    if not by[m.node] then
      by[m.node] = {}
      order[#order + 1] = m.node
    end
    local d = m.dst
    if m.want == 0 then
      d = d .. " (held, but should not be)"
    elseif m.have > 0 then
      d = string.format("%s (%d of %d paths)", d, m.have, m.want)
    end
    by[m.node][#by[m.node] + 1] = d
  end
  local lines = {}
  for i, name in ipairs(order) do
    if i > 10 then
      lines[#lines + 1] = string.format("and %d more routers",
                                        #order - 10)
      break
    end
    local list = by[name]
    local shown = table.concat(list, ", ", 1, math.min(#list, 6))
    if #list > 6 then
      shown = shown .. string.format(" and %d more", #list - 6)
    end
    local alive, total = lunet._daemons(net:node(name))
    if alive < total then
      shown = shown .. string.format(" [%d of %d daemons running]",
                                     alive, total)
    end
    lines[#lines + 1] = name .. ": " .. shown
  end
  return table.concat(lines, "; ")
end

-- The sessions expected torn down by max_prefix that FRR has not torn
-- down yet: a FIB without the speaker's prefixes cannot tell "tripped"
-- from "not received yet", so the router's daemon is asked.
local function trips_pending(net, tripped)
  local pending = {}
  for _, x in ipairs(tripped) do
    local router = net:node(x.router)
    local r = router:routing()
    if r.daemon == "frr" then
      for _, addr in ipairs(x.addrs) do
        local ok, s = pcall(router.vtysh, router,
                            "show bgp neighbors " .. addr .. " json")
        local p = ok and type(s) == "table" and s[addr] or {}
        if p.prefixesConfigExceedMax ~= true then
          pending[#pending + 1] = string.format(
            "%s: its session with %s (%s) is still %s, though %s offers "
            .. "%d prefixes and max_prefix is %d", x.router, x.speaker,
            addr, tostring(p.bgpState or "unknown"), x.speaker,
            x.offered, x.max)
        end
      end
    end
  end
  return pending
end

-- net:converged{within=, every=, ecmp=}: waits until every routed
-- router's FIB holds every prefix it should (topo/expect.c), reading each
-- FIB once a round; returns {time=, rounds=, routers=, tripped=}, tripped
-- the sessions with speakers that max_prefix is expected to have torn
-- down ({router=, speaker=, offered=, max=} each).
function net_methods.converged(net, o)
  o = o or {}
  if type(o) ~= "table" then
    error("net:converged(options): options must be a table", 2)
  end
  if lunet._check_opts then
    lunet._check_opts(o, "net:converged",
                      { within = "duration", every = "duration",
                        ecmp = "boolean" }, 2)
  end
  local within = lunet.duration(o.within or "60s")
  local every = lunet.duration(o.every or "200ms")
  local t0, rounds = lunet.now(), 0
  while true do
    rounds = rounds + 1
    local missing, routers, tripped = lunet._fib_missing(net, o.ecmp)
    local pending = {}
    if #missing == 0 and #tripped > 0 then
      pending = trips_pending(net, tripped)
    end
    local dt = lunet.now() - t0
    if #missing == 0 and #pending == 0 then
      lunet.event("converged", { net = net.name, time = dt,
                                 rounds = rounds, routers = routers })
      return { time = dt, rounds = rounds, routers = routers,
               tripped = tripped }
    end
    if dt >= within and #missing == 0 then
      lunet.event("not_converged", { net = net.name, time = dt,
                                     missing = 0, extra = 0 })
      error(string.format("network %s: not converged after %.1f s: %s",
                          net.name, dt, table.concat(pending, "; ")), 2)
    end
    if dt >= within then
      local text = describe_missing(net, missing)
      local extra = 0
      for _, m in ipairs(missing) do
        if m.want == 0 then extra = extra + 1 end
      end
      local count = string.format("%d routes missing", #missing - extra)
      if extra > 0 then
        count = string.format("%s, %d held that should not be", count,
                              extra)
      end
      lunet.event("not_converged", { net = net.name, time = dt,
                                     missing = #missing - extra,
                                     extra = extra })
      error(string.format("network %s: not converged after %.1f s: "
                          .. "%s: %s", net.name, dt, count, text), 2)
    end
    lunet.sleep(every)
  end
end

-- net:machine(name): a machine of a network across machines
-- (--machines), with fail() (every link between it and the other machines
-- goes dark at once) and recover().
local machine_methods = {}
local machine_mt = { __index = machine_methods,
                     __name = "lunet.machine",
                     __tostring = function(m) return "machine " .. m.name end }

local function machine_set(m, up)
  local ok, why = pcall(lunet._machine_set, m.net, m.name, up)
  if not ok then error(why, 3) end
end
function machine_methods.fail(m) machine_set(m, false) end
function machine_methods.recover(m) machine_set(m, true) end

function net_methods.machine(net, name)
  if type(name) ~= "string" then
    error("net:machine(name): the name must be a string", 2)
  end
  return setmetatable({ net = net, name = name }, machine_mt)
end

return lunet
